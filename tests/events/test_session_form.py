"""The session form: speakers as a multi-select the browser makes searchable, and date
pickers that open on the event's days, in its time zone, which they name."""

import re
from datetime import datetime

import pytest
from django.urls import reverse

from events.forms import SessionForm

pytestmark = pytest.mark.django_db


def test_the_pickers_are_bounded_by_the_event_in_its_time_zone(event):
    event.timezone = "Europe/Berlin"
    event.starts_at = datetime.fromisoformat("2031-06-01T07:30:20+00:00")
    event.ends_at = datetime.fromisoformat("2031-06-02T16:00:00+00:00")
    event.save()
    form = SessionForm(event=event)
    for name in ("starts_at", "ends_at"):
        attrs = form.fields[name].widget.attrs
        assert attrs["min"] == "2031-06-01T09:31"  # 09:30:20 in Berlin, in whole minutes
        assert attrs["max"] == "2031-06-02T18:00"
        assert form.fields[name].help_text == "In the event's time zone, Europe/Berlin."


def test_speakers_are_a_searchable_select(client, organizer, event):
    client.force_login(organizer)
    html = client.get(reverse("events:session-create", args=[event.pk])).content.decode()
    [select] = re.findall(r'<select name="speakers"[^>]*>', html)
    assert " multiple" in select
    assert "data-searchable-select" in select
    assert "js/searchable-select.js" in html
