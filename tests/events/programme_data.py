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

    sessions = [
        ("Opening keynote", at(DAY_ONE, 9), at(DAY_ONE, 10), "Main hall", "Keynotes", ["Ada"], "Welcome."),
        ("Django at scale", at(DAY_ONE, 10, 30), at(DAY_ONE, 11, 15), "Main hall", "Web", ["Grace", "Linus"], ""),
        ("Async in practice", at(DAY_ONE, 10, 30), at(DAY_ONE, 11, 45), "Room B", "Web", ["Linus"], ""),
        ("Lightning talks", at(DAY_ONE, 10, 45), at(DAY_ONE, 11, 30), "Room B", None, [], ""),
        ("Lunch", at(DAY_ONE, 12), at(DAY_ONE, 13), None, None, [], ""),
        ("Data pipelines", at(DAY_TWO, 9, 30), at(DAY_TWO, 10, 30), "Room B", "Data", ["Ada"], HOSTILE_ABSTRACT),
        ("Closing", at(DAY_TWO, 16), at(DAY_TWO, 17), "Main hall", "Keynotes", ["Grace"], ""),
    ]
    # In bulk (a few queries for the lot): many tests start from this programme.
    made = Session.objects.bulk_create(
        Session(
            event=event,
            title=title,
            starts_at=start,
            ends_at=end,
            microlocation=p.rooms.get(room),
            track=p.tracks.get(track),
            abstract=abstract,
        )
        for title, start, end, room, track, _, abstract in sessions
    )
    Session.speakers.through.objects.bulk_create(
        Session.speakers.through(session=session, speaker=p.speakers[name])
        for session, (*_, speakers, _) in zip(made, sessions, strict=True)
        for name in speakers
    )
    p.sessions = {session.title: session for session in made}

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
    Names carry the day, so that a second call adds new ones (names are unique per event).
    Made in bulk (a few queries, however many): what they are made of is not what is tested."""
    names = [f"{day:%a}-{n}" for n in range(count)]
    tracks = Track.objects.bulk_create(Track(event=event, name=f"Extra track {i}", color="#336699") for i in names)
    rooms = Microlocation.objects.bulk_create(Microlocation(event=event, name=f"Extra room {i}") for i in names)
    speakers = Speaker.objects.bulk_create(
        Speaker(event=event, name=f"Extra speaker {i}", email=f"extra{i}@speakers.example") for i in names
    )
    starts = [at(day, 14) + timedelta(minutes=15 * n) for n in range(count)]
    sessions = Session.objects.bulk_create(
        Session(
            event=event,
            title=f"Extra {i}",
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            track=track,
            microlocation=room,
        )
        for i, start, track, room in zip(names, starts, tracks, rooms, strict=True)
    )
    Session.speakers.through.objects.bulk_create(
        Session.speakers.through(session=session, speaker=speaker)
        for session, speaker in zip(sessions, speakers, strict=True)
    )
    Sponsor.objects.bulk_create(Sponsor(event=event, name=f"Extra sponsor {i}", level=f"Level {i}") for i in names)
