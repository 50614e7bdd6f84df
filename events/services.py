"""Business rules for events. Views, the API, the admin and commands call these."""

from django.db import transaction

from events.models import Event
from permissions.models import Role
from permissions.services import grant_role

EVENT_FIELDS = {
    "name",
    "slug",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "location",
    "currency",
    "state",
}


@transaction.atomic
def create_event(owner, **fields):
    """Create an event (a draft unless ``state`` says otherwise) owned by ``owner``.

    Validates the fields with the model's rules (``ValidationError`` on bad input,
    nothing saved) and makes ``owner`` the event's Organizer, in one transaction.
    """
    unknown = set(fields) - EVENT_FIELDS - {"background_image"}
    if unknown:
        raise TypeError(f"Unknown event fields: {', '.join(sorted(unknown))}")
    event = Event(created_by=owner, **fields)
    event.full_clean(exclude=["slug"])
    event.save()
    grant_role(event, owner, Role.ORGANIZER)
    return event


@transaction.atomic
def update_event(event, **fields):
    """Change an event's fields after validating them; bumps ``event_ver``."""
    unknown = set(fields) - EVENT_FIELDS
    if unknown:
        raise TypeError(f"Unknown event fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(event, name, value)
    event.full_clean()
    event.save()
    return event


def events_of(user):
    """The events in which ``user`` holds any role, newest first."""
    return Event.objects.filter(roles__user=user).distinct()
