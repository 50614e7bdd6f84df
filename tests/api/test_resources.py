"""The event's resources (tracks, sessions, ...) over the API (``events.api``): found only
through their event, filters, pagination, and bad input answered with 4xx JSON, nothing
stored."""

import json
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse

from events.models import Session, Speaker, Track
from tests.factories import SessionFactory


@pytest.fixture
def other_event(make_event, organizer):
    return make_event(organizer, name="Other event")


def test_another_events_object_is_404_even_for_its_organizer(event, other_event, as_organizer):
    theirs = Track.objects.create(event=other_event, name="Theirs")
    url = reverse("api:track-detail", args=[event.pk, theirs.pk])
    assert as_organizer.get(url).status_code == 404
    assert as_organizer.patch(url, {"name": "Moved"}, format="json").status_code == 404
    assert as_organizer.delete(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    assert theirs.event == other_event


def test_another_events_ids_in_a_body_are_refused_and_nothing_is_stored(event, other_event, as_organizer):
    their_track = Track.objects.create(event=other_event, name="Theirs")
    their_speaker = Speaker.objects.create(event=other_event, name="Theirs")
    starts = event.starts_at + timedelta(hours=1)
    body = {"title": "Talk", "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat()}
    url = reverse("api:session-list", args=[event.pk])
    for extra, field in (({"track": their_track.pk}, "track"), ({"speakers": [their_speaker.pk]}, "speakers")):
        answer = as_organizer.post(url, {**body, **extra}, format="json")
        assert answer.status_code == 400
        assert field in answer.json()
    assert not Session.objects.exists()


def test_a_session_is_validated_by_the_models_rules(event, as_organizer):
    url = reverse("api:session-list", args=[event.pk])
    starts = event.starts_at + timedelta(hours=1)
    cases = [
        ({"starts_at": starts, "ends_at": starts}, "ends_at"),
        ({"starts_at": event.starts_at - timedelta(days=1), "ends_at": starts}, "starts_at"),
        ({"starts_at": starts, "ends_at": event.ends_at + timedelta(days=1)}, "ends_at"),
    ]
    for times, field in cases:
        body = {"title": "Talk", **{k: v.isoformat() for k, v in times.items()}}
        answer = as_organizer.post(url, body, format="json")
        assert answer.status_code == 400
        assert field in answer.json()
    assert not Session.objects.exists()


def test_sessions_are_filtered_by_track_and_by_day_in_the_event_time_zone(event, as_organizer):
    track = Track.objects.create(event=event, name="Web")
    berlin = event.tzinfo
    first_day = event.starts_at.astimezone(berlin).date() + timedelta(days=1)
    # 00:30 in Berlin is still the day before in UTC: the event's day counts.
    just_after_midnight = datetime.combine(first_day, time(0, 30), tzinfo=berlin)
    late = datetime.combine(first_day, time(23, 30), tzinfo=berlin)
    early = Session.objects.create(
        event=event,
        title="Early",
        track=track,
        starts_at=just_after_midnight,
        ends_at=just_after_midnight + timedelta(minutes=20),
    )
    Session.objects.create(event=event, title="Late", starts_at=late, ends_at=late + timedelta(minutes=20))
    Session.objects.create(
        event=event,
        title="Day before",
        starts_at=just_after_midnight - timedelta(hours=2),
        ends_at=just_after_midnight - timedelta(hours=1),
    )
    url = reverse("api:session-list", args=[event.pk])

    def titles(**params):
        answer = as_organizer.get(url, params)
        assert answer.status_code == 200
        return [s["title"] for s in answer.json()["results"]]

    assert titles(day=first_day.isoformat()) == ["Early", "Late"]
    assert titles(day=(first_day - timedelta(days=1)).isoformat()) == ["Day before"]
    assert titles(track=track.pk) == ["Early"]
    assert titles(track=track.pk, day=first_day.isoformat()) == ["Early"]
    assert titles(track=999999) == []
    assert early.pk in [s["id"] for s in as_organizer.get(url).json()["results"]]


@pytest.mark.parametrize(
    "params",
    [{"day": "2025-02-30"}, {"day": "tomorrow"}, {"day": "0001-01-01"}, {"track": "abc"}, {"track": "-1"}],
)
def test_bad_filters_answer_400(params, event, as_organizer):
    answer = as_organizer.get(reverse("api:session-list", args=[event.pk]), params)
    assert answer.status_code == 400
    assert set(answer.json()) == set(params)


def test_pagination_and_its_limit(event, as_organizer):
    Track.objects.bulk_create([Track(event=event, name=f"Track {n:03}") for n in range(120)])
    url = reverse("api:track-list", args=[event.pk])
    first = as_organizer.get(url).json()
    assert first["count"] == 120
    assert len(first["results"]) == 50
    assert first["next"].endswith("page=2")
    assert len(as_organizer.get(url, {"page_size": 500}).json()["results"]) == 120
    last = as_organizer.get(url, {"page_size": 100, "page": 2}).json()
    assert [t["name"] for t in last["results"]][0] == "Track 100"
    assert as_organizer.get(url, {"page": 99}).status_code == 404


def test_page_size_is_capped_at_500(event, as_organizer):
    Track.objects.bulk_create([Track(event=event, name=f"T{n}") for n in range(501)])
    answer = as_organizer.get(reverse("api:track-list", args=[event.pk]), {"page_size": 10000})
    assert len(answer.json()["results"]) == 500


# --- bad input ---------------------------------------------------------------------------


@pytest.fixture
def tracks_url(event):
    return reverse("api:track-list", args=[event.pk])


def post_raw(client, url, body, content_type="application/json"):
    return client.generic("POST", url, body, content_type=content_type)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        pytest.param(b"", "application/json", 400, id="empty"),
        pytest.param(b"{", "application/json", 400, id="malformed"),
        pytest.param(b"[1, 2]", "application/json", 400, id="a list"),
        pytest.param(b'"name"', "application/json", 400, id="a string"),
        pytest.param(b'{"name": NaN}', "application/json", 400, id="NaN"),
        pytest.param(b"\xff\xfe{}", "application/json", 400, id="not UTF-8"),
        pytest.param(b"name=Form", "application/x-www-form-urlencoded", 415, id="a form"),
        pytest.param(json.dumps({"name": ["a"]}).encode(), "application/json", 400, id="wrong type"),
        pytest.param(json.dumps({"name": {"a": 1}}).encode(), "application/json", 400, id="an object"),
        pytest.param(json.dumps({"name": "x" * 151}).encode(), "application/json", 400, id="too long"),
        pytest.param(json.dumps({"name": "A", "color": "red"}).encode(), "application/json", 400, id="bad colour"),
    ],
)
def test_bad_bodies_answer_4xx_json_and_store_nothing(body, content_type, status, tracks_url, as_organizer):
    answer = post_raw(as_organizer, tracks_url, body, content_type)
    assert answer.status_code == status
    assert answer["Content-Type"] == "application/json"
    assert isinstance(answer.json(), dict)
    assert not Track.objects.exists()


def test_a_huge_body_answers_413(tracks_url, as_organizer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    answer = post_raw(as_organizer, tracks_url, json.dumps({"name": "x" * 20_000}).encode())
    assert answer.status_code == 413
    assert answer.json() == {"detail": "The request body is too large."}
    assert not Track.objects.exists()


def test_wrong_types_name_their_fields(event, as_organizer):
    answer = as_organizer.post(
        reverse("api:session-list", args=[event.pk]),
        {"title": 5, "starts_at": 12, "ends_at": True, "speakers": "all", "track": "first"},
        format="json",
    )
    assert answer.status_code == 400
    assert {"starts_at", "ends_at", "speakers", "track"} <= set(answer.json())
    assert not Session.objects.exists()


def test_read_only_fields_are_ignored(event, schedule, as_organizer):
    url = reverse("api:track-detail", args=[event.pk, schedule.track.pk])
    answer = as_organizer.patch(url, {"version": 1000, "id": 5, "created_at": "2000-01-01T00:00:00Z"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["id"] == schedule.track.pk
    assert answer.json()["version"] < 1000


def test_methods_not_offered_answer_405(event, as_organizer):
    answer = as_organizer.put(reverse("api:track-list", args=[event.pk]), {}, format="json")
    assert answer.status_code == 405
    assert answer["Content-Type"] == "application/json"


def test_sessions_keep_working_with_many_speakers(event, as_organizer):
    speakers = [Speaker.objects.create(event=event, name=f"S{n}") for n in range(5)]
    session = SessionFactory(event=event)
    url = reverse("api:session-detail", args=[event.pk, session.pk])
    answer = as_organizer.patch(url, {"speakers": [s.pk for s in speakers]}, format="json")
    assert answer.status_code == 200
    assert sorted(answer.json()["speakers"]) == sorted(s.pk for s in speakers)
    assert answer.json()["version"] == Session.objects.get(pk=session.pk).version


def test_options_describes_without_changing_anything(event, schedule, as_organizer):
    detail = reverse("api:session-detail", args=[event.pk, schedule.session.pk])
    for url in (reverse("api:session-list", args=[event.pk]), detail):
        answer = as_organizer.options(url, HTTP_IF_MATCH='"stale"')
        assert answer.status_code == 200
        assert answer["Content-Type"] == "application/json"
    assert as_organizer.get(detail).json()["version"] == schedule.session.version
