"""What the demo event holds, so that a newcomer sees the product working: a banner, two
days in three rooms, four tracks, twenty sessions with their speakers (avatars drawn
here: initials on a colour), sponsors with logos at three levels, tickets of the three
kinds and a few orders. Everything goes through the services, as a user's edits would.
"""

import io
import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from events import images
from events.models import Microlocation, Session, Speaker, Sponsor, Track
from events.services import publish_event, save_resource, set_background_image, update_event
from orders import services as orders
from tickets.models import Ticket
from tickets.services import save_tickets

ZONE = zoneinfo.ZoneInfo("Europe/Berlin")

TRACKS = [
    ("Web", "#2e86c1", "Frameworks, browsers and the people who build for them."),
    ("Data & AI", "#8e44ad", "Pipelines, models and what they are good for."),
    ("Operations", "#d35400", "Running it: deployment, databases, observability."),
    ("Community", "#27ae60", "Keynotes, open source and how we work together."),
]
ROOMS = [("Main hall", 0), ("Room Ada", 1), ("Workshop room", 2)]

SPEAKERS = [
    ("Amara Okafor", "Lagos Data Lab", "Builds data platforms for public health."),
    ("Lukas Brandt", "Spree Systems", "Maintains a popular Django package; likes boring tech."),
    ("Mei Tanaka", "Kumo Cloud", "SRE who has been paged at every hour of the day."),
    ("Sofia Rossi", "Open Source Italia", "Community organizer and documentation nerd."),
    ("Jonas Weber", "Berlin Web Works", "Front-end engineer, accessibility advocate."),
    ("Priya Raman", "Chennai Analytics", "Machine-learning engineer turned product manager."),
    ("Carlos Mendes", "Porto Labs", "Database person: PostgreSQL, indexes, query plans."),
    ("Hannah Schulz", "Freelance", "Teaches web security to teams that ship fast."),
    ("Ola Nordmann", "Fjord Software", "Runs Kubernetes so that others do not have to."),
    ("Fatima Zahra", "Casablanca Code", "Data journalist and Python trainer."),
    ("Tom Becker", "Eventdesk", "Product engineer; this demo is partly his fault."),
    ("Ana Lima", "Rio Devs", "Organizes meetups in three cities at once."),
    ("Kenji Sato", "Osaka Robotics", "Edge inference on small devices."),
    ("Elena Petrova", "Sofia Software", "Observability: logs, metrics, traces and taste."),
]

# (day, start, minutes, room, track, title, speakers)
SESSIONS = [
    (0, "09:00", 60, 0, "Community", "Opening keynote: building events people love", ["Sofia Rossi"]),
    (0, "10:15", 45, 0, "Web", "Django at scale: ten years of lessons", ["Lukas Brandt"]),
    (0, "10:15", 45, 1, "Data & AI", "From notebook to pipeline", ["Amara Okafor"]),
    (0, "10:15", 90, 2, "Operations", "Workshop: PostgreSQL query plans by hand", ["Carlos Mendes"]),
    (0, "11:30", 45, 0, "Web", "Accessible forms that people finish", ["Jonas Weber"]),
    (0, "11:30", 45, 1, "Operations", "On call without burning out", ["Mei Tanaka"]),
    (0, "14:00", 45, 0, "Data & AI", "Models in production: what breaks", ["Priya Raman", "Kenji Sato"]),
    (0, "14:00", 45, 1, "Web", "Security for teams that ship daily", ["Hannah Schulz"]),
    (0, "14:00", 90, 2, "Data & AI", "Workshop: data stories with Python", ["Fatima Zahra"]),
    (0, "15:15", 45, 0, "Community", "Meetups in three cities at once", ["Ana Lima"]),
    (1, "09:00", 60, 0, "Community", "Keynote: the boring technology manifesto", ["Lukas Brandt", "Mei Tanaka"]),
    (1, "10:15", 45, 0, "Operations", "Kubernetes for the rest of us", ["Ola Nordmann"]),
    (1, "10:15", 45, 1, "Data & AI", "Small models on small devices", ["Kenji Sato"]),
    (1, "10:15", 90, 2, "Web", "Workshop: websockets with Channels", ["Tom Becker"]),
    (1, "11:30", 45, 0, "Operations", "Observability with taste", ["Elena Petrova"]),
    (1, "11:30", 45, 1, "Web", "The web platform in 2030", ["Jonas Weber"]),
    (1, "14:00", 45, 0, "Data & AI", "Evaluating what your model really does", ["Priya Raman"]),
    (1, "14:00", 45, 1, "Community", "Writing docs people read", ["Sofia Rossi", "Fatima Zahra"]),
    (1, "15:15", 45, 0, "Operations", "Indexes you did not know you needed", ["Carlos Mendes"]),
    (1, "16:15", 45, 0, "Community", "Closing panel: what we learned", ["Ana Lima", "Amara Okafor", "Tom Becker"]),
]

SPONSORS = [
    ("Spree Systems", "Gold", "#1f3a93"),
    ("Kumo Cloud", "Gold", "#0b7285"),
    ("Porto Labs", "Silver", "#5f3dc4"),
    ("Fjord Software", "Silver", "#2b8a3e"),
    ("Berlin Web Works", "Community", "#c2255c"),
    ("Rio Devs", "Community", "#e67700"),
]

AVATAR_COLOURS = ["#4f46e5", "#0b7285", "#c2255c", "#2b8a3e", "#e67700", "#5f3dc4", "#1f3a93"]

ORDERS = [
    ("Greta Lindqvist", "greta@example.com", [("Regular", 2, None)], True),
    ("Yusuf Demir", "yusuf@example.com", [("Student", 1, None)], False),
    ("Chloé Martin", "chloe@example.com", [("Regular", 1, None), ("Supporter", 1, "25.00")], True),
    ("Ravi Shah", "ravi@example.com", [("Regular", 3, None)], False),
    ("Lena Vogel", "lena@example.com", [("Supporter", 1, "10.00")], True),
    ("Marek Nowak", "marek@example.com", [("Student", 2, None)], False),
]


def demo_dates(today=None):
    """The first day of the demo event: four weeks from today (a Monday or later)."""
    today = today or timezone.localdate()
    return today + timedelta(days=28)


def at(first_day, day, hhmm):
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(first_day + timedelta(days=day), time(hours, minutes), tzinfo=ZONE)


def _font(size):
    return ImageFont.load_default(size=size)


def _png(image):
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def initials(name):
    return "".join(part[0] for part in name.split()[:2]).upper()


def avatar_png(name, index):
    """A 256×256 avatar: the person's initials on a colour."""
    image = Image.new("RGB", (256, 256), AVATAR_COLOURS[index % len(AVATAR_COLOURS)])
    draw = ImageDraw.Draw(image)
    draw.text((128, 128), initials(name), fill="#ffffff", font=_font(104), anchor="mm")
    return _png(image)


def logo_png(name, colour):
    """A 480×240 logo: a mark and the sponsor's name."""
    image = Image.new("RGB", (480, 240), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((24, 70, 124, 170), radius=22, fill=colour)
    draw.text((74, 120), name[0], fill="#ffffff", font=_font(64), anchor="mm")
    words = name.split()
    draw.text((144, 120 if len(words) == 1 else 96), words[0], fill=colour, font=_font(44), anchor="lm")
    if len(words) > 1:
        draw.text((144, 146), " ".join(words[1:]), fill="#495057", font=_font(34), anchor="lm")
    return _png(image)


def banner_png(title, subtitle):
    """A 1600×800 banner: a gradient in the brand's colours, the event's name."""
    width, height = 1600, 800
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top, bottom = (79, 70, 229), (11, 114, 133)
    for y in range(height):
        mix = y / (height - 1)
        draw.line([(0, y), (width, y)], fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)))
    for i, (x, y, r) in enumerate([(1460, 110, 200), (1500, 660, 150), (160, 720, 110)]):
        draw.ellipse((x - r, y - r, x + r, y + r), outline=(255, 255, 255), width=6 + 2 * i)
    draw.text((120, 330), title, fill="#ffffff", font=_font(92), anchor="lm")
    draw.text((124, 450), subtitle, fill="#e0e7ff", font=_font(48), anchor="lm")
    return _png(image)


def _processed_file(data):
    processed = images.process_image(data)
    return ContentFile(processed.content, name=processed.storage_name())


def fill(event, organizer, *, first_day):
    """Fill the (draft) demo event, publish it and place a few orders. Returns counts."""
    update_event(
        event,
        actor=organizer,
        starts_at=at(first_day, 0, "09:00"),
        ends_at=at(first_day, 1, "17:00"),
        timezone="Europe/Berlin",
        location=event.location or "Berlin",
    )
    set_background_image(event, banner_png(event.name, f"{first_day:%-d %B %Y} · {event.location}"), actor=organizer)
    tracks = {
        name: save_resource(Track(event=event, name=name, color=colour, description=text), actor=organizer)
        for name, colour, text in TRACKS
    }
    rooms = [
        save_resource(Microlocation(event=event, name=name, floor=floor), actor=organizer) for name, floor in ROOMS
    ]
    speakers = {}
    for index, (name, organisation, bio) in enumerate(SPEAKERS):
        speaker = Speaker(event=event, name=name, organisation=organisation, bio=bio)
        speaker.photo = _processed_file(avatar_png(name, index))
        speakers[name] = save_resource(speaker, actor=organizer)
    for day, start, minutes, room, track, title, names in SESSIONS:
        starts = at(first_day, day, start)
        session = Session(
            event=event,
            title=title,
            abstract=f"{title}. A {minutes}-minute session of the {track} track.",
            track=tracks[track],
            microlocation=rooms[room],
            starts_at=starts,
            ends_at=starts + timedelta(minutes=minutes),
        )
        save_resource(session, actor=organizer, speakers=[speakers[name] for name in names])
    for name, level, colour in SPONSORS:
        sponsor = Sponsor(event=event, name=name, level=level, url=f"https://{name.lower().replace(' ', '')}.example")
        sponsor.logo = _processed_file(logo_png(name, colour))
        save_resource(sponsor, actor=organizer)
    save_tickets(
        event,
        [
            Ticket(event=event, type=Ticket.Type.PAID, name="Regular", price=Decimal("149.00"), quantity=300),
            Ticket(
                event=event,
                type=Ticket.Type.FREE,
                name="Student",
                quantity=50,
                max_order=2,
                description="For students with a valid card.",
            ),
            Ticket(
                event=event,
                type=Ticket.Type.DONATION,
                name="Supporter",
                quantity=100,
                max_order=1,
                description="Pay what you like: it funds travel grants.",
            ),
        ],
        actor=organizer,
    )
    publish_event(event, actor=organizer)
    tickets = {ticket.name: ticket for ticket in event.tickets.all()}
    for name, email, lines, paid in ORDERS:
        order = orders.place_order(
            event,
            actor=None,  # the demo's buyers have no accounts
            name=name,
            email=email,
            lines=[
                {"ticket": tickets[ticket].pk, "quantity": quantity, "amount": amount}
                for ticket, quantity, amount in lines
            ],
        )
        if paid and order.state == order.State.PENDING:
            orders.mark_paid(order, actor=organizer)
    return {
        "tracks": len(tracks),
        "rooms": len(rooms),
        "speakers": len(speakers),
        "sessions": len(SESSIONS),
        "sponsors": len(SPONSORS),
        "tickets": len(tickets),
        "orders": len(ORDERS),
    }
