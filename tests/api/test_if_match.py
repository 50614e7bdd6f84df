"""``If-Match`` on PUT, PATCH and DELETE: a current tag lets the write through, a stale
one answers 412 and changes nothing, so two editors never overwrite each other."""

import pytest
from django.urls import reverse

from events.models import Event, Track
from tickets.models import Ticket


@pytest.fixture
def track_url(event, schedule):
    return reverse("api:track-detail", args=[event.pk, schedule.track.pk])


def test_a_write_with_the_current_tag_succeeds(track_url, as_organizer, schedule):
    tag = as_organizer.get(track_url)["ETag"]
    answer = as_organizer.patch(track_url, {"name": "Renamed"}, format="json", HTTP_IF_MATCH=tag)
    assert answer.status_code == 200
    assert answer["ETag"] != tag
    schedule.track.refresh_from_db()
    assert schedule.track.name == "Renamed"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_write_with_a_stale_tag_answers_412_and_changes_nothing(method, track_url, as_organizer, schedule):
    stale = as_organizer.get(track_url)["ETag"]
    # Someone else changes the track in between.
    assert as_organizer.patch(track_url, {"description": "Theirs"}, format="json").status_code == 200
    before = Track.objects.filter(pk=schedule.track.pk).values().get()
    tracks_ver = Event.objects.get(pk=schedule.track.event_id).tracks_ver

    body = {"name": "Mine", "color": "#000000"} if method != "delete" else None
    answer = getattr(as_organizer, method)(track_url, body, format="json", HTTP_IF_MATCH=stale)

    assert answer.status_code == 412
    assert answer.json() == {
        "detail": "The object changed since you read it: If-Match does not match its current ETag."
    }
    assert Track.objects.filter(pk=schedule.track.pk).values().get() == before
    assert Event.objects.get(pk=schedule.track.event_id).tracks_ver == tracks_ver


def test_if_match_star_and_a_list_of_tags(track_url, as_organizer):
    tag = as_organizer.get(track_url)["ETag"]
    assert as_organizer.patch(track_url, {"name": "A"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    tag = as_organizer.get(track_url)["ETag"]
    both = f'"stale", {tag}'
    assert as_organizer.patch(track_url, {"name": "B"}, format="json", HTTP_IF_MATCH=both).status_code == 200
    # A weak tag never matches for a write (RFC 9110's strong comparison).
    tag = as_organizer.get(track_url)["ETag"]
    assert as_organizer.patch(track_url, {"name": "C"}, format="json", HTTP_IF_MATCH=f"W/{tag}").status_code == 412


def test_without_if_match_the_write_goes_through(track_url, as_organizer):
    assert as_organizer.patch(track_url, {"name": "Unconditional"}, format="json").status_code == 200


def test_if_match_on_the_event_and_on_tickets(event, schedule, as_organizer):
    event_url = reverse("api:event-detail", args=[event.pk])
    ticket_url = reverse("api:ticket-detail", args=[event.pk, schedule.ticket.pk])
    for url, change in ((event_url, {"location": "Here"}), (ticket_url, {"quantity": 70})):
        stale = as_organizer.get(url)["ETag"]
        assert as_organizer.patch(url, change, format="json").status_code == 200
        current = as_organizer.get(url)["ETag"]
        assert as_organizer.patch(url, {"description": "late"}, format="json", HTTP_IF_MATCH=stale).status_code == 412
        assert as_organizer.delete(url, HTTP_IF_MATCH=stale).status_code == 412
        assert as_organizer.patch(url, {"description": "ok"}, format="json", HTTP_IF_MATCH=current).status_code == 200
    assert Ticket.objects.get(pk=schedule.ticket.pk).description == "ok"
    event.refresh_from_db()
    assert event.description == "ok"


def test_the_tag_of_a_write_is_the_tag_of_the_next_read(track_url, as_organizer):
    written = as_organizer.patch(track_url, {"name": "Renamed"}, format="json")
    assert as_organizer.get(track_url)["ETag"] == written["ETag"]
    assert as_organizer.delete(track_url, HTTP_IF_MATCH=written["ETag"]).status_code == 204
