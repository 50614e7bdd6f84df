"""The one answer to "may this user do X to service S in event E".

Answers come from the matrix rows in the database, so a change made in the admin
takes effect on the next request. A user's roles and permissions in an event are
read with one query and kept on the user object, which lives for one request (or one
websocket connection), so a page that makes many checks asks the database once.
"""

from dataclasses import dataclass, field

from permissions.models import Permission

OPERATIONS = ("create", "read", "update", "delete")
SERVICES = ("track", "session", "speaker", "sponsor", "microlocation")


def service_name(service):
    """Accept a service model class, an instance, or a name; return the name."""
    name = service if isinstance(service, str) else getattr(service, "service_name", None)
    if name not in SERVICES:
        raise ValueError(f"Unknown service: {service!r}")
    return name


def event_id_of(event):
    return event if isinstance(event, int) else event.pk


@dataclass(frozen=True)
class EventPermissions:
    """What one user may do in one event."""

    roles: frozenset = frozenset()
    grants: dict = field(default_factory=dict)  # {service name: frozenset of operations}
    everything: bool = False  # super admin
    read_all: bool = False  # admin

    def allows(self, service, operation):
        if operation not in OPERATIONS:
            raise ValueError(f"Unknown operation: {operation!r}")
        if self.everything or (self.read_all and operation == "read"):
            return True
        return operation in self.grants.get(service_name(service), frozenset())


SUPER_ADMIN = EventPermissions(everything=True)


def event_permissions(user, event):
    """The user's permissions in ``event`` (an Event or its id), cached on the user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EventPermissions()
    if user.is_super_admin:
        return SUPER_ADMIN
    cache = user.__dict__.setdefault("_event_permissions", {})
    event_id = event_id_of(event)
    if event_id not in cache:
        cache[event_id] = _load(user, event_id)
    return cache[event_id]


def _load(user, event_id):
    rows = Permission.objects.filter(role__event_roles__user=user, role__event_roles__event_id=event_id).values_list(
        "role__name", "service__name", "can_create", "can_read", "can_update", "can_delete"
    )
    roles, grants = set(), {}
    for role, service, *flags in rows:
        roles.add(role)
        allowed = {op for op, flag in zip(OPERATIONS, flags, strict=True) if flag}
        grants[service] = grants.get(service, frozenset()) | allowed
    return EventPermissions(roles=frozenset(roles), grants=grants, read_all=user.is_admin)


def forget(user):
    """Drop the cached answers (after the user's roles changed within one request)."""
    user.__dict__.pop("_event_permissions", None)


# --- event-level access (DESIGN.md: any role reads/updates; organizer manages roles) ---


def can_read_event(user, event):
    perms = event_permissions(user, event)
    return perms.everything or perms.read_all or bool(perms.roles)


def can_update_event(user, event):
    perms = event_permissions(user, event)
    return perms.everything or bool(perms.roles)


def can_delete_event(user, event):
    perms = event_permissions(user, event)
    return perms.everything or "organizer" in perms.roles


def can_manage_roles(user, event):
    perms = event_permissions(user, event)
    return perms.everything or "organizer" in perms.roles
