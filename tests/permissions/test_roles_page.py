"""The roles page (/events/<id>/dashboard/roles/) and the services behind it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from permissions import services
from permissions.models import EventRole, Role

pytestmark = pytest.mark.django_db


def roles_url(event):
    return reverse("permissions:roles", args=[event.pk])


def remove_url(event, event_role):
    return reverse("permissions:role-remove", args=[event.pk, event_role.pk])


def holders(event):
    return set(EventRole.objects.filter(event=event).values_list("user__email", "role__name"))


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


class TestServices:
    def test_add_by_email_ignores_case_and_spaces(self, event, make_user):
        person = make_user("ada@example.com")
        event_role = services.add_role_by_email(event, "  ADA@example.com ", "moderator")
        assert (event_role.user, event_role.role.name) == (person, "moderator")
        assert person.is_moderator(event)

    @pytest.mark.parametrize(
        ("email", "code"), [("nobody@example.com", "no_such_user"), ("organizer@example.com", "already_has_role")]
    )
    def test_add_by_email_refuses(self, event, email, code):
        before = holders(event)
        with pytest.raises(ValidationError) as excinfo:
            services.add_role_by_email(event, email, "organizer")
        assert excinfo.value.error_dict["email"][0].code == code
        assert holders(event) == before

    def test_an_inactive_user_cannot_be_added(self, event, make_user):
        make_user("gone@example.com", is_active=False)
        with pytest.raises(ValidationError):
            services.add_role_by_email(event, "gone@example.com", "moderator")

    def test_revoke_keeps_the_last_organizer(self, event, organizer):
        with pytest.raises(services.LastOrganizerError):
            services.revoke_role(event, organizer, "organizer")
        assert organizer.is_organizer(event)

    def test_revoke_an_organizer_when_another_remains(self, event, organizer, user_with_role):
        other = user_with_role(event, "organizer")
        assert services.revoke_role(event, organizer, "organizer") is True
        assert not organizer.is_organizer(event)
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
        assert 'data-testid="add-role-form"' in body
        assert body.count('data-action="remove-role"') == 1  # not on the last organizer

    @pytest.mark.parametrize("role", ["coorganizer", "track_organizer", "moderator"])
    def test_other_roles_see_it_without_forms(self, client, event, user_with_role, role):
        client.force_login(user_with_role(event, role))
        response = client.get(roles_url(event))
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="add-role-form"' not in body
        assert 'data-action="remove-role"' not in body

    def test_no_role_is_forbidden(self, client, event, user):
        client.force_login(user)
        assert client.get(roles_url(event)).status_code == 403

    def test_anonymous_goes_to_log_in(self, client, event):
        response = client.get(roles_url(event))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_missing_event(self, organizer_client):
        assert organizer_client.get(reverse("permissions:roles", args=[999999])).status_code == 404


class TestAdding:
    def test_organizer_adds_an_existing_user(self, organizer_client, event, make_user):
        make_user("ada@example.com")
        response = organizer_client.post(roles_url(event), {"email": "Ada@Example.com", "role": "coorganizer"})
        assert response.status_code == 302
        assert response["Location"] == roles_url(event)
        assert ("ada@example.com", "coorganizer") in holders(event)

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"email": "nobody@example.com", "role": "moderator"}, "no user with this e-mail"),
            ({"email": "organizer@example.com", "role": "organizer"}, "already is Organizer"),
            ({"email": "not-an-address", "role": "moderator"}, "valid email"),
            ({"email": "organizer@example.com", "role": "king"}, "valid choice"),
        ],
    )
    def test_bad_input_is_a_form_error(self, organizer_client, event, data, message):
        before = holders(event)
        response = organizer_client.post(roles_url(event), data)
        assert response.status_code == 400
        errors = " ".join(e for field_errors in response.context["form"].errors.values() for e in field_errors)
        assert message in errors
        assert holders(event) == before

    @pytest.mark.parametrize("role", ["coorganizer", "track_organizer", "moderator"])
    def test_only_the_organizer_adds(self, client, event, user_with_role, make_user, role):
        client.force_login(user_with_role(event, role))
        make_user("ada@example.com")
        response = client.post(roles_url(event), {"email": "ada@example.com", "role": "organizer"})
        assert response.status_code == 403
        assert ("ada@example.com", "organizer") not in holders(event)

    def test_admin_may_not_add(self, client, event, admin_user):
        client.force_login(admin_user)
        assert client.get(roles_url(event)).status_code == 200
        response = client.post(roles_url(event), {"email": admin_user.email, "role": "organizer"})
        assert response.status_code == 403

    def test_super_admin_may_add(self, client, event, super_admin, make_user):
        make_user("ada@example.com")
        client.force_login(super_admin)
        assert client.post(roles_url(event), {"email": "ada@example.com", "role": "moderator"}).status_code == 302
        assert ("ada@example.com", "moderator") in holders(event)


class TestRemoving:
    def test_organizer_removes_a_role(self, organizer_client, event, user_with_role):
        moderator = user_with_role(event, "moderator")
        event_role = EventRole.objects.get(event=event, user=moderator)
        response = organizer_client.post(remove_url(event, event_role))
        assert response.status_code == 302
        assert response["Location"] == roles_url(event)
        assert not moderator.has_role(event)

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
