"""An event's programme as iCalendar (RFC 5545), made with the ``icalendar`` library.

One VEVENT per session: a stable UID (``session-<id>@eventdesk``, the same on every
request and for every host name, so a calendar that subscribed updates the entry
instead of adding another), DTSTART and DTEND in the event's time zone (TZID, with its
VTIMEZONE), LOCATION (the room), SUMMARY, DESCRIPTION (the abstract as plain text),
URL (the session's public page), CATEGORIES (the track), SEQUENCE (from the session's
version). Sessions always have a start and an end in this model; one without both
would be left out.
"""

from datetime import timedelta

import icalendar

from events.public import plain_text

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//Eventdesk//Event programme//EN"
#: Domain part of the UIDs: fixed, so UIDs do not depend on the host name a client used.
UID_DOMAIN = "eventdesk"


def session_uid(session):
    return f"session-{session.pk}@{UID_DOMAIN}"


def calendar_for(event, sessions, session_url, name=None):
    """A ``bytes`` iCalendar of ``sessions`` of ``event``; ``session_url(session)`` gives
    each session's absolute URL."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name or event.name)
    calendar.add("x-wr-timezone", event.timezone)
    tz = event.tzinfo
    scheduled = [s for s in sessions if s.starts_at and s.ends_at]
    for session in scheduled:
        calendar.add_component(_vevent(event, session, tz, session_url(session)))
    if scheduled:
        # The time zone's rules for the years the sessions span (and a year around them).
        first = min(s.starts_at for s in scheduled).astimezone(tz).date() - timedelta(days=366)
        last = max(s.ends_at for s in scheduled).astimezone(tz).date() + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


def _vevent(event, session, tz, url):
    vevent = icalendar.Event()
    vevent.add("uid", session_uid(session))
    vevent.add("dtstamp", session.updated_at)
    vevent.add("last-modified", session.updated_at)
    vevent.add("sequence", max(session.version - 1, 0))
    vevent.add("dtstart", session.starts_at.astimezone(tz))
    vevent.add("dtend", session.ends_at.astimezone(tz))
    vevent.add("summary", session.title)
    description = plain_text(session.abstract)
    speakers = ", ".join(speaker.name for speaker in session.speakers.all())
    if speakers:
        description = f"{speakers}\n\n{description}" if description else speakers
    if description:
        vevent.add("description", description)
    if session.microlocation is not None:
        vevent.add("location", session.microlocation.name)
    if session.track is not None:
        vevent.add("categories", [session.track.name])
    vevent.add("url", url)
    vevent.add("status", "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent
