from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import Event
from events.services import create_event, update_event
from permissions import checks
from permissions.models import EventRole


@pytest.mark.django_db
class TestCreateEvent:
    def test_creates_a_draft_with_the_owner_as_organizer(self, organizer):
        event = create_event(organizer, name="DjangoCon", timezone="Europe/Lisbon", currency="EUR")
        assert event.state == Event.State.DRAFT
        assert event.slug == "djangocon"
        assert event.created_by == organizer
        assert list(EventRole.objects.filter(event=event).values_list("user__email", "role__name")) == [
            (organizer.email, "organizer")
        ]
        assert checks.has_role(organizer, event, "organizer")

    def test_slugs_are_unique(self, organizer):
        first = create_event(organizer, name="Meetup")
        second = create_event(organizer, name="Meetup")
        assert (first.slug, second.slug) == ("meetup", "meetup-2")

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"name": ""}, "name"),
            ({"name": "X", "currency": "XXX"}, "currency"),
            ({"name": "X", "timezone": "Mars/Olympus"}, "timezone"),
        ],
    )
    def test_invalid_fields_save_nothing(self, organizer, fields, field):
        with pytest.raises(ValidationError) as excinfo:
            create_event(organizer, **fields)
        assert field in excinfo.value.message_dict
        assert not Event.objects.exists()
        assert not EventRole.objects.exists()

    def test_must_end_after_start(self, organizer):
        now = timezone.now()
        with pytest.raises(ValidationError) as excinfo:
            create_event(organizer, name="Backwards", starts_at=now, ends_at=now - timedelta(hours=1))
        assert "ends_at" in excinfo.value.message_dict
        assert not Event.objects.exists()

    def test_unknown_field(self, organizer):
        with pytest.raises(TypeError):
            create_event(organizer, name="X", owner=organizer)


@pytest.mark.django_db
class TestVersionCounters:
    def test_update_bumps_event_ver_only(self, event):
        before = Event.objects.values().get(pk=event.pk)
        update_event(event, name="Renamed")
        after = Event.objects.values().get(pk=event.pk)
        assert after["event_ver"] == before["event_ver"] + 1
        assert after["tickets_ver"] == before["tickets_ver"]

    def test_stale_instance_never_writes_back_a_counter(self, event):
        stale = Event.objects.get(pk=event.pk)
        event.tracks.create(name="Web")  # bumps tracks_ver in the database
        stale.name = "Still saving"
        stale.save()
        assert Event.objects.get(pk=event.pk).tracks_ver == 2
