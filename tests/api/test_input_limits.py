"""Limits on what the API accepts: how deeply a JSON body nests, how long its texts are.
Past them the answer is a JSON 400 and nothing is stored."""

from datetime import timedelta

import pytest
from django.urls import reverse

from events.models import Event, Microlocation, Session, Speaker, Sponsor, Track
from tickets.models import Ticket

DEEP = b"[" * 2000 + b"]" * 2000
DEEP_IN_A_FIELD = b'{"name": ' + b"[" * 2000 + b"]" * 2000 + b"}"


def post_raw(client, url, body, method="POST"):
    return client.generic(method, url, body, content_type="application/json")


def assert_json_400(answer):
    assert answer.status_code == 400, answer.content[:300]
    assert answer["Content-Type"] == "application/json"
    assert "detail" in answer.json()


def nothing_stored():
    return not any(model.objects.exists() for model in (Track, Session, Speaker, Sponsor, Microlocation, Ticket))


# --- nesting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP, DEEP_IN_A_FIELD], ids=["bare", "in a field"])
def test_a_deeply_nested_body_to_the_token_endpoint_answers_400_anonymously(body, api_client):
    assert_json_400(post_raw(api_client(), reverse("api:auth-token"), body))


@pytest.mark.parametrize(
    "name",
    ["event-list", "track-list", "session-list", "speaker-list", "sponsor-list", "microlocation-list", "ticket-list"],
)
@pytest.mark.parametrize("body", [DEEP, DEEP_IN_A_FIELD], ids=["bare", "in a field"])
def test_a_deeply_nested_body_answers_400_on_every_create(name, body, event, as_organizer):
    args = [] if name == "event-list" else [event.pk]
    events = Event.objects.count()
    assert_json_400(post_raw(as_organizer, reverse(f"api:{name}", args=args), body))
    assert Event.objects.count() == events
    assert nothing_stored()


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_deeply_nested_body_answers_400_on_a_change(method, event, as_organizer):
    track = Track.objects.create(event=event, name="Main track")
    url = reverse("api:track-detail", args=[event.pk, track.pk])
    assert_json_400(post_raw(as_organizer, url, DEEP_IN_A_FIELD, method=method))
    track.refresh_from_db()
    assert (track.name, track.version) == ("Main track", 1)


def test_nesting_a_little_deeper_than_any_body_needs_is_refused_too(event, as_organizer):
    # Not deep enough to exhaust the parser, yet deeper than the limit.
    body = b'{"name": "A", "x": ' + b"[" * 100 + b"]" * 100 + b"}"
    assert_json_400(post_raw(as_organizer, reverse("api:track-list", args=[event.pk]), body))
    assert nothing_stored()


def test_ordinary_nesting_still_works(event, as_organizer):
    speaker = Speaker.objects.create(event=event, name="Ada")
    answer = as_organizer.post(
        reverse("api:session-list", args=[event.pk]),
        {
            "title": "Talk",
            "speakers": [speaker.pk],
            "starts_at": event.starts_at.isoformat(),
            "ends_at": (event.starts_at + timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
