"""Limits on what the API accepts: how deeply a JSON body nests, how long its texts are.
Past them the answer is a JSON 400 and nothing is stored."""

from datetime import timedelta

import pytest
from django.urls import reverse

from core.validators import MAX_TEXT_LENGTH
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


# --- lengths of texts ------------------------------------------------------------------------

LONG = "x" * (MAX_TEXT_LENGTH + 1)
LONGEST = "x" * MAX_TEXT_LENGTH


def text_bodies(event):
    """``(url name, url args, a valid body, the free-text field)`` of every kind with one."""
    starts = event.starts_at + timedelta(hours=1)
    return [
        ("event-list", [], {"name": "Another", "timezone": "UTC"}, "description"),
        ("track-list", [event.pk], {"name": "Main track"}, "description"),
        ("speaker-list", [event.pk], {"name": "Ada"}, "bio"),
        (
            "session-list",
            [event.pk],
            {"title": "Talk", "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat()},
            "abstract",
        ),
        ("ticket-list", [event.pk], {"type": "free", "name": "Community", "quantity": 10}, "description"),
    ]


@pytest.mark.parametrize("index", range(5), ids=["event", "track", "speaker", "session", "ticket"])
def test_free_text_over_10000_characters_answers_400_and_stores_nothing(index, event, as_organizer):
    name, args, body, field = text_bodies(event)[index]
    url = reverse(f"api:{name}", args=args)
    events = Event.objects.count()

    answer = as_organizer.post(url, {**body, field: LONG}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {field: ["Ensure this field has no more than 10000 characters."]}
    assert Event.objects.count() == events
    assert nothing_stored()

    answer = as_organizer.post(url, {**body, field: LONGEST}, format="json")
    assert answer.status_code == 201, answer.json()


def test_a_change_to_a_long_text_answers_400_and_changes_nothing(event, as_organizer):
    track = Track.objects.create(event=event, name="Main track", description="Short")
    url = reverse("api:track-detail", args=[event.pk, track.pk])
    answer = as_organizer.patch(url, {"description": LONG}, format="json")
    assert answer.status_code == 400
    track.refresh_from_db()
    assert (track.description, track.version) == ("Short", 1)


@pytest.mark.parametrize(
    ("name", "field", "column"),
    [("event-list", "name", 200), ("event-list", "location", 300), ("track-list", "name", 150)],
)
def test_names_are_limited_by_their_column(name, field, column, event, as_organizer):
    args = [] if name == "event-list" else [event.pk]
    body = {"name": "N", "timezone": "UTC", field: "y" * (column + 1)}
    answer = as_organizer.post(reverse(f"api:{name}", args=args), body, format="json")
    assert answer.status_code == 400
    assert answer.json() == {field: [f"Ensure this field has no more than {column} characters."]}


# --- dates and times -------------------------------------------------------------------------

EXTREME_DATETIMES = [
    pytest.param("0001-01-01T00:00:00+09:00", id="year 1 at UTC+9"),
    pytest.param("9999-12-31T23:59:00-12:00", id="year 9999 at UTC-12"),
    pytest.param("0001-01-01T00:00:00", id="year 1"),
    pytest.param("9999-12-31T23:59:00", id="year 9999"),
    pytest.param("1899-12-31T23:59:00Z", id="before 1900"),
    pytest.param("2200-12-31T20:00:00-12:00", id="after 2200 in UTC only"),
]


def assert_field_400(answer, field):
    assert answer.status_code == 400, answer.content[:300]
    assert answer["Content-Type"] == "application/json"
    assert field in answer.json()


@pytest.mark.parametrize("value", EXTREME_DATETIMES)
@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_an_event_with_an_extreme_date_answers_400(value, field, event, as_organizer):
    events = Event.objects.count()
    body = {"name": "Far", "timezone": "Asia/Tokyo", field: value}
    assert_field_400(as_organizer.post(reverse("api:event-list"), body, format="json"), field)
    assert Event.objects.count() == events

    before = Event.objects.filter(pk=event.pk).values().get()
    answer = as_organizer.patch(reverse("api:event-detail", args=[event.pk]), {field: value}, format="json")
    assert_field_400(answer, field)
    assert Event.objects.filter(pk=event.pk).values().get() == before


@pytest.mark.parametrize("value", EXTREME_DATETIMES)
@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_a_session_with_an_extreme_date_answers_400(value, field, event, as_organizer):
    starts = event.starts_at + timedelta(hours=1)
    body = {"title": "Talk", "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat()}
    answer = as_organizer.post(reverse("api:session-list", args=[event.pk]), {**body, field: value}, format="json")
    assert_field_400(answer, field)
    assert nothing_stored()


@pytest.mark.parametrize("value", EXTREME_DATETIMES)
@pytest.mark.parametrize("field", ["sales_starts_at", "sales_ends_at"])
def test_a_ticket_with_an_extreme_sales_date_answers_400(value, field, event, as_organizer):
    body = {"type": "free", "name": "Community", "quantity": 10, field: value}
    assert_field_400(as_organizer.post(reverse("api:ticket-list", args=[event.pk]), body, format="json"), field)
    assert nothing_stored()


def test_the_window_keeps_ordinary_old_and_far_dates(as_organizer):
    body = {"name": "Far", "starts_at": "1900-01-01T00:00:00Z", "ends_at": "2200-12-31T23:59:00Z"}
    answer = as_organizer.post(reverse("api:event-list"), body, format="json")
    assert answer.status_code == 201, answer.json()
    assert as_organizer.get(reverse("api:event-detail", args=[answer.json()["id"]])).status_code == 200
