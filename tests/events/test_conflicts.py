"""``events.services`` answer a slug taken by a concurrent writer with ``Conflict`` (the
API's 409), and let any other database refusal through."""

import pytest
from django.db import IntegrityError

from core.errors import Conflict
from events import services
from events.models import Event


@pytest.fixture
def no_unique_check(monkeypatch):
    """The slug checked free by validation, then taken before the save."""
    monkeypatch.setattr(Event, "validate_unique", lambda self, exclude=None: None)


def test_changing_the_slug_to_one_just_taken_is_a_conflict(event, make_event, organizer, no_unique_check):
    other = make_event(organizer, name="Other")
    with pytest.raises(Conflict):
        services.update_event(other, slug=event.slug)
    other.refresh_from_db()
    assert other.slug == "other"


def test_another_refusal_is_not_a_conflict(event, monkeypatch):
    def refuse(*args, **kwargs):
        raise IntegrityError("some constraint no service declared")

    monkeypatch.setattr(Event, "save", refuse)
    with pytest.raises(IntegrityError):
        services.update_event(event, name="Renamed")
