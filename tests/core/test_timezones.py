"""The time-zone list offers canonical names only (no deprecated links), and is
searchable in the browser (a datalist behind a text input)."""

import zoneinfo

import pytest
from django.urls import reverse

from core.timezones import canonical_zones
from events.forms import EventSettingsForm
from events.models import Event


def test_only_canonical_zones_are_offered():
    zones = canonical_zones()
    assert zones[0] == "UTC"
    assert {"Europe/Berlin", "America/New_York", "Asia/Kolkata", "Europe/Kyiv", "Australia/Sydney"} <= set(zones)
    deprecated_names = ("Africa/Timbuktu", "America/Atka", "US/Pacific", "Europe/Kiev", "Asia/Calcutta", "GB")
    for deprecated in deprecated_names:
        assert zoneinfo.ZoneInfo(deprecated)  # still readable...
        assert deprecated not in zones  # ...but not offered
    assert len(zones) == len(set(zones))
    assert len(zones) > 300


@pytest.mark.django_db
def test_the_form_refuses_a_deprecated_name_for_a_new_choice(organizer):
    form = EventSettingsForm(instance=Event(timezone="UTC"), data={"timezone": "America/Atka"})
    form.is_valid()
    assert "timezone" in form.errors


@pytest.mark.django_db
def test_an_event_stored_under_an_old_name_keeps_it(event):
    event.timezone = "Asia/Calcutta"
    form = EventSettingsForm(instance=event)
    assert ("Asia/Calcutta", "Asia/Calcutta") in form.fields["timezone"].choices


@pytest.mark.django_db
def test_the_zone_field_is_searchable(client, organizer):
    client.force_login(organizer)
    html = client.get(reverse("events:new")).content.decode()
    assert 'list="id_timezone-options"' in html
    assert '<datalist id="id_timezone-options">' in html
    assert '<option value="Europe/Berlin"></option>' in html
    assert "America/Atka" not in html
