"""The roles page (/events/<id>/dashboard/roles/) and the services behind it."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from permissions import checks, services
from permissions.models import EventRole, Role, RoleInvite
from tests.utils import run_tasks

pytestmark = pytest.mark.django_db


def roles_url(event):
    return reverse("events:roles", args=[event.pk])


def remove_url(event, event_role):
    return reverse("events:role-remove", args=[event.pk, event_role.pk])


def holders(event):
    return set(EventRole.objects.filter(event=event).values_list("user__email", "role__name"))


class TestServices:
    def test_invite_ignores_case_and_spaces_and_gives_no_role_until_accepted(self, event, organizer, make_user):
        person = make_user("ada@example.com")
        invite = services.invite_to_role(event, "  ADA@example.com ", "moderator", organizer)
        assert (invite.email, invite.role.name, invite.status) == ("ada@example.com", "moderator", "pending")
        assert not checks.has_role(person, event)
        services.accept_invite(invite, person)
        assert checks.has_role(person, event, "moderator")

    @pytest.mark.parametrize(
        ("email", "code"), [("organizer@example.com", "already_has_role"), ("ada@example.com", "already_invited")]
    )
    def test_invite_refuses(self, event, organizer, email, code):
        services.invite_to_role(event, "ada@example.com", "organizer", organizer)
        before = (holders(event), RoleInvite.objects.count())
        with pytest.raises(ValidationError) as excinfo:
            services.invite_to_role(event, email, "organizer", organizer)
        assert excinfo.value.error_dict["email"][0].code == code
        assert (holders(event), RoleInvite.objects.count()) == before

    def test_an_inactive_user_cannot_take_a_role(self, event, organizer, make_user):
        gone = make_user("gone@example.com", is_active=False)
        invite = services.invite_to_role(event, "gone@example.com", "moderator", organizer)
        with pytest.raises(services.InviteError):
            services.accept_invite(invite, gone)
        assert ("gone@example.com", "moderator") not in holders(event)

    def test_revoke_keeps_the_last_organizer(self, event, organizer):
        with pytest.raises(services.LastOrganizerError):
            services.revoke_role(event, organizer, "organizer")
        assert checks.has_role(organizer, event, "organizer")

    def test_revoke_an_organizer_when_another_remains(self, event, organizer, user_with_role):
        other = user_with_role(event, "organizer")
        assert services.revoke_role(event, organizer, "organizer") is True
        assert not checks.has_role(organizer, event, "organizer")
        with pytest.raises(services.LastOrganizerError):
            services.revoke_role(event, other, "organizer")

    def test_revoke_what_is_not_held(self, event, user):
        assert services.revoke_role(event, user, "moderator") is False


class TestThePage:
    def test_lists_who_holds_which_role(self, organizer_client, event, user_with_role):
        user_with_role(event, "moderator", email="mo@example.com")
        response = organizer_client.get(roles_url(event))
        assert response.status_code == 200
        assert {(er.user.email, er.role.name) for er in response.context["event_roles"]} == {
            ("organizer@example.com", "organizer"),
            ("mo@example.com", "moderator"),
        }
        body = response.content.decode()
        assert 'data-testid="invite-form"' in body
        assert 'data-testid="add-role-form"' not in body  # nobody is put into a role without consent
        assert body.count('data-action="remove-role"') == 1  # not on the last organizer

    @pytest.mark.parametrize("role", ["coorganizer", "track_organizer", "moderator"])
    def test_other_roles_see_it_without_forms(self, client, event, user_with_role, role):
        client.force_login(user_with_role(event, role))
        response = client.get(roles_url(event))
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="invite-form"' not in body
        assert 'data-action="remove-role"' not in body

    def test_no_role_finds_no_draft(self, client, event, user):
        client.force_login(user)
        assert client.get(roles_url(event)).status_code == 404  # as a missing event

    def test_anonymous_goes_to_log_in(self, client, event):
        response = client.get(roles_url(event))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_missing_event(self, organizer_client):
        assert organizer_client.get(reverse("events:roles", args=[999999])).status_code == 404


def invite_url(event):
    return reverse("events:invite-create", args=[event.pk])


def invite_data(email, role):
    return {"invite-email": email, "invite-role": role}


class TestAdding:
    """People join an event only by accepting an invitation: the roles page invites."""

    def test_posting_a_role_to_the_roles_page_gives_nobody_a_role(self, organizer_client, event, make_user):
        make_user("ada@example.com")
        for data in ({"email": "ada@example.com", "role": "moderator"}, invite_data("ada@example.com", "moderator")):
            response = organizer_client.post(roles_url(event), data)
            assert response.status_code == 405
        assert ("ada@example.com", "moderator") not in holders(event)
        assert not RoleInvite.objects.exists()

    def test_organizer_invites_an_existing_user_who_takes_the_role_by_accepting(
        self, organizer_client, client, event, make_user, django_capture_on_commit_callbacks
    ):
        ada = make_user("ada@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            response = organizer_client.post(invite_url(event), invite_data("Ada@Example.com", "coorganizer"))
        assert response.status_code == 302
        assert response["Location"] == roles_url(event)
        assert ("ada@example.com", "coorganizer") not in holders(event)
        invite = RoleInvite.objects.get()
        client.force_login(ada)
        client.post(reverse("permissions:invite", args=[services.invite_link(invite)]), {"answer": "accept"})
        assert ("ada@example.com", "coorganizer") in holders(event)

    def test_the_answer_does_not_tell_who_has_an_account(
        self, organizer_client, event, make_user, mailoutbox, django_capture_on_commit_callbacks
    ):
        make_user("ada@example.com")
        answers = []
        for email in ("ada@example.com", "nobody@example.com"):
            with django_capture_on_commit_callbacks(execute=True):
                response = organizer_client.post(invite_url(event), invite_data(email, "moderator"))
            page = organizer_client.get(response["Location"])
            messages = [str(m).replace(email, "EMAIL") for m in page.context["messages"]]
            answers.append((response.status_code, response["Location"], messages))
        assert answers[0] == answers[1] == (302, roles_url(event), ["Invitation sent to EMAIL as Moderator."])
        # Both get an e-mail: with an account, the invitation's link; without, a sign-up link.
        run_tasks()
        assert [mail.to for mail in mailoutbox] == [["ada@example.com"], ["nobody@example.com"]]
        invites = {invite.email: invite for invite in RoleInvite.objects.all()}
        assert f"http://testserver{services.invite_path(invites['ada@example.com'])}" in mailoutbox[0].body
        assert "/accounts/signup/?invite=" in mailoutbox[1].body
        assert holders(event) == {("organizer@example.com", "organizer")}

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (invite_data("organizer@example.com", "organizer"), "already is Organizer"),
            (invite_data("not-an-address", "moderator"), "valid email"),
            (invite_data("organizer@example.com", "king"), "valid choice"),
            (invite_data("a" * 250 + "@example.com", "moderator"), "at most 254 characters"),
        ],
    )
    def test_bad_input_is_a_form_error(self, organizer_client, event, data, message):
        before = holders(event)
        response = organizer_client.post(invite_url(event), data)
        assert response.status_code == 200
        errors = " ".join(e for field_errors in response.context["invite_form"].errors.values() for e in field_errors)
        assert message in errors
        assert holders(event) == before
        assert not RoleInvite.objects.exists()

    @pytest.mark.parametrize("role", ["coorganizer", "track_organizer", "moderator"])
    def test_only_the_organizer_invites(self, client, event, user_with_role, make_user, role):
        client.force_login(user_with_role(event, role))
        make_user("ada@example.com")
        for url, data in (
            (roles_url(event), {"email": "ada@example.com", "role": "organizer"}),
            (invite_url(event), invite_data("ada@example.com", "organizer")),
        ):
            assert client.post(url, data).status_code == 403
        assert ("ada@example.com", "organizer") not in holders(event)
        assert not RoleInvite.objects.exists()

    def test_admin_may_not_invite(self, client, event, admin_user):
        client.force_login(admin_user)
        assert client.get(roles_url(event)).status_code == 200
        response = client.post(invite_url(event), invite_data(admin_user.email, "organizer"))
        assert response.status_code == 403
        assert not RoleInvite.objects.exists()

    def test_super_admin_may_invite(self, client, event, super_admin, make_user):
        make_user("ada@example.com")
        client.force_login(super_admin)
        assert client.post(invite_url(event), invite_data("ada@example.com", "moderator")).status_code == 302
        assert RoleInvite.objects.get().email == "ada@example.com"
        assert ("ada@example.com", "moderator") not in holders(event)


class TestRemoving:
    def test_organizer_removes_a_role(self, organizer_client, event, user_with_role):
        moderator = user_with_role(event, "moderator")
        event_role = EventRole.objects.get(event=event, user=moderator)
        response = organizer_client.post(remove_url(event, event_role))
        assert response.status_code == 302
        assert response["Location"] == roles_url(event)
        assert not checks.has_role(moderator, event)

    def test_the_last_organizer_stays(self, organizer_client, event, organizer):
        event_role = EventRole.objects.get(event=event, user=organizer)
        response = organizer_client.post(remove_url(event, event_role), follow=True)
        assert EventRole.objects.filter(pk=event_role.pk).exists()
        assert "last one" in response.content.decode()

    def test_an_organizer_may_step_down_when_another_remains(self, organizer_client, event, organizer, user_with_role):
        user_with_role(event, "organizer")
        event_role = EventRole.objects.get(event=event, user=organizer)
        response = organizer_client.post(remove_url(event, event_role))
        assert response.status_code == 302
        assert response["Location"] == reverse("events:mine")  # no role left here
        assert not EventRole.objects.filter(pk=event_role.pk).exists()

    def test_get_removes_nothing(self, organizer_client, event, user_with_role):
        user_with_role(event, "moderator")
        event_role = EventRole.objects.get(event=event, role__name="moderator")
        assert organizer_client.get(remove_url(event, event_role)).status_code == 405
        assert EventRole.objects.filter(pk=event_role.pk).exists()

    def test_another_events_role_is_not_found(self, organizer_client, event, make_event, organizer, user_with_role):
        other = make_event(organizer, name="Other")
        theirs = EventRole.objects.get(event=other, user=user_with_role(other, "moderator"))
        assert organizer_client.post(remove_url(event, theirs)).status_code == 404
        assert EventRole.objects.filter(pk=theirs.pk).exists()

    def test_only_the_organizer_removes(self, client, event, organizer, user_with_role):
        client.force_login(user_with_role(event, "coorganizer"))
        event_role = EventRole.objects.get(event=event, user=organizer)
        assert client.post(remove_url(event, event_role)).status_code == 403
        assert EventRole.objects.filter(pk=event_role.pk).exists()

    def test_roles_are_the_seeded_four(self):
        assert list(Role.objects.values_list("name", flat=True)) == [
            "organizer",
            "coorganizer",
            "track_organizer",
            "moderator",
        ]


class TestInviteFormDefaults:
    def test_one_invite_form_defaulting_to_the_least_powerful_role(self, organizer_client, event):
        body = organizer_client.get(roles_url(event)).content.decode()
        assert body.count('data-testid="invite-form"') == 1
        assert body.count('name="invite-role"') == 1
        selected = re.findall(r'<option value="([^"]+)"[^>]*selected', body)
        assert selected == [Role.MODERATOR]
