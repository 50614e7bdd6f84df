"""What the public pages of an event show: its programme grouped by day and room (in
the event's time zone), its speakers, its sponsors by level, and the filters of the
schedule page. Pages (events.views.public) and the iCalendar feed (events.ical) call
these; each reads a fixed number of queries whatever the number of sessions or speakers.

Nothing here decides who may see the event: the pages do that first (a draft is 404 to
anyone without a role in it). Nothing here reads what only the dashboard shows either:
speakers are loaded without their e-mail addresses.
"""

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import nh3
from django.db.models import Exists, OuterRef, Prefetch
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

from events.models import Event, Microlocation, Session, Speaker, Sponsor, Track

#: What apps above events show on an event's public home (orders: its tickets and the
#: order form), added in their ``AppConfig.ready`` with ``add_home_section``; the page
#: shows them in that order (``{% home_sections %}``, events.templatetags.event_public).
HOME_SECTIONS = []


def add_home_section(render):
    """``render(context)``: the HTML of a section of the public home, from the page's
    template context (``event``, ``request``, ``csrf_token``...)."""
    if render not in HOME_SECTIONS:
        HOME_SECTIONS.append(render)


#: Largest id a URL may name (a bigint); a larger number is no id at all (404).
MAX_ID = 2**63 - 1

#: Public fields of a speaker: never the e-mail address.
SPEAKER_PUBLIC_FIELDS = ("id", "event_id", "name", "bio", "organisation", "photo")

# --- rich text: abstracts and bios ------------------------------------------------------

#: The HTML an abstract or a bio may hold on a public page. Everything else (script,
#: style, event handler attributes, javascript: URLs, images, iframes) is removed by nh3.
RICH_TEXT_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "s", "small", "code", "pre", "p", "br", "ul", "ol", "li", "blockquote"}
)
RICH_TEXT_ATTRIBUTES = {"a": {"href", "title"}}
RICH_TEXT_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_BLOCK_TAG = re.compile(r"<(p|ul|ol|li|blockquote|pre)\b", re.IGNORECASE)
_LINE_END = re.compile(r"<br\s*/?>|</(p|li|blockquote|pre)>", re.IGNORECASE)


def rich_text(value):
    """``value`` (plain text or HTML) as safe HTML: sanitized, and plain text keeps its
    paragraphs and line breaks."""
    cleaned = nh3.clean(
        value or "",
        tags=set(RICH_TEXT_TAGS),
        attributes={tag: set(attrs) for tag, attrs in RICH_TEXT_ATTRIBUTES.items()},
        url_schemes=set(RICH_TEXT_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    if cleaned and not _BLOCK_TAG.search(cleaned):
        cleaned = linebreaks(cleaned)  # adds only <p> and <br>: the text is escaped already
    return mark_safe(cleaned)  # noqa: S308 (sanitized by nh3 just above)


def plain_text(value):
    """``value`` (plain text or HTML) as plain text, for calendars: tags gone, line breaks kept."""
    text = _LINE_END.sub("\n", value or "")
    text = html.unescape(nh3.clean(text, tags=set()))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- the event's home -------------------------------------------------------------------

#: Sponsor levels in the order people expect; others follow alphabetically, then sponsors without a level.
LEVELS = ("platinum", "diamond", "gold", "silver", "bronze", "partner", "supporter", "community")
LEVEL_RANKS = {name: rank for rank, name in enumerate(LEVELS)}


@dataclass
class SponsorLevel:
    name: str
    sponsors: list


def sponsors_by_level(event):
    """The event's sponsors grouped by level: best levels first (one query)."""
    groups = {}
    for sponsor in Sponsor.objects.for_event(event).order_by("name", "id"):
        groups.setdefault(sponsor.level.strip(), []).append(sponsor)

    def order(level):
        if not level:
            return (2, 0, "")
        return (0, LEVEL_RANKS[level.lower()], "") if level.lower() in LEVEL_RANKS else (1, 0, level.lower())

    return [SponsorLevel(name, groups[name]) for name in sorted(groups, key=order)]


def programme_state(event):
    """``{"sessions": bool, "speakers": bool}``: has the event any yet? (one query)"""
    state = (
        Event.objects.filter(pk=event.pk)
        .values(
            has_sessions=Exists(Session.objects.filter(event=OuterRef("pk"))),
            has_speakers=Exists(Speaker.objects.filter(event=OuterRef("pk"))),
        )
        .get()
    )
    return {"sessions": state["has_sessions"], "speakers": state["has_speakers"]}


# --- the schedule's filters -------------------------------------------------------------


class BadFilter(ValueError):
    """A filter of the schedule page that cannot be understood (answered 400)."""


@dataclass(frozen=True)
class ScheduleFilters:
    day: date | None = None
    track: Track | None = None

    @property
    def active(self):
        return self.day is not None or self.track is not None


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID = re.compile(r"^\d{1,19}$")


def parse_filters(query, tracks):
    """``?day=YYYY-MM-DD`` and ``?track=<id>`` (of one of ``tracks``) from ``query`` (a
    QueryDict); an empty value means no filter. Raises ``BadFilter`` with a message for
    anything else."""
    problems = []
    day = track = None
    days = query.getlist("day")
    if len(days) > 1:
        problems.append("Give one day at most.")
    elif days and days[0].strip():
        value = days[0].strip()
        try:
            if not _DAY.match(value):
                raise ValueError
            day = date.fromisoformat(value)
        except ValueError:
            problems.append(f"“{value[:40]}” is not a day: write it as YYYY-MM-DD, e.g. 2030-06-01.")
    track_values = query.getlist("track")
    if len(track_values) > 1:
        problems.append("Give one track at most.")
    elif track_values and track_values[0].strip():
        value = track_values[0].strip()
        by_id = {t.pk: t for t in tracks}
        if not _ID.match(value):
            problems.append(f"“{value[:40]}” is not a track: give the number of one of the event's tracks.")
        elif int(value) not in by_id:
            problems.append(f"This event has no track number {value}.")
        else:
            track = by_id[int(value)]
    if problems:
        raise BadFilter(" ".join(problems))
    return ScheduleFilters(day=day, track=track)


# --- the schedule -----------------------------------------------------------------------


def public_tracks(event):
    return list(Track.objects.for_event(event).order_by("name", "id"))


def public_sessions(event):
    """The event's sessions in time order, with track, room and speakers (two queries)."""
    speakers = Speaker.objects.only(*SPEAKER_PUBLIC_FIELDS).order_by("name", "id")
    return (
        Session.objects.for_event(event)
        .select_related("track", "microlocation")
        .prefetch_related(Prefetch("speakers", queryset=speakers))
        .order_by("starts_at", "ends_at", "id")
    )


def public_session(event, pk):
    """One session of ``event`` (with track, room, speakers), or ``None`` (two queries)."""
    if pk > MAX_ID:
        return None
    return public_sessions(event).filter(pk=pk).first()


def public_speakers(event):
    """The event's speakers (no e-mail addresses) with their sessions in time order (two queries)."""
    sessions = Session.objects.select_related("microlocation", "track").order_by("starts_at", "id")
    return (
        Speaker.objects.for_event(event)
        .only(*SPEAKER_PUBLIC_FIELDS)
        .prefetch_related(Prefetch("sessions", queryset=sessions))
        .order_by("name", "id")
    )


@dataclass
class Cell:
    """One cell of a day's grid: a session starting in this row (``rowspan`` rows tall), or nothing."""

    session: Session | None = None
    rowspan: int = 1


@dataclass
class Column:
    """A room of a day's grid (``room`` None: sessions without a room), ``lanes`` columns
    wide when its sessions overlap."""

    room: Microlocation | None
    lanes: int = 1

    @property
    def name(self):
        return self.room.name if self.room else "Room to be announced"


@dataclass
class Row:
    starts_at: datetime  # in the event's time zone
    cells: list = field(default_factory=list)


@dataclass
class Day:
    date: date
    sessions: list  # in time order: the list view
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)


def local_day(value, tz):
    """The day ``value`` falls on in the time zone ``tz``: a session belongs to the day it
    starts on, in its event's time zone (the schedule page's days and ``?day=``, the API's
    ``?day=``: ``starting_on``)."""
    return value.astimezone(tz).date()


def starting_on(sessions, day, tz):
    """``sessions`` (a queryset) that start on ``day`` in the time zone ``tz`` (``local_day``),
    filtered in the database."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    return sessions.filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))


def schedule_days(event, sessions):
    """The days (in the event's time zone) on which ``sessions`` start, in order."""
    tz = event.tzinfo
    return sorted({local_day(s.starts_at, tz) for s in sessions})


def build_schedule(event, sessions, filters=ScheduleFilters()):
    """``sessions`` (in time order) that pass ``filters``, as one ``Day`` per day of the
    event's time zone, each with its grid: one column per room (rooms in name order,
    sessions without a room last), one row per time at which a session starts or ends.
    A session belongs to the day it starts on."""
    tz = event.tzinfo
    by_day = {}
    for session in sessions:
        day = local_day(session.starts_at, tz)
        if filters.day is not None and day != filters.day:
            continue
        if filters.track is not None and session.track_id != filters.track.pk:
            continue
        by_day.setdefault(day, []).append(session)
    return [_grid(Day(date=day, sessions=day_sessions), tz) for day, day_sessions in sorted(by_day.items())]


def _grid(day, tz):
    rooms = {}
    for session in day.sessions:
        rooms.setdefault(session.microlocation_id, session.microlocation)
    room_order = sorted(rooms, key=lambda pk: (pk is None, rooms[pk].name.lower() if pk else "", pk or 0))

    # Lanes: within a room, a session that overlaps an earlier one goes beside it.
    lanes_of = {}  # room id -> [end of the last session in each lane]
    place = {}  # session id -> (room id, lane)
    for session in day.sessions:
        ends = lanes_of.setdefault(session.microlocation_id, [])
        free = [i for i, end in enumerate(ends) if end <= session.starts_at]
        lane = free[0] if free else len(ends)
        if not free:
            ends.append(None)
        ends[lane] = session.ends_at
        place[session.pk] = (session.microlocation_id, lane)
    day.columns = [Column(room=rooms[pk], lanes=len(lanes_of[pk])) for pk in room_order]

    column_index, n = {}, 0
    for pk in room_order:
        for lane in range(len(lanes_of[pk])):
            column_index[(pk, lane)] = n
            n += 1

    times = sorted({s.starts_at for s in day.sessions} | {s.ends_at for s in day.sessions})
    row_of = {t: i for i, t in enumerate(times)}
    covered = object()
    grid = [[None] * n for _ in times[:-1]]
    for session in day.sessions:
        first, last = row_of[session.starts_at], row_of[session.ends_at]
        column = column_index[place[session.pk]]
        grid[first][column] = Cell(session=session, rowspan=last - first)
        for row in range(first + 1, last):
            grid[row][column] = covered
    day.rows = [
        Row(
            starts_at=times[i].astimezone(tz),
            cells=[cell or Cell() for cell in grid[i] if cell is not covered],
        )
        for i in range(len(times) - 1)
    ]
    return day


# --- track colours ----------------------------------------------------------------------

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def ink_for(colour):
    """Black or white, whichever reads better on ``colour`` (#rrggbb)."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return "#000000" if luminance > 0.179 else "#ffffff"


def track_stylesheet(tracks):
    """CSS giving each track's class (``.track-<id>``) its colour as custom properties.

    Served as a stylesheet of its own (not inline styles), so that pages work under a
    Content-Security-Policy without 'unsafe-inline'. Colours are checked again here: a
    value that is not #rrggbb is left out, whatever put it in the database.
    """
    lines = ["/* Track colours of one event (events.public.track_stylesheet). */"]
    for track in tracks:
        if _COLOUR.match(track.color or ""):
            colour = track.color.lower()
            lines.append(f".track-{int(track.pk)} {{ --track-color: {colour}; --track-ink: {ink_for(colour)}; }}")
    return "\n".join(lines) + "\n"
