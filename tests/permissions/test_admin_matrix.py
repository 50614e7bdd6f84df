"""The Django admin: the super admin alone changes roles, services, the matrix and event
roles; admins view them. The matrix is edited as one grid, each change logged."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from events.models import Event
from permissions import checks, resources
from permissions.models import EventRole, Permission, Role
from tests.permissions.utils import MATRIX_URL, current_flags, inverted, matrix_post_data, post_matrix
from tests.utils import PASSWORD

pytestmark = pytest.mark.django_db


def permission_log():
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Permission))


class TestGridForTheSuperAdmin:
    def test_shows_every_cell_ticked_as_stored(self, super_admin_client):
        response = super_admin_client.get(reverse(MATRIX_URL))
        assert response.status_code == 200
        form = response.context["form"]
        # A box per role × resource × the operations its row has (the event's: no create).
        assert len(form.fields) == 4 * sum(len(resources.operations(name)) for name in resources.RESOURCES)
        assert len(resources.RESOURCES) >= 7  # the five, the event and its tickets
        assert "organizer__event__create" not in form.fields
        ticked = {name for name, field in form.fields.items() if field.initial}
        assert ticked == set(matrix_post_data(current_flags()))
        body = response.content.decode()
        assert 'name="_save"' in body
        # Only the cells every role holds (reading the event) are fixed.
        fixed = {name for name, field in form.fields.items() if field.disabled}
        assert fixed == {
            f"{role}__event__read" for role in ("organizer", "coorganizer", "track_organizer", "moderator")
        }
        assert body.count("disabled") == len(fixed)

    def test_saves_the_changed_cells_and_logs_each_changed_row(self, super_admin_client, super_admin):
        flags = current_flags()
        flags["moderator", "session"] = {"read"}
        flags["coorganizer", "track"] = {"read", "update", "create", "delete"}
        flags["organizer", "sponsor"] = {"read"}

        response = post_matrix(super_admin_client, flags)

        assert response.status_code == 302
        assert response["Location"] == reverse(MATRIX_URL)
        assert current_flags() == flags
        log = {entry.object_repr.split(":")[0]: entry for entry in permission_log()}
        assert set(log) == {"Moderator × Sessions", "Co-organizer × Tracks", "Organizer × Sponsors"}
        assert all(entry.action_flag == CHANGE and entry.user == super_admin for entry in log.values())
        assert log["Moderator × Sessions"].change_message == "can read: no → yes"
        assert log["Co-organizer × Tracks"].change_message == "can create: no → yes; can delete: no → yes"
        assert log["Organizer × Sponsors"].object_id == str(
            Permission.objects.get(role__name="organizer", service__name="sponsor").pk
        )

    def test_every_cell_can_change_at_once(self, super_admin_client):
        flipped = inverted(current_flags())
        assert post_matrix(super_admin_client, flipped).status_code == 302
        assert current_flags() == flipped
        assert permission_log().count() == 4 * len(resources.RESOURCES)

    def test_a_save_takes_as_many_queries_for_every_cell_as_for_one(
        self, super_admin_client, django_assert_max_num_queries
    ):
        post_matrix(super_admin_client, current_flags())  # the session and the user are read once warm
        one = current_flags()
        one["moderator", "session"] = {"read"}
        with django_assert_max_num_queries(12) as one_cell:
            assert post_matrix(super_admin_client, one).status_code == 302
        with django_assert_max_num_queries(12) as every_cell:
            assert post_matrix(super_admin_client, inverted(one)).status_code == 302
        assert current_flags() == inverted(one)
        assert len(every_cell.captured_queries) == len(one_cell.captured_queries)

    def test_saving_the_same_matrix_changes_nothing(self, super_admin_client):
        before = current_flags()
        assert post_matrix(super_admin_client, before).status_code == 302
        assert current_flags() == before
        assert not permission_log().exists()

    def test_a_change_counts_on_the_next_request(self, super_admin_client, client, event, user_with_role):
        moderator = user_with_role(event, "moderator")
        client.force_login(moderator)
        sessions = reverse("events:session-list", args=[event.pk])
        assert client.get(sessions).status_code == 403
        flags = current_flags()
        flags["moderator", "session"] = {"read"}
        post_matrix(super_admin_client, flags)
        assert client.get(sessions).status_code == 200

    def test_the_permission_list_links_to_the_grid(self, super_admin_client):
        response = super_admin_client.get(reverse("admin:permissions_permission_changelist"))
        assert response.status_code == 200
        assert reverse(MATRIX_URL) in response.content.decode()


class TestGridForOthers:
    def test_admin_sees_it_read_only(self, admin_client_):
        response = admin_client_.get(reverse(MATRIX_URL))
        assert response.status_code == 200
        assert all(field.disabled for field in response.context["form"].fields.values())
        assert 'name="_save"' not in response.content.decode()

    def test_admin_may_not_save_it(self, admin_client_):
        before = current_flags()
        response = post_matrix(admin_client_, inverted(before))
        assert response.status_code == 403
        assert current_flags() == before
        assert not permission_log().exists()

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_organizer_is_sent_to_the_admin_log_in(self, client, organizer, method):
        client.force_login(organizer)
        response = getattr(client, method)(reverse(MATRIX_URL))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    def test_anonymous_is_sent_to_the_admin_log_in(self, client):
        before = current_flags()
        response = post_matrix(client, inverted(before))
        assert response.status_code == 302
        assert current_flags() == before


class TestPermissionModelsInTheAdmin:
    """Admins read every permission model and change none; the super admin changes them
    (roles and services only in title: the code knows them by name)."""

    @pytest.mark.parametrize(
        "model", ["role", "service", "permission", "eventrole", "roleinvite"], ids=lambda model: model
    )
    def test_admin_views_each_list(self, admin_client_, event, model):
        assert admin_client_.get(reverse(f"admin:permissions_{model}_changelist")).status_code == 200

    def test_admin_views_a_row_read_only_and_may_not_change_it(self, admin_client_):
        permission = Permission.objects.get(role__name="moderator", service__name="track")
        url = reverse("admin:permissions_permission_change", args=[permission.pk])
        response = admin_client_.get(url)
        assert response.status_code == 200
        assert response.context["has_change_permission"] is False
        assert admin_client_.post(url, {"can_create": "on", "can_read": "on"}).status_code == 403
        permission.refresh_from_db()
        assert not permission.can_create

    def test_admin_may_not_change_a_role(self, admin_client_):
        role = Role.objects.get(name="moderator")
        url = reverse("admin:permissions_role_change", args=[role.pk])
        assert admin_client_.post(url, {"title": "Boss"}).status_code == 403
        role.refresh_from_db()
        assert role.title == "Moderator"

    def test_super_admin_changes_a_role_title_not_its_name(self, super_admin_client):
        role = Role.objects.get(name="moderator")
        url = reverse("admin:permissions_role_change", args=[role.pk])
        response = super_admin_client.post(url, {"name": "boss", "title": "Session moderator"})
        assert response.status_code == 302
        role.refresh_from_db()
        assert (role.name, role.title) == ("moderator", "Session moderator")

    @pytest.mark.parametrize("model", ["role", "service", "permission"])
    def test_nobody_adds_fixed_rows(self, super_admin_client, model):
        assert super_admin_client.get(reverse(f"admin:permissions_{model}_add")).status_code == 403

    def test_super_admin_gives_no_event_role_without_an_invitation(self, super_admin_client, event, user):
        """Nobody is put into a role but by accepting: the admin offers no "add" of an EventRole."""
        url = reverse("admin:permissions_eventrole_add")
        role = Role.objects.get(name="coorganizer")
        assert super_admin_client.get(url).status_code == 403
        response = super_admin_client.post(url, {"user": user.pk, "event": event.pk, "role": role.pk})
        assert response.status_code == 403
        assert not checks.has_role(user, event, "coorganizer")

    def test_admin_may_not_give_an_event_role(self, admin_client_, event, user):
        url = reverse("admin:permissions_eventrole_add")
        role = Role.objects.get(name="coorganizer")
        assert admin_client_.get(url).status_code == 403
        assert admin_client_.post(url, {"user": user.pk, "event": event.pk, "role": role.pk}).status_code == 403
        assert not EventRole.objects.filter(user=user).exists()

    def test_admin_may_not_take_an_event_role(self, admin_client_, event, organizer):
        event_role = EventRole.objects.get(event=event, user=organizer)
        url = reverse("admin:permissions_eventrole_delete", args=[event_role.pk])
        assert admin_client_.post(url, {"post": "yes"}).status_code == 403
        assert EventRole.objects.filter(pk=event_role.pk).exists()


class TestAdminsInTheDjangoAdmin:
    """An admin logs in to the Django admin and reads everything there, changing nothing."""

    def test_logs_in_with_a_password(self, client, admin_user):
        response = client.post(
            reverse("admin:login"), {"username": admin_user.email, "password": PASSWORD, "next": "/admin/"}
        )
        assert response.status_code == 302
        index = client.get(reverse("admin:index"))
        assert index.status_code == 200
        apps = {app["app_label"] for app in index.context["app_list"]}
        assert {"accounts", "events", "permissions"} <= apps
        assert not any(model["add_url"] for app in index.context["app_list"] for model in app["models"])

    @pytest.mark.parametrize(
        "url_name",
        ["admin:events_event_changelist", "admin:events_track_changelist", "admin:accounts_user_changelist"],
    )
    def test_reads_other_apps(self, admin_client_, event, url_name):
        assert admin_client_.get(reverse(url_name)).status_code == 200

    def test_changes_no_event(self, admin_client_, event):
        url = reverse("admin:events_event_change", args=[event.pk])
        assert admin_client_.get(url).status_code == 200
        assert admin_client_.post(url, {"name": "Taken over"}).status_code == 403
        assert Event.objects.get(pk=event.pk).name == event.name
        assert admin_client_.get(reverse("admin:events_event_add")).status_code == 403

    def test_cannot_make_themselves_super_admin(self, admin_client_, admin_user):
        url = reverse("admin:accounts_user_change", args=[admin_user.pk])
        response = admin_client_.post(url, {"email": admin_user.email, "is_admin": "on", "is_super_admin": "on"})
        assert response.status_code == 403
        admin_user.refresh_from_db()
        assert not admin_user.is_super_admin
