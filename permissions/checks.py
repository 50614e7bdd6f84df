"""The one answer to "may this user do X to resource R (a track, ...) in event E".

Answers come from the matrix rows in the database, so a change made in the admin
takes effect on the next request. A user's roles and permissions in an event are
read with one query and kept on the user object, which lives for one request (or one
websocket connection), so a page that makes many checks asks the database once.
"""

from dataclasses import dataclass, field
from functools import cache, cached_property

from django.contrib.auth import get_user_model
from django.db import connection

from permissions.models import EventRole, Permission, Role, Service
from permissions.resources import EVENT, IMPLIED_FOR_EVERY_ROLE, OPERATIONS, RESOURCES, operations

# Operations on the event itself: reading, updating (its settings, banner, publishing) and
# deleting it follow the matrix's ``event`` row (any role reads it, whatever the row says);
# managing who holds which role is the Organizer's (role-based, not in the matrix).
EVENT_OPERATIONS = ("read", "update", "delete", "manage_roles")

_CACHE_ATTRIBUTE = "_event_permissions"


def resource_name(resource):
    """Accept a resource's model class, an instance, or a name; return the name."""
    name = resource if isinstance(resource, str) else getattr(resource, "resource_name", None)
    if name not in RESOURCES:
        raise ValueError(f"Unknown resource: {resource!r}")
    return name


def event_id_of(event):
    """Accept an Event or its id (an int, or a string of digits); return the id."""
    if isinstance(event, int):
        return event
    if isinstance(event, str):
        return int(event)
    return event.pk


@dataclass(frozen=True)
class EventPermissions:
    """What one user may do in one event."""

    roles: frozenset = frozenset()
    grants: dict = field(default_factory=dict)  # {resource name: frozenset of operations}
    everything: bool = False  # super admin
    read_all: bool = False  # admin

    def allows(self, resource, operation):
        """May the user do ``operation`` ("create", ...) to ``resource`` (a name or model)?
        An operation the resource's row does not have (creating the event) is refused."""
        if operation not in OPERATIONS:
            raise ValueError(f"Unknown operation: {operation!r}")
        name = resource_name(resource)
        if operation not in operations(name):
            return False
        if self.everything or (self.read_all and operation == "read"):
            return True
        if self.roles and (name, operation) in IMPLIED_FOR_EVERY_ROLE:
            return True
        return operation in self.grants.get(name, frozenset())

    def allows_event(self, operation):
        """May the user do ``operation`` (one of ``EVENT_OPERATIONS``) to the event itself?"""
        if operation not in EVENT_OPERATIONS:
            raise ValueError(f"Unknown event operation: {operation!r}")
        if operation == "manage_roles":
            return self.everything or Role.ORGANIZER in self.roles
        return self.allows(EVENT, operation)

    @cached_property
    def can(self):
        """Every answer as nested dicts, for templates: ``perms_in_event.can.track.create``,
        ``perms_in_event.can.ticket.update``, ``perms_in_event.can.event.manage_roles``."""
        table = {resource: {op: self.allows(resource, op) for op in OPERATIONS} for resource in RESOURCES}
        table[EVENT]["manage_roles"] = self.allows_event("manage_roles")
        return table


NOBODY = EventPermissions()
SUPER_ADMIN = EventPermissions(everything=True)


def event_permissions(user, event):
    """The user's permissions in ``event`` (an Event or its id), cached on the user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    if user.is_super_admin:
        return SUPER_ADMIN
    # getattr/setattr rather than __dict__: request.user is a lazy proxy, and these
    # reach the real user object, so that forget() on it clears what checks cached.
    cache = getattr(user, _CACHE_ATTRIBUTE, None)
    if cache is None:
        cache = {}
        setattr(user, _CACHE_ATTRIBUTE, cache)
    event_id = event_id_of(event)
    if event_id not in cache:
        cache[event_id] = _load(user, event_id)
    return cache[event_id]


@cache
def _permissions_sql(one_user=True):
    """The query of ``_load`` (``one_user``: parameters the event's id and the user's) and
    of ``users_who_may`` (every role holder's rows: the event's id), written once: every
    API request and page asks it, and building it with the ORM (a four-table join) cost
    more than running it."""
    tables = {
        name: connection.ops.quote_name(model._meta.db_table)
        for name, model in (
            ("event_role", EventRole),
            ("role", Role),
            ("permission", Permission),
            ("service", Service),
        )
    }
    # From the user's event roles outwards (a LEFT JOIN to the matrix), so a role is
    # known even if its matrix rows were missing: one query, whatever the number of roles.
    # Only our models' table names are formatted in; the values go as parameters.
    return (  # noqa: S608
        "SELECT er.user_id, r.name, s.name, p.can_create, p.can_read, p.can_update, p.can_delete "
        "FROM {event_role} er "
        "JOIN {role} r ON r.id = er.role_id "
        "LEFT JOIN {permission} p ON p.role_id = r.id "
        "LEFT JOIN {service} s ON s.id = p.service_id "
        "WHERE er.event_id = %s"
    ).format(**tables) + (" AND er.user_id = %s" if one_user else "")


def _load(user, event_id):
    with connection.cursor() as cursor:
        cursor.execute(_permissions_sql(), [event_id, user.pk])
        rows = cursor.fetchall()
    return _permissions_of(user, rows)


def _permissions_of(user, rows):
    """``EventPermissions`` from the user's rows of ``_permissions_sql``."""
    roles, grants = set(), {}
    for _user_id, role, resource, *flags in rows:
        roles.add(role)
        if resource is None:
            continue
        allowed = {op for op, flag in zip(OPERATIONS, flags, strict=True) if flag}
        grants[resource] = grants.get(resource, frozenset()) | allowed
    return EventPermissions(roles=frozenset(roles), grants=grants, read_all=user.is_admin)


def forget(user):
    """Drop the cached answers (after the user's roles changed within one request)."""
    if getattr(user, _CACHE_ATTRIBUTE, None) is not None:
        setattr(user, _CACHE_ATTRIBUTE, None)


def may(user, event, resource, operation):
    """The one check: ``resource`` is one of the event's resources (a name or model, see
    ``permissions.resources``) or ``None`` for the event itself (the same as "event",
    plus "manage_roles").

    On the event itself, "create" (something in the event) is asked as "update".
    """
    perms = event_permissions(user, event)
    if resource is None:
        return perms.allows_event("update" if operation == "create" else operation)
    return perms.allows(resource, operation)


def users_who_may(event, resource, operation):
    """Who hears of a change: the event's role holders (active accounts) for whom
    ``may(user, event, resource, operation)`` is true, by id. Every notification to "the
    organizers" of something asks it, so recipients follow the matrix as it is now, with
    the cells every role holds, and a role holder who is an admin (reads everything) or
    the super admin (everything) is among them whatever the role.

    Admins and super admins without a role in the event are not: they may look at any
    event, but are not its team, and would otherwise hear of every order of every event.

    Two queries however many holders: the users, and all their matrix rows (the query
    ``may`` makes for one user), whose answers are cached on each user as ``may`` keeps
    them, so each ``may`` below asks nothing."""
    event_id = event_id_of(event)
    holders = get_user_model().objects.filter(event_roles__event_id=event_id, is_active=True)
    users = list(holders.distinct().order_by("pk"))
    if not users:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_permissions_sql(one_user=False), [event_id])
        rows = cursor.fetchall()
    rows_of = {}
    for row in rows:
        rows_of.setdefault(row[0], []).append(row)
    for user in users:
        cache = getattr(user, _CACHE_ATTRIBUTE, None) or {}
        cache[event_id] = _permissions_of(user, rows_of.get(user.pk, []))
        setattr(user, _CACHE_ATTRIBUTE, cache)
    return [user for user in users if may(user, event_id, resource, operation)]


def has_role(user, event, role=None):
    """Does ``user`` hold ``role`` (a role's name, e.g. ``Role.MODERATOR``) in ``event``, or
    any role when ``role`` is None?"""
    roles = event_permissions(user, event).roles
    return bool(roles) if role is None else role in roles


# --- event-level access, by name ------------------------------------------------------


def can_read_event(user, event):
    """Does ``user`` hold a role in ``event``, or is an admin? (The team's view of it.)"""
    return event_permissions(user, event).allows_event("read")


def can_view_event(user, event):
    """THE rule of who may see ``event`` (an Event) at all, for pages, the API and
    consumers: a published event, anyone; a draft, whoever holds a role in it, admins and
    the super admin. For anyone else a draft does not exist: every page and API route of
    it answers 404, exactly as for an id that does not exist, so drafts cannot be found by
    counting ids. (Someone who sees the event but lacks a permission is answered 403.)
    A published event is answered without asking the database."""
    return event.is_published or can_read_event(user, event)


def can_update_event(user, event):
    return event_permissions(user, event).allows_event("update")


def can_manage_roles(user, event):
    return event_permissions(user, event).allows_event("manage_roles")


# --- what each role may do, for people ---------------------------------------------------


@dataclass(frozen=True)
class RoleRights:
    role: Role
    rights: list  # [(resource row: a Service, [operations allowed, in OPERATIONS' order])]
    manages_roles: bool

    @property
    def nothing(self):
        return not self.manages_roles and not any(operations for _, operations in self.rights)


def role_rights():
    """What each event role may do, as the matrix in the database says now (with the cells
    every role holds, ``permissions.resources.IMPLIED_FOR_EVERY_ROLE``), and whether it
    manages roles (the Organizer): for the roles page. Two queries."""
    rows = {}
    for permission in Permission.objects.select_related("service"):
        rows[(permission.role_id, permission.service.name)] = permission
    services = list(Service.objects.filter(name__in=RESOURCES))
    services.sort(key=lambda service: RESOURCES.index(service.name))
    answer = []
    for role in Role.objects.order_by("id"):
        rights = []
        for service in services:
            row = rows.get((role.pk, service.name))
            allowed = [
                op
                for op in operations(service.name)
                if (service.name, op) in IMPLIED_FOR_EVERY_ROLE or (row is not None and getattr(row, f"can_{op}"))
            ]
            rights.append((service, allowed))
        answer.append(RoleRights(role=role, rights=rights, manages_roles=role.name == Role.ORGANIZER))
    return answer
