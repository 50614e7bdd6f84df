import pytest
from django.urls import reverse


@pytest.mark.django_db
class TestMyEvents:
    def test_anonymous_goes_to_log_in(self, client):
        response = client.get(reverse("events:mine"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_lists_only_events_with_a_role(self, client, organizer, make_event, user):
        mine = make_event(organizer, name="Mine")
        make_event(user, name="Theirs")
        client.force_login(organizer)
        response = client.get(reverse("events:mine"))
        assert list(response.context["page"]) == [mine]


@pytest.mark.django_db
class TestAllEvents:
    def test_anonymous_goes_to_log_in(self, client):
        response = client.get(reverse("events:all"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_forbidden_for_non_staff(self, client, organizer, event):
        client.force_login(organizer)
        assert client.get(reverse("events:all")).status_code == 403

    @pytest.mark.parametrize("who", ["admin_user", "super_admin"])
    def test_staff_see_every_event(self, client, request, who, make_event, user, organizer):
        events = {make_event(user, name="One"), make_event(organizer, name="Two")}
        client.force_login(request.getfixturevalue(who))
        response = client.get(reverse("events:all"))
        assert response.status_code == 200
        assert set(response.context["page"]) == events


@pytest.mark.django_db
class TestPublicPage:
    def test_draft_hidden_from_public(self, client, event):
        assert client.get(event.get_absolute_url()).status_code == 404

    def test_draft_visible_to_its_team(self, client, event, organizer):
        client.force_login(organizer)
        assert client.get(event.get_absolute_url()).status_code == 200

    def test_published_is_public(self, client, make_event, organizer):
        event = make_event(organizer, name="Open Day", state="published")
        response = client.get(event.get_absolute_url())
        assert response.status_code == 200
        assert "Open Day" in response.content.decode()

    def test_home(self, client, make_event, organizer):
        make_event(organizer, name="Listed", state="published")
        make_event(organizer, name="Secret draft")
        body = client.get(reverse("home")).content.decode()
        assert "Listed" in body
        assert "Secret draft" not in body


@pytest.mark.django_db
def test_the_home_page_says_what_eventdesk_is_and_lists_upcoming_events_only(client, make_event, organizer):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    make_event(organizer, name="Coming up", state="published")
    make_event(
        organizer,
        name="Long gone",
        state="published",
        starts_at=now - timedelta(days=10),
        ends_at=now - timedelta(days=9),
    )
    body = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-hero"' in body
    assert "Eventdesk takes an event from idea to doors open" in body
    assert 'href="/accounts/signup/"' in body
    assert "Coming up" in body
    assert "Long gone" not in body
