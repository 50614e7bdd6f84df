"""The programme as iCalendar: /e/<slug>/schedule.ics and /e/<slug>/sessions/<id>.ics,
parsed back with the icalendar library."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.db import connection
from django.urls import reverse

from core.validators import single_line
from events.models import Event, Microlocation, Session, Speaker, Track
from tests.events.programme_data import add_programme, event_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(make_event, organizer):
    event = make_event(organizer, state="published", **event_fields())
    return add_programme(event, photos=False)


def feed(client, event, **extra):
    response = client.get(reverse("event_schedule_ics", args=[event.slug]), **extra)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def vevents(calendar):
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_one_vevent_per_session_with_stable_uids(client, programme):
    event = programme.event
    first = vevents(feed(client, event))
    assert set(first) == {f"session-{s.pk}@eventdesk" for s in programme.sessions.values()}
    # Stable: the same on the next request, and whatever host name the client used.
    again = vevents(feed(client, event, HTTP_HOST="localhost"))
    assert set(again) == set(first)


def test_vevent_fields(client, programme):
    event = programme.event
    keynote = programme.sessions["Opening keynote"]
    calendar = feed(client, event)
    vevent = vevents(calendar)[f"session-{keynote.pk}@eventdesk"]
    assert str(vevent["summary"]) == "Opening keynote"
    assert str(vevent["location"]) == "Main hall"
    assert str(vevent["url"]) == f"http://testserver/e/{event.slug}/sessions/{keynote.pk}/"
    assert vevent["dtstart"].params["TZID"] == "Europe/Berlin"
    assert vevent["dtend"].params["TZID"] == "Europe/Berlin"
    berlin = ZoneInfo("Europe/Berlin")
    assert vevent.decoded("dtstart") == datetime(2031, 6, 2, 9, 0, tzinfo=berlin)
    assert vevent.decoded("dtstart").tzinfo.key == "Europe/Berlin"
    assert vevent.decoded("dtend") == datetime(2031, 6, 2, 10, 0, tzinfo=berlin)
    assert "Ada Lovelace" in str(vevent["description"])
    assert "Welcome." in str(vevent["description"])
    assert vevent["categories"].cats == ["Keynotes"]
    # The time zone is described in the calendar itself.
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert calendar.get_missing_tzids() == set()
    assert str(calendar["x-wr-calname"]) == "PyCon Public"


def test_description_is_plain_text(client, programme):
    pipelines = programme.sessions["Data pipelines"]
    vevent = vevents(feed(client, programme.event))[f"session-{pipelines.pk}@eventdesk"]
    description = str(vevent["description"])
    assert "Learn bold things & more." in description
    assert "<" not in description
    assert "alert" not in description


def test_a_session_without_room_has_no_location(client, programme):
    lunch = programme.sessions["Lunch"]
    vevent = vevents(feed(client, programme.event))[f"session-{lunch.pk}@eventdesk"]
    assert "location" not in vevent
    assert "categories" not in vevent


def test_one_session_calendar(client, programme):
    event = programme.event
    closing = programme.sessions["Closing"]
    response = client.get(reverse("event_session_ics", args=[event.slug, closing.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}-session-{closing.pk}.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["uid"]) == f"session-{closing.pk}@eventdesk"
    assert vevent.decoded("dtstart") == datetime(2031, 6, 3, 16, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert str(vevent["url"]).endswith(f"/e/{event.slug}/sessions/{closing.pk}/")


def test_a_change_keeps_the_uid_and_raises_the_sequence(client, programme):
    event = programme.event
    keynote = programme.sessions["Opening keynote"]
    uid = f"session-{keynote.pk}@eventdesk"
    before = vevents(feed(client, event))[uid]
    keynote.title = "Opening keynote (moved)"
    keynote.save()
    after = vevents(feed(client, event))[uid]
    assert str(after["summary"]) == "Opening keynote (moved)"
    assert int(after["sequence"]) == int(before["sequence"]) + 1


def test_an_empty_programme_is_an_empty_calendar(client, make_event, organizer):
    event = make_event(organizer, state="published", **event_fields(name="Bare Conf"))
    calendar = feed(client, event)
    assert calendar.walk("VEVENT") == []
    assert str(calendar["version"]) == "2.0"


def test_utc_event(client, make_event, organizer):
    event = make_event(organizer, state="published", **event_fields(name="UTC Conf", timezone="UTC"))
    start = datetime(2031, 6, 2, 9, tzinfo=ZoneInfo("UTC"))
    Session.objects.create(event=event, title="Talk", starts_at=start, ends_at=start.replace(hour=10))
    (vevent,) = feed(client, event).walk("VEVENT")
    assert vevent.decoded("dtstart") == start
    assert vevent.decoded("dtstart").utcoffset().total_seconds() == 0


def test_far_future_event_gets_its_time_zone_rules(client, make_event, organizer):
    """VTIMEZONE covers the years of the sessions (icalendar's default stops at 2038)."""
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2150, 7, 1, 9, tzinfo=berlin)
    event = make_event(
        organizer, state="published", **event_fields(name="Far Conf", starts_at=start, ends_at=start.replace(hour=18))
    )
    Session.objects.create(event=event, title="Talk", starts_at=start, ends_at=start.replace(hour=10))
    calendar = feed(client, event)
    (vevent,) = calendar.walk("VEVENT")
    assert vevent.decoded("dtstart") == start
    tz = calendar.timezones[0].to_tz()
    assert datetime(2150, 7, 1, 9, tzinfo=tz).utcoffset().total_seconds() == 7200  # CEST


# --- whatever the stored text holds ------------------------------------------------------------

# Names are single-line now (core.validators.validate_single_line), but rows stored before
# the rule, or written around it, may hold anything: the feeds escape and fold it.
HOSTILE = 'Py\r\nCon\rX-INJECTED:1\nEND:VCALENDAR\x00\x0b\x1b\x7f\x85\u2028\u2029;,\\:"end'


def storable(text):
    """``text`` as the database can hold it (PostgreSQL refuses NUL in any string)."""
    return text.replace("\x00", "") if connection.vendor == "postgresql" else text


def unescape(value):
    """A TEXT value as RFC 5545 escapes it (``\\\\``, ``\\;``, ``\\,``, ``\\n``), unescaped:
    icalendar parses an X- property back as it stands."""
    return re.sub(r"\\([\\;,nN])", lambda match: "\n" if match[1] in "nN" else match[1], str(value))


def content_lines(body):
    """The feed's content lines (RFC 5545, 3.1): CRLF-ended, at most 75 octets, no control
    character but a folding line's leading tab."""
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    for line in lines:
        assert len(line) <= 75, line
        text = line.decode()
        assert not [c for c in text.lstrip("\t") if ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029"], line
    return lines


@pytest.fixture
def hostile(programme):
    """The programme with every name, title and text holding line breaks and controls,
    stored bypassing validation (QuerySet.update), as rows from before the rule would."""
    event = programme.event
    hostile = storable(HOSTILE)
    Event.objects.filter(pk=event.pk).update(name=f"Event {hostile}")
    Session.objects.filter(event=event).update(title=f"Talk {hostile}", abstract=f"Abstract {hostile}")
    for model, label in ((Track, "Track"), (Microlocation, "Room")):  # names unique in the event
        for pk in model.objects.filter(event=event).values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(name=f"{label} {pk} {hostile}")
    Speaker.objects.filter(event=event).update(name=f"Speaker {hostile}")
    event.refresh_from_db()
    return programme


def test_both_feeds_carry_any_stored_text(client, hostile):
    event = hostile.event
    one_line = single_line(HOSTILE)
    response = client.get(reverse("event_schedule_ics", args=[event.slug]))
    assert response.status_code == 200
    lines = content_lines(response.content)
    # The text breaks no line and injects no property or component.
    assert not [line for line in lines if line.startswith((b"X-INJECTED", b"END:VCALENDAR"))][:-1]
    assert lines[-1] == b"END:VCALENDAR"
    calendar = icalendar.Calendar.from_ical(response.content)
    # An X- property: icalendar parses it back as it stands, escaped as TEXT.
    assert unescape(calendar["x-wr-calname"]) == f"Event {one_line}"
    keynote = hostile.sessions["Opening keynote"]
    vevent = vevents(calendar)[f"session-{keynote.pk}@eventdesk"]
    assert str(vevent["summary"]) == f"Talk {one_line}"
    room, track = keynote.microlocation_id, keynote.track_id
    assert str(vevent["location"]) == f"Room {room} {one_line}"
    assert vevent["categories"].cats == [f"Track {track} {one_line}"]
    description = str(vevent["description"])
    assert description.startswith(f"Speaker {one_line}\n\nAbstract Py\nCon\nX-INJECTED:1\nEND:VCALENDAR")
    assert len(calendar.walk("VEVENT")) == len(hostile.sessions)

    response = client.get(reverse("event_session_ics", args=[event.slug, keynote.pk]))
    assert response.status_code == 200
    content_lines(response.content)
    calendar = icalendar.Calendar.from_ical(response.content)
    assert unescape(calendar["x-wr-calname"]) == f"Talk {one_line} · Event {one_line}"
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["summary"]) == f"Talk {one_line}"


def test_long_names_are_folded_within_75_octets(client, programme):
    event = programme.event
    name = "Ünïcødé 日本語 🎉 " * 12
    Event.objects.filter(pk=event.pk).update(name=name[:200])
    Session.objects.filter(event=event).update(title=name[:200], abstract=name * 5)
    response = client.get(reverse("event_schedule_ics", args=[event.slug]))
    assert response.status_code == 200
    content_lines(response.content)
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == name[:200]
    assert {str(vevent["summary"]) for vevent in calendar.walk("VEVENT")} == {name[:200]}
