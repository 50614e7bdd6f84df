"""An event's programme as iCalendar (RFC 5545), made with the ``icalendar`` library.

One VEVENT per session: a stable UID (``session-<id>@eventdesk``, the same on every
request and for every host name, so a calendar that subscribed updates the entry
instead of adding another), DTSTART and DTEND in the event's time zone (TZID, with its
VTIMEZONE), LOCATION (the room), SUMMARY, DESCRIPTION (the abstract as plain text),
URL (the session's public page), CATEGORIES (the track), SEQUENCE (from the session's
version). Sessions always have a start and an end in this model; one without both
would be left out.

Whatever the stored text holds, the feed is valid: names are single-line
(``core.validators.validate_single_line``), but rows stored before the rule may carry
line breaks or control characters. Every text goes through ``one_line`` (names: each
run of line breaks and controls becomes a space) or ``text`` (the description: line
breaks kept as ``\\n``, other controls dropped) before ``icalendar`` escapes it (``\\n``,
``;``, ``,``, ``\\\\``) and folds its lines at 75 octets.
"""

import re
from datetime import timedelta

import icalendar

from core.validators import NOT_SINGLE_LINE
from events.public import plain_text

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//Eventdesk//Event programme//EN"
#: Domain part of the UIDs: fixed, so UIDs do not depend on the host name a client used.
UID_DOMAIN = "eventdesk"


#: Any run of line breaks and control characters (``core.validators.NOT_SINGLE_LINE``).
_BREAKS_AND_CONTROLS = re.compile(f"(?:{NOT_SINGLE_LINE.pattern})+")
#: A line end in any spelling: CRLF, CR, LF, NEL, the Unicode line and paragraph separators.
_LINE_END = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def one_line(value):
    """A name as one line of iCalendar text: each run of line breaks and controls is a space."""
    return _BREAKS_AND_CONTROLS.sub(" ", value or "")


def text(value):
    """A multi-line text: its line ends as LF (escaped ``\\n`` by icalendar), its tabs as
    spaces, every other control character dropped."""
    lines = _LINE_END.split(value or "")
    return "\n".join(NOT_SINGLE_LINE.sub("", line.replace("\t", " ")) for line in lines)


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
    # A property icalendar does not know: its value is given as TEXT, to be escaped.
    calendar.add("x-wr-calname", icalendar.vText(one_line(name or event.name)))
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
    vevent.add("summary", one_line(session.title))
    description = text(plain_text(session.abstract))
    speakers = ", ".join(one_line(speaker.name) for speaker in session.speakers.all())
    if speakers:
        description = f"{speakers}\n\n{description}" if description else speakers
    if description:
        vevent.add("description", description)
    if session.microlocation is not None:
        vevent.add("location", one_line(session.microlocation.name))
    if session.track is not None:
        vevent.add("categories", [one_line(session.track.name)])
    vevent.add("url", url)
    vevent.add("status", "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent
