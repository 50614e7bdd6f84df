"""The matrix as Django permissions: ``user.has_perm(perm, event)`` answered by the one
check, so that the user's own methods (``user.can_create(service, event)``, ...,
``user.is_organizer(event)``, ...: ``accounts.models.User``, the seed's names) ask Django,
and ``accounts`` imports nothing of ``permissions``.

Permission names, all under ``eventdesk.`` (``EVENT_PERMS``), with the event as the
object (an Event, its id, or one of its objects, which stands for its event: ``event_of``):

- ``eventdesk.<resource>.<operation>``: ``checks.may(user, event, resource, operation)``
  (``eventdesk.track.create``; a resource of ``permissions.resources.RESOURCES``);
- ``eventdesk.is_<role>``: ``checks.has_role(user, event, role)`` (``eventdesk.is_organizer``);
- ``eventdesk.has_role``: any role in the event.

An unknown resource, operation or role is a ``ValueError`` (as the check raises); without
an event every answer is no. Listed in ``AUTHENTICATION_BACKENDS`` after Django's
``ModelBackend``; it authenticates nobody.
"""

from django.conf import settings
from django.contrib.auth.backends import BaseBackend

from permissions import checks
from permissions.models import Role
from permissions.resources import RESOURCES, operations

EVENT_PERMS = "eventdesk."  # accounts.models.User knows the prefix too (no import)
ROLES = (Role.ORGANIZER, Role.COORGANIZER, Role.TRACK_ORGANIZER, Role.MODERATOR)
ANY_ROLE = f"{EVENT_PERMS}has_role"


def cell_perm(resource, operation):
    """The permission of one cell of the matrix: ``eventdesk.track.create``."""
    return f"{EVENT_PERMS}{resource}.{operation}"


def role_perm(role):
    """The permission of holding ``role`` in the event: ``eventdesk.is_organizer``."""
    return f"{EVENT_PERMS}is_{role}"


def event_of(obj):
    """The event a permission is asked in: ``obj`` is an Event, its id (an int, or a
    string of digits), or one of the event's objects (a track, ...: its event, never the
    event whose id happens to be the object's). Anything else is a ``ValueError``."""
    if isinstance(obj, bool):
        raise ValueError(f"Not an event: {obj!r}")
    if isinstance(obj, int):
        return obj
    if isinstance(obj, str):
        if not obj.strip().isdigit():
            raise ValueError(f"Not an event: {obj!r}")
        return int(obj)
    meta = getattr(obj, "_meta", None)
    if meta is not None and meta.label == settings.EVENTDESK_EVENT_MODEL:
        return obj
    event_id = getattr(obj, "event_id", None) if meta is not None else None
    if event_id is None:
        raise ValueError(f"Not an event or an event's object: {obj!r}")
    return event_id


class EventPermissionBackend(BaseBackend):
    """Answers the ``eventdesk.*`` permissions for an event from ``permissions.checks``;
    every other permission is someone else's (no)."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if not isinstance(perm, str) or not perm.startswith(EVENT_PERMS):
            return False
        name = perm.removeprefix(EVENT_PERMS)
        resource, dot, operation = name.rpartition(".")
        role = name.removeprefix("is_")
        if dot:
            checks.resource_name(resource)  # a ValueError, also when there is no event
            if operation not in checks.OPERATIONS:
                raise ValueError(f"Unknown operation: {operation!r}")
        elif name != "has_role" and not (name.startswith("is_") and role in ROLES):
            raise ValueError(f"Unknown permission: {perm!r}")
        if obj is None:
            return False
        event = event_of(obj)
        if dot:
            return checks.may(user_obj, event, resource, operation)
        return checks.has_role(user_obj, event, None if name == "has_role" else role)

    def get_all_permissions(self, user_obj, obj=None):
        if obj is None:
            return set()
        perms = checks.event_permissions(user_obj, event_of(obj))
        granted = {
            cell_perm(resource, op)
            for resource in RESOURCES
            for op in operations(resource)
            if perms.allows(resource, op)
        }
        granted |= {role_perm(role) for role in ROLES if role in perms.roles}
        if perms.roles:
            granted.add(ANY_ROLE)
        return granted
