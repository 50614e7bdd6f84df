"""The super admin's changes of roles in the Django admin go through the services the
pages use (``permissions.services``): the same rules, the same activity log with the
actor. A role is given only by an invitation the person accepts, the last Organizer of
an event is never removed (one row or a bulk deletion, all or nothing), and a row of the
matrix changed on its own form is logged like the grid's changes."""

import pytest
from django.contrib.admin import helpers
from django.core import mail
from django.urls import reverse
from django_scopes import scopes_disabled

from activity.models import ActivityEntry
from permissions.models import EventRole, Permission, Role, RoleInvite
from permissions.services import grant_role
from tests.utils import run_tasks

pytestmark = pytest.mark.django_db


def entries(action):
    with scopes_disabled():
        return list(ActivityEntry.objects.filter(action=action))


def organizer_row(event, organizer):
    with scopes_disabled():
        return EventRole.objects.get(event=event, user=organizer, role__name=Role.ORGANIZER)


class TestRemovingRoles:
    def test_the_last_organizer_is_not_removed(self, super_admin_client, event, organizer):
        row = organizer_row(event, organizer)
        url = reverse("admin:permissions_eventrole_delete", args=[row.pk])

        response = super_admin_client.post(url, {"post": "yes"}, follow=True)

        assert response.status_code == 200
        assert "needs an Organizer" in response.content.decode()
        with scopes_disabled():
            assert EventRole.objects.filter(pk=row.pk).exists()
        assert entries("role_removed") == []

    def test_another_role_is_removed_and_logged_with_the_actor(
        self, super_admin_client, super_admin, event, organizer, user
    ):
        with scopes_disabled():
            row = grant_role(event, user, Role.COORGANIZER)
        url = reverse("admin:permissions_eventrole_delete", args=[row.pk])

        response = super_admin_client.post(url, {"post": "yes"})

        assert response.status_code == 302
        with scopes_disabled():
            assert not EventRole.objects.filter(pk=row.pk).exists()
        [removed] = entries("role_removed")
        assert removed.actor == super_admin
        assert removed.event_id == event.pk

    def test_a_bulk_deletion_that_takes_the_last_organizer_removes_nothing(
        self, super_admin_client, event, organizer, user
    ):
        with scopes_disabled():
            other = grant_role(event, user, Role.COORGANIZER)
        rows = [organizer_row(event, organizer).pk, other.pk]
        url = reverse("admin:permissions_eventrole_changelist")

        response = super_admin_client.post(
            url, {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: rows, "post": "yes"}, follow=True
        )

        assert response.status_code == 200
        assert "needs an Organizer" in response.content.decode()
        with scopes_disabled():
            assert EventRole.objects.filter(pk__in=rows).count() == 2
        assert entries("role_removed") == []

    def test_a_bulk_deletion_of_one_of_two_organizers_goes_through(
        self, super_admin_client, super_admin, event, organizer, user
    ):
        with scopes_disabled():
            second = grant_role(event, user, Role.ORGANIZER)
        url = reverse("admin:permissions_eventrole_changelist")

        response = super_admin_client.post(
            url, {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [second.pk], "post": "yes"}
        )

        assert response.status_code == 302
        with scopes_disabled():
            assert not EventRole.objects.filter(pk=second.pk).exists()
            assert EventRole.objects.filter(event=event, role__name=Role.ORGANIZER).count() == 1
        assert [entry.actor for entry in entries("role_removed")] == [super_admin]

    def test_a_role_is_not_changed_in_place(self, super_admin_client, event, organizer, user):
        row = organizer_row(event, organizer)
        url = reverse("admin:permissions_eventrole_change", args=[row.pk])
        moderator = Role.objects.get(name=Role.MODERATOR)
        response = super_admin_client.post(url, {"user": user.pk, "event": event.pk, "role": moderator.pk})
        assert response.status_code == 403
        with scopes_disabled():
            row.refresh_from_db()
        assert (row.user_id, row.role.name) == (organizer.pk, Role.ORGANIZER)


class TestInvitingInTheAdmin:
    def test_the_super_admin_invites_as_the_roles_page_does(self, super_admin_client, super_admin, event, user):
        role = Role.objects.get(name=Role.COORGANIZER)
        url = reverse("admin:permissions_roleinvite_add")

        response = super_admin_client.post(url, {"event": event.pk, "email": user.email, "role": role.pk})

        assert response.status_code == 302
        with scopes_disabled():
            invite = RoleInvite.objects.get(event=event, email=user.email)
            assert not EventRole.objects.filter(event=event, user=user).exists()  # not before accepting
        assert invite.invited_by == super_admin
        assert invite.status == RoleInvite.Status.PENDING
        [invited] = entries("invited")
        assert invited.actor == super_admin
        run_tasks()
        assert [message.to for message in mail.outbox] == [[user.email]]

    def test_an_invitation_the_service_refuses_is_not_stored(self, super_admin_client, event, organizer):
        role = Role.objects.get(name=Role.ORGANIZER)
        url = reverse("admin:permissions_roleinvite_add")

        response = super_admin_client.post(
            url, {"event": event.pk, "email": organizer.email, "role": role.pk}, follow=True
        )

        assert "already is Organizer" in response.content.decode()
        with scopes_disabled():
            assert not RoleInvite.objects.exists()

    @pytest.mark.parametrize(
        "changes",
        [
            {"event": "abc"},
            {"event": "99999"},
            {"email": ""},
            {"email": "not-an-address"},
            {"email": "a" * 100_000 + "@example.org"},
            {"role": "abc"},
        ],
    )
    def test_a_bad_invitation_form_is_shown_with_its_errors(self, super_admin_client, event, user, changes):
        role = Role.objects.get(name=Role.COORGANIZER)
        data = {"event": event.pk, "email": user.email, "role": role.pk, **changes}

        response = super_admin_client.post(reverse("admin:permissions_roleinvite_add"), data)

        assert response.status_code == 200
        assert "errorlist" in response.content.decode()
        with scopes_disabled():
            assert not RoleInvite.objects.exists()
        assert not entries("invited")

    @pytest.mark.parametrize(("model", "action"), [("roleinvite", "withdraw"), ("eventrole", "delete_selected")])
    def test_an_action_on_a_malformed_row_id_is_400_and_changes_nothing(
        self, super_admin_client, super_admin, event, user, model, action
    ):
        role = Role.objects.get(name=Role.COORGANIZER)
        super_admin_client.post(
            reverse("admin:permissions_roleinvite_add"), {"event": event.pk, "email": user.email, "role": role.pk}
        )
        with scopes_disabled():
            before = (list(RoleInvite.objects.values_list("pk", "status")), EventRole.objects.count())
            logged = ActivityEntry.objects.count()
            valid = (RoleInvite if model == "roleinvite" else EventRole).objects.values_list("pk", flat=True).first()

        response = super_admin_client.post(
            reverse(f"admin:permissions_{model}_changelist"),
            {"action": action, helpers.ACTION_CHECKBOX_NAME: [valid, "abc"], "post": "yes"},
        )

        assert response.status_code == 400
        with scopes_disabled():
            assert (list(RoleInvite.objects.values_list("pk", "status")), EventRole.objects.count()) == before
            assert ActivityEntry.objects.count() == logged

    def test_the_super_admin_withdraws_invitations(self, super_admin_client, super_admin, event, user):
        role = Role.objects.get(name=Role.COORGANIZER)
        super_admin_client.post(
            reverse("admin:permissions_roleinvite_add"), {"event": event.pk, "email": user.email, "role": role.pk}
        )
        with scopes_disabled():
            invite = RoleInvite.objects.get()

        super_admin_client.post(
            reverse("admin:permissions_roleinvite_changelist"),
            {"action": "withdraw", helpers.ACTION_CHECKBOX_NAME: [invite.pk]},
        )

        with scopes_disabled():
            invite.refresh_from_db()
        assert invite.status == RoleInvite.Status.REVOKED
        assert [entry.actor for entry in entries("invitation_revoked")] == [super_admin]


def test_a_matrix_row_changed_on_its_own_form_is_logged_with_the_actor(super_admin_client, super_admin):
    permission = Permission.objects.get(role__name="moderator", service__name="track")
    url = reverse("admin:permissions_permission_change", args=[permission.pk])
    assert not permission.can_create

    response = super_admin_client.post(url, {"can_create": "on", "can_read": "on"})

    assert response.status_code == 302
    permission.refresh_from_db()
    assert permission.can_create
    assert permission.can_read
    [changed] = entries("matrix_changed")
    assert changed.actor == super_admin
    assert changed.changes["can_create"] == [False, True]


class TestDeletingAUser:
    """Deleting an account takes its roles with it, except the last Organizer role of an
    event: the admin shows it as protected and deletes nothing."""

    def test_the_last_organizer_of_an_event_is_not_deleted(self, super_admin_client, event, organizer):
        url = reverse("admin:accounts_user_delete", args=[organizer.pk])

        page = super_admin_client.get(url).content.decode()
        assert "protected" in page
        assert str(event.name) in page
        response = super_admin_client.post(url, {"post": "yes"})

        assert response.status_code == 403 or "protected" in response.content.decode()
        assert type(organizer).objects.filter(pk=organizer.pk).exists()
        with scopes_disabled():
            assert EventRole.objects.filter(user=organizer).exists()

    def test_an_organizer_with_a_fellow_organizer_is_deleted_with_their_roles(
        self, super_admin_client, event, organizer, user
    ):
        with scopes_disabled():
            grant_role(event, user, Role.ORGANIZER)
        response = super_admin_client.post(reverse("admin:accounts_user_delete", args=[organizer.pk]), {"post": "yes"})

        assert response.status_code == 302
        assert not type(organizer).objects.filter(pk=organizer.pk).exists()
        with scopes_disabled():
            assert list(EventRole.objects.filter(event=event).values_list("user", flat=True)) == [user.pk]

    def test_deleting_both_organizers_at_once_deletes_neither(self, super_admin_client, event, organizer, user):
        with scopes_disabled():
            grant_role(event, user, Role.ORGANIZER)
        data = {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [organizer.pk, user.pk], "post": "yes"}

        super_admin_client.post(reverse("admin:accounts_user_changelist"), data)

        assert type(organizer).objects.filter(pk__in=[organizer.pk, user.pk]).count() == 2

    def test_code_that_deletes_the_last_organizer_is_refused_too(self, event, organizer):
        from django.db.models import ProtectedError

        with pytest.raises(ProtectedError), scopes_disabled():
            organizer.delete()
        assert type(organizer).objects.filter(pk=organizer.pk).exists()
