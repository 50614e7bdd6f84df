"""A published event with a programme (tracks, rooms, speakers, sessions over two days,
sponsors, tickets), for the public pages' tests (pages, iCalendar, browser)."""

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from PIL import Image

from events.models import Microlocation, Session, Speaker, Sponsor, Track

BERLIN = ZoneInfo("Europe/Berlin")
DAY_ONE = datetime(2031, 6, 2, tzinfo=BERLIN)  # a Monday
DAY_TWO = DAY_ONE + timedelta(days=1)

HOSTILE_ABSTRACT = (
    "<p>Learn <b>bold</b> things &amp; more.</p>"
    '<script>alert("abstract")</script>'
    '<a href="javascript:alert(1)">click</a>'
    '<img src="x" onerror="alert(2)">'
    '<p><a href="https://example.org/slides">Slides</a></p>'
)


def png(colour=(200, 60, 60), size=(120, 120)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def at(day, hour, minute=0):
    return day.replace(hour=hour, minute=minute)


@dataclass
class Programme:
    event: object
    tracks: dict = field(default_factory=dict)
    rooms: dict = field(default_factory=dict)
    speakers: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    sponsors: dict = field(default_factory=dict)


def event_fields(**fields):
    """Fields of an event that holds the programme (Europe/Berlin, 2 and 3 June 2031)."""
    fields.setdefault("name", "PyCon Public")
    fields.setdefault("starts_at", at(DAY_ONE, 8))
    fields.setdefault("ends_at", at(DAY_TWO, 18))
    fields.setdefault("timezone", "Europe/Berlin")
    fields.setdefault("location", "Congress Centre, Berlin")
    fields.setdefault("description", "Three tracks, two days.")
    return fields


def add_programme(event, photos=True):
    """Tracks, rooms, speakers (with e-mail addresses: never to be shown), sessions, sponsors, tickets."""
    p = Programme(event=event)
    for name, colour in (("Keynotes", "#c0392b"), ("Web", "#2e86c1"), ("Data", "#f1c40f")):
        p.tracks[name] = Track.objects.create(event=event, name=name, color=colour)
    for name in ("Main hall", "Room B"):
        p.rooms[name] = Microlocation.objects.create(event=event, name=name)
    for name, org in (("Ada Lovelace", "Analytical Engines"), ("Grace Hopper", "Navy"), ("Linus Example", "")):
        speaker = Speaker(
            event=event,
            name=name,
            organisation=org,
            email=f"{name.split()[0].lower()}@speakers.example",
            bio=f"{name} writes <em>code</em>.\n\nSecond paragraph.",
        )
        if photos and name == "Ada Lovelace":
            speaker.photo.save("ada.png", ContentFile(png((90, 120, 200))), save=False)
        speaker.save()
        p.speakers[name.split()[0]] = speaker

    def session(title, start, end, room=None, track=None, speakers=(), abstract=""):
        s = Session.objects.create(
            event=event,
            title=title,
            starts_at=start,
            ends_at=end,
            microlocation=p.rooms.get(room),
            track=p.tracks.get(track),
            abstract=abstract,
        )
        s.speakers.set([p.speakers[name] for name in speakers])
        p.sessions[title] = s
        return s

    session("Opening keynote", at(DAY_ONE, 9), at(DAY_ONE, 10), "Main hall", "Keynotes", ["Ada"], "Welcome.")
    session("Django at scale", at(DAY_ONE, 10, 30), at(DAY_ONE, 11, 15), "Main hall", "Web", ["Grace", "Linus"])
    session("Async in practice", at(DAY_ONE, 10, 30), at(DAY_ONE, 11, 45), "Room B", "Web", ["Linus"])
    session("Lightning talks", at(DAY_ONE, 10, 45), at(DAY_ONE, 11, 30), "Room B")
    session("Lunch", at(DAY_ONE, 12), at(DAY_ONE, 13))
    session("Data pipelines", at(DAY_TWO, 9, 30), at(DAY_TWO, 10, 30), "Room B", "Data", ["Ada"], HOSTILE_ABSTRACT)
    session("Closing", at(DAY_TWO, 16), at(DAY_TWO, 17), "Main hall", "Keynotes", ["Grace"])

    for name, level in (("Acme", "Gold"), ("Globex", "Silver"), ("Initech", "Gold"), ("Friends", "")):
        sponsor = Sponsor(event=event, name=name, level=level, url=f"https://{name.lower()}.example")
        if photos and name == "Acme":
            sponsor.logo.save("acme.png", ContentFile(png((240, 180, 20), (300, 120))), save=False)
        sponsor.save()
        p.sponsors[name] = sponsor

    event.tickets.create(type="paid", name="Regular", price="120.00", quantity=100)
    event.tickets.create(type="free", name="Secret crew pass", quantity=5, hidden=True)
    return p


def add_sessions(event, count, day=DAY_ONE):
    """``count`` more sessions (each with a new speaker, track and room), for query counts.
    Names carry the day, so that a second call adds new ones (names are unique per event)."""
    for n in range(count):
        i = f"{day:%a}-{n}"
        track = Track.objects.create(event=event, name=f"Extra track {i}", color="#336699")
        room = Microlocation.objects.create(event=event, name=f"Extra room {i}")
        speaker = Speaker.objects.create(event=event, name=f"Extra speaker {i}", email=f"extra{i}@speakers.example")
        start = at(day, 14) + timedelta(minutes=15 * n)
        s = Session.objects.create(
            event=event,
            title=f"Extra {i}",
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            track=track,
            microlocation=room,
        )
        s.speakers.set([speaker])
        Sponsor.objects.create(event=event, name=f"Extra sponsor {i}", level=f"Level {i}")
