"""A write that a concurrent writer beat to a unique name answers 409 (the service knows
the race and says ``Conflict``), changing nothing: never a 500."""

import pytest

from events import models as event_models
from events.models import Event


@pytest.fixture
def slug_race(monkeypatch):
    """The slug checked free, then taken by another writer before the save."""

    def race(slug):
        monkeypatch.setattr(event_models, "unique_slug", lambda name: slug)
        monkeypatch.setattr(Event, "validate_unique", lambda self, exclude=None: None)

    return race


def test_creating_an_event_whose_slug_was_just_taken_is_a_409(as_organizer, event, slug_race):
    slug_race(event.slug)
    answer = as_organizer.post("/api/v1/events/", {"name": "Another"}, format="json")
    assert answer.status_code == 409, answer.content
    assert "slug" in answer.json()["detail"]
    assert Event.objects.count() == 1
