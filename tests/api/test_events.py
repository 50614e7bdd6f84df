"""``/api/v1/events/``: who sees which events, creating one (the creator becomes its
Organizer), changing, publishing and deleting it, and its version counters."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from permissions.models import EventRole
from tests.factories import TicketFactory

LIST = "/api/v1/events/"


def new_event_body(**fields):
    starts = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    body = {
        "name": "DjangoCon",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(days=1)).isoformat(),
        "timezone": "Europe/Lisbon",
        "currency": "EUR",
    }
    body.update(fields)
    return body


def test_staff_see_every_event_others_their_own(event, make_event, make_user, api_client, organizer, super_admin):
    other = make_event(make_user(), name="Other")
    ids = {e.pk for e in (event, other)}
    assert {e["id"] for e in api_client(super_admin).get(LIST).json()["results"]} == ids
    assert {e["id"] for e in api_client(make_user(is_admin=True)).get(LIST).json()["results"]} == ids
    assert [e["id"] for e in api_client(organizer).get(LIST).json()["results"]] == [event.pk]
    assert api_client(make_user()).get(LIST).json()["results"] == []
    assert api_client().get(LIST).status_code == 401


def test_any_logged_in_user_creates_an_event_and_becomes_its_organizer(make_user, api_client):
    person = make_user()
    answer = api_client(person).post(LIST, new_event_body(), format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["state"] == "draft"
    assert body["slug"] == "djangocon"
    assert body["version"] == 1
    assert answer["ETag"]
    event = Event.objects.get(pk=body["id"])
    assert EventRole.objects.filter(event=event, user=person, role__name="organizer").exists()
    assert api_client(person).get(reverse("api:event-detail", args=[event.pk])).status_code == 200


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"currency": "XXX1"}, "currency"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"ends_at": (timezone.now() - timedelta(days=400)).isoformat()}, "ends_at"),
        ({"state": "published"}, "state"),  # not complete: no tickets
        ({"state": "archived"}, "state"),
    ],
)
def test_an_invalid_event_is_refused_and_nothing_is_stored(fields, field, make_user, api_client):
    answer = api_client(make_user()).post(LIST, new_event_body(**fields), format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not Event.objects.exists()


def test_publishing_checks_that_the_event_is_complete(event, as_organizer):
    url = reverse("api:event-detail", args=[event.pk])
    answer = as_organizer.patch(url, {"state": "published"}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"state": ["Add at least one ticket."]}
    event.refresh_from_db()
    assert event.state == "draft"

    TicketFactory(event=event, name="Entry", quantity=10)
    answer = as_organizer.patch(url, {"state": "published"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["state"] == "published"


def test_who_may_change_and_delete_an_event(event, user_with_role, make_user, api_client, as_organizer):
    url = reverse("api:event-detail", args=[event.pk])
    # The matrix's "event" row (issue 13): a Moderator reads, a Co-organizer also updates.
    moderator = api_client(user_with_role(event, "moderator"))
    assert moderator.get(url).status_code == 200
    assert moderator.patch(url, {"location": "Lisbon"}, format="json").status_code == 403
    assert moderator.delete(url).status_code == 403
    coorganizer = api_client(user_with_role(event, "coorganizer"))
    assert coorganizer.patch(url, {"location": "Lisbon"}, format="json").status_code == 200
    assert coorganizer.delete(url).status_code == 403
    assert api_client(make_user()).get(url).status_code == 404  # a draft: not there without a role
    assert api_client(make_user(is_admin=True)).get(url).status_code == 200
    assert api_client(make_user(is_admin=True)).patch(url, {"location": "X"}, format="json").status_code == 403
    assert api_client().get(url).status_code == 404  # nor without logging in
    assert api_client().patch(url, {"location": "X"}, format="json").status_code == 401
    assert as_organizer.delete(url).status_code == 204
    assert not Event.objects.filter(pk=event.pk).exists()
    assert as_organizer.get(url).status_code == 404


def test_a_missing_event_is_404_everywhere(as_organizer):
    for url in (
        "/api/v1/events/999999/",
        "/api/v1/events/999999/tracks/",
        "/api/v1/events/999999/versions/",
        "/api/v1/events/999999/tickets/",
        "/api/v1/events/99999999999999999999999999/",
    ):
        answer = as_organizer.get(url)
        assert answer.status_code == 404, url
        assert answer["Content-Type"] == "application/json"


def test_versions_lists_every_counter_and_grows_with_changes(event, schedule, as_organizer, api_client, make_user):
    url = reverse("api:event-versions", args=[event.pk])
    body = as_organizer.get(url).json()
    assert set(body) == {
        "event_id",
        "id",  # the original system's names: event_id and id, session_ver
        "session_ver",
        "event_ver",
        "tracks_ver",
        "sessions_ver",
        "speakers_ver",
        "sponsors_ver",
        "microlocations_ver",
        "tickets_ver",
    }
    assert body["event_id"] == body["id"] == event.pk
    assert body["session_ver"] == body["sessions_ver"]
    as_organizer.patch(reverse("api:track-detail", args=[event.pk, schedule.track.pk]), {"name": "X"}, format="json")
    after = as_organizer.get(url).json()
    assert after["tracks_ver"] == body["tracks_ver"] + 1
    assert {k: v for k, v in after.items() if k != "tracks_ver"} == {
        k: v for k, v in body.items() if k != "tracks_ver"
    }
    # A draft's counters are the team's (to anyone else, it is not there); a published event's, anyone's.
    assert api_client().get(url).status_code == 404
    assert api_client(make_user()).get(url).status_code == 404
    event.state = Event.State.PUBLISHED
    event.save()
    assert api_client().get(url).status_code == 200
