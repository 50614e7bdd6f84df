"""Fixtures of the API tests: an event with one of everything (the clients are shared, in
tests/conftest.py)."""

from types import SimpleNamespace

import pytest

from events.models import Event, Microlocation, Speaker, Sponsor, Track
from tests.factories import SessionFactory, TicketFactory


@pytest.fixture
def schedule(event):
    """One of each of the event's resources (the session has the track, room and speaker),
    and two tickets: one on sale, one hidden."""
    track = Track.objects.create(event=event, name="Main track")
    room = Microlocation.objects.create(event=event, name="Hall A")
    speaker = Speaker.objects.create(event=event, name="Ada")
    sponsor = Sponsor.objects.create(event=event, name="ACME")
    session = SessionFactory(event=event, track=track, microlocation=room)
    session.speakers.add(speaker)
    on_sale = TicketFactory(event=event, name="Community")
    hidden = TicketFactory(event=event, paid=True, name="Patron", price="99.00", quantity=5, max_order=5, hidden=True)
    event.refresh_from_db()
    return SimpleNamespace(
        track=track,
        microlocation=room,
        speaker=speaker,
        sponsor=sponsor,
        session=session,
        ticket=on_sale,
        hidden_ticket=hidden,
    )


@pytest.fixture
def published(event, schedule):
    """The event with ``schedule``, published (its speaker has an e-mail address, which
    the public must never see)."""
    event.state = Event.State.PUBLISHED
    event.save()
    schedule.speaker.email = "ada@example.com"
    schedule.speaker.save()
    event.refresh_from_db()
    return event
