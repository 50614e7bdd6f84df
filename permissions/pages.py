"""The pages of an event that permissions links to but does not serve: the event's
dashboard (where an accepted invitation leads) and its roles page (where an organizer
reads an invitation's answer). The events app serves them, above permissions in the
layers, and passes their URL names down in its ``AppConfig.ready`` (``set_event_pages``);
permissions names no URL of an app above it (tests/test_architecture.py)."""

from django.urls import reverse

_URL_NAMES = {}


def set_event_pages(**url_names):
    """``dashboard=``, ``roles=``: URL names that take the event's id."""
    _URL_NAMES.update(url_names)


def event_page(page, event_id):
    """The path of the event's ``page`` ("dashboard", "roles")."""
    return reverse(_URL_NAMES[page], args=[event_id])
