"""The dashboard's and the wizard's pages as a browser posts them: URLs and form data."""

import zoneinfo
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from events.views.wizard import STEP_URLS


def url(service, page, event, *args):
    return reverse(f"events:{service}-{page}", args=[event.pk, *args])


def local(event, moment):
    """How a datetime-local input writes ``moment`` in the event's time zone."""
    return timezone.localtime(moment, event.tzinfo).strftime("%Y-%m-%dT%H:%M")


def session_data(event, **overrides):
    starts = event.starts_at + timedelta(hours=3)
    data = {
        "title": "Keynote",
        "starts_at": local(event, starts),
        "ends_at": local(event, starts + timedelta(hours=1)),
    }
    data.update(overrides)
    return data


BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


NEXT_YEAR = timezone.now().year + 1


def details(**fields):
    data = {
        "name": "DjangoCon Wizard",
        "description": "Three days of Django.",
        "location": "Lisbon",
        "starts_at": f"{NEXT_YEAR}-06-01T09:30",
        "ends_at": f"{NEXT_YEAR}-06-03T18:00",
        "timezone": "Europe/Berlin",
        "currency": "EUR",
    }
    data.update(fields)
    return data


def step(name, event):
    return reverse(STEP_URLS[name], args=[event.pk])  # page 2 is tickets' ("tickets:wizard")
