"""Fixtures of the API tests: token-authenticated clients, people of every kind, and an
event with one of everything."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from events.models import Microlocation, Session, Speaker, Sponsor, Track
from tickets.models import Ticket

ROLES = ["organizer", "coorganizer", "track_organizer", "moderator"]
WHO = [*ROLES, "no_role", "anonymous", "admin", "super_admin"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # These tests make many users; the strength of the hash is not what they test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_client(db):
    """``api_client(user)``: a client sending ``Authorization: Token <key>`` for ``user``
    (``None``: anonymous), as a mobile client would."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def as_organizer(api_client, organizer):
    return api_client(organizer)


def make_session(event, title="Keynote", hours=1, **fields):
    starts = event.starts_at + timedelta(hours=hours)
    return Session.objects.create(
        event=event, title=title, starts_at=starts, ends_at=starts + timedelta(minutes=45), **fields
    )


@pytest.fixture
def schedule(event):
    """One of each of the event's services (the session has the track, room and speaker),
    and two tickets: one on sale, one hidden."""
    track = Track.objects.create(event=event, name="Main track")
    room = Microlocation.objects.create(event=event, name="Hall A")
    speaker = Speaker.objects.create(event=event, name="Ada")
    sponsor = Sponsor.objects.create(event=event, name="ACME")
    session = make_session(event, track=track, microlocation=room)
    session.speakers.add(speaker)
    on_sale = Ticket.objects.create(event=event, type="free", name="Community", quantity=100)
    hidden = Ticket.objects.create(
        event=event, type="paid", name="Patron", price="99.00", quantity=5, max_order=5, hidden=True
    )
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
