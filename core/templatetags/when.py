"""Times on pages, always with their time zone named (``{% load when %}``).

- ``{% zoned value zone %}``: a moment of an event, in the event's time zone (``zone``, an
  IANA name), followed by that zone's name: ``Sun 1 Jun 2025, 09:30 Europe/Berlin``.
- ``{% local_time value %}``: a moment tied to no event (an invitation's expiry, when a
  notification arrived): in UTC, labelled so, which static/js/local-time.js rewrites to the
  reader's own time zone, named the same way (``Sun 1 Jun 2025, 09:30 Europe/Berlin``).

Both render ``<time datetime="...">``, so scripts and tests read the exact moment.
"""

import zoneinfo
from datetime import UTC

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

register = template.Library()

#: The default format of both tags (Django's date format characters).
DATETIME = "D j M Y, H:i"
#: The formats local-time.js knows (it formats in the browser with Intl).
LOCAL_STYLES = {"datetime": DATETIME, "date": "j M Y"}


def _zone(name):
    try:
        return zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


@register.simple_tag
def zoned(value, zone, fmt=DATETIME, empty="", label=True):
    """``value`` shown in ``zone`` with the zone's name after it (``label=False``: without,
    where a heading names the zone already); ``empty`` when there is no value."""
    if not value:
        return empty
    local = value.astimezone(_zone(zone))
    text = date_format(local, fmt)
    if not label:
        return format_html('<time datetime="{}">{}</time>', local.isoformat(), text)
    return format_html(
        '<time datetime="{}">{}</time> <span class="tz-label" title="Time zone">{}</span>',
        local.isoformat(),
        text,
        zone,
    )


@register.simple_tag
def local_time(value, style="datetime", empty=""):
    """``value`` in UTC, labelled "UTC", marked for local-time.js to show in the reader's
    zone; ``style`` is "datetime" or "date"."""
    if not value:
        return empty
    utc = value.astimezone(UTC)
    fmt = LOCAL_STYLES.get(style, DATETIME)
    return format_html(
        '<time datetime="{}" data-local-time="{}">{} <span class="tz-label">UTC</span></time>',
        utc.isoformat(),
        style,
        date_format(utc, fmt),
    )


@register.simple_tag
def local_title(value):
    """``title`` text for an element that shows a relative time ("3 minutes ago"): the
    moment in UTC, labelled; local-time.js rewrites elements with ``data-local-title``."""
    if not value:
        return ""
    return f"{date_format(value.astimezone(UTC), DATETIME)} UTC"
