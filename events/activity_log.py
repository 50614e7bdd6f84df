"""Who reads which entries of an event's activity log (docs/architecture.md, "Activity
log"): the one rule the page (``events.views.activity``) and the API
(``events.activity_api``) apply, through ``reader(user, event)``.

- **An entry about a resource is read by whoever may read that resource.** Each entry is
  mapped to a *kind* (``KINDS``) by the type of its object (its content type), or by its
  action when it has none: the event's own entries need the event's read (every role
  has it), a track's the tracks' read, a ticket's the tickets', an order's (and its
  lines') the orders', and so on from the matrix. Who holds which role (``role_granted``,
  ``role_removed``) is the team's: every role holder, as the roles page shows the team to
  all of them. Invitations to roles (``invited``, ``invitation_*``: the invitees'
  addresses) are for whoever manages roles, as the roles page shows pending invitations to
  them only. An invitation to speak is about a session and a (future) speaker: it needs
  the read of both. An entry of a kind not in ``KINDS`` (a model nobody mapped yet, the
  matrix) is for admins and the super admin only.
- **The filter is in the database** (``Reader.filter``: a condition on the entries'
  content type and action), before paging and counting, and the API's ETag is computed
  over the same rows with ``Reader.key`` (what the person may read): pages, counts and
  tags agree, a hidden entry never changes a tag, and two people who read different
  entries never share one.
- **Personal data of an object the person may not read is redacted** (``Reader.shown``,
  on the page's rows after paging): a session's entries name its speakers, shown to
  whoever may read sessions; without the read of speakers their names are replaced by
  ``HIDDEN``, and so is every e-mail address in the entry's text and changes.
- **Who did it** (``actor_label``: name and e-mail address) is shown as stored: the
  people who change an event are its team, whose names and addresses the roles page
  shows every role holder, or admins (or the system). The entries whose actor may be
  someone else (a buyer's order, an invitee's answer, a speaker's own record) belong to
  kinds shown only to those who may read that person's data.
"""

import re
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from activity.models import ActivityEntry
from events.models import Microlocation, Session, Speaker, Sponsor, Track
from permissions import checks
from permissions.resources import EVENT

Action = ActivityEntry.Action

TRACK, SESSION, SPEAKER, SPONSOR, MICROLOCATION = (
    model.resource_name for model in (Track, Session, Speaker, Sponsor, Microlocation)
)

#: Who holds which role: whoever reads the event (any role, admins), as on the roles page.
TEAM = "team"
#: Invitations to roles: whoever manages roles (the Organizer, the super admin), as the
#: roles page shows them; admins, who read everything, too.
ROLES = "roles"

#: What redacted personal data is shown as.
HIDDEN = "(hidden)"
#: An e-mail address anywhere in a text (generous: redacting too much is the safe side).
EMAIL_ADDRESS = re.compile(r"[^\s<>()\[\]{}\"'@,;:]+@[^\s<>()\[\]{}\"'@,;:]+")


@dataclass(frozen=True)
class Kind:
    """Entries about objects of ``types`` (``app_label.model``), or without an object and
    with one of ``actions``: read by whoever may read each of ``reads`` (resource names,
    ``TEAM`` or ``ROLES``). ``personal``: the resource whose read the personal data in
    them needs (the changes ``personal_fields``, and every e-mail address)."""

    name: str
    types: tuple
    reads: tuple
    actions: tuple = ()
    personal: str | None = None
    personal_fields: tuple = ()
    condition: Q = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        condition = Q(pk__in=[])
        for label in self.types:
            app_label, model = label.split(".")
            condition |= Q(content_type__app_label=app_label, content_type__model=model)
        if self.actions:
            condition |= Q(content_type__isnull=True, action__in=self.actions)
        object.__setattr__(self, "condition", condition)


#: The kinds of entries; apps above events add theirs (tickets, orders) in their
#: ``AppConfig.ready`` with ``add_kind``: events names none of their models.
KINDS = [
    Kind(
        "event",
        ("events.event",),
        (EVENT,),
        actions=(Action.PUBLISHED, Action.UNPUBLISHED, Action.BANNER_SET, Action.BANNER_REMOVED),
    ),
    Kind("track", ("events.track",), (TRACK,)),
    Kind("session", ("events.session",), (SESSION,), personal=SPEAKER, personal_fields=("speakers",)),
    Kind("speaker", ("events.speaker",), (SPEAKER,)),
    Kind("sponsor", ("events.sponsor",), (SPONSOR,)),
    Kind("microlocation", ("events.microlocation",), (MICROLOCATION,)),
    Kind("session invitation", ("events.sessioninvite",), (SESSION, SPEAKER)),
    Kind("role", ("permissions.eventrole",), (TEAM,), actions=(Action.ROLE_GRANTED, Action.ROLE_REMOVED)),
    Kind(
        "invitation",
        ("permissions.roleinvite",),
        (ROLES,),
        actions=(Action.INVITED, Action.INVITATION_REVOKED, Action.INVITATION_ACCEPTED, Action.INVITATION_DECLINED),
    ),
]
_KIND_OF_TYPE = {label: kind for kind in KINDS for label in kind.types}
_KIND_OF_ACTION = {action: kind for kind in KINDS for action in kind.actions}


def add_kind(kind):
    """Entries of ``kind`` (a ``Kind``) are read as it says; its types must be new."""
    if kind in KINDS:
        return
    KINDS.append(kind)
    _KIND_OF_TYPE.update(dict.fromkeys(kind.types, kind))
    _KIND_OF_ACTION.update(dict.fromkeys(kind.actions, kind))


def _may_read(permissions, what):
    if what == TEAM:
        return permissions.allows_event("read")
    if what == ROLES:
        return permissions.read_all or permissions.allows_event("manage_roles")
    return permissions.allows(what, "read")


class Reader:
    """What one person (their ``checks.EventPermissions`` in ``event``) reads of its log."""

    def __init__(self, permissions, event):
        self.event = event
        self.everything = permissions.everything or permissions.read_all
        self.kinds = tuple(kind for kind in KINDS if all(_may_read(permissions, what) for what in kind.reads))
        self.redacted = frozenset(
            kind.name for kind in self.kinds if kind.personal and not _may_read(permissions, kind.personal)
        )

    @property
    def key(self):
        """Tells apart people who read different entries, or the same ones redacted
        differently (for ETags)."""
        if self.everything:
            return ("everything",)
        return (tuple(kind.name for kind in self.kinds), tuple(sorted(self.redacted)))

    def entries(self):
        """The event's entries the person reads, newest first (a queryset: filter, page
        and count it)."""
        return self.filter(ActivityEntry.objects.filter(event=self.event)).order_by("-id")

    def filter(self, entries):
        """``entries`` (a queryset of ``ActivityEntry``) narrowed to what the person reads."""
        if self.everything:
            return entries
        condition = Q(pk__in=[])
        for kind in self.kinds:
            condition |= kind.condition
        return entries.filter(condition)

    def shown(self, entries):
        """``entries`` (read through ``filter``) as the person is shown them: the personal
        data they may not read replaced by ``HIDDEN`` (in memory; nothing is saved)."""
        entries = list(entries)
        if self.redacted:
            for entry in entries:
                kind = kind_of(entry)
                if kind is not None and kind.name in self.redacted:
                    _redact(entry, kind)
        return entries


def kind_of(entry):
    """The ``Kind`` of ``entry``, or None (a kind only admins read)."""
    if entry.content_type_id is None:
        return _KIND_OF_ACTION.get(entry.action)
    content_type = ContentType.objects.get_for_id(entry.content_type_id)  # cached
    return _KIND_OF_TYPE.get(f"{content_type.app_label}.{content_type.model}")


def _redact(entry, kind):
    entry.object_repr = _without_addresses(entry.object_repr)
    entry.changes = {
        name: [
            HIDDEN if name in kind.personal_fields and not _empty(value) else _without_addresses(value)
            for value in values
        ]
        if isinstance(values, list)
        else _without_addresses(values)
        for name, values in (entry.changes or {}).items()
    }


def _empty(value):
    return value is None or value == "" or value == []


def _without_addresses(value):
    if isinstance(value, str):
        return EMAIL_ADDRESS.sub(HIDDEN, value)
    if isinstance(value, list):
        return [_without_addresses(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_addresses(item) for key, item in value.items()}
    return value


def reader(user, event):
    """How ``user`` reads ``event``'s activity log (their permissions, as ``checks`` has
    them cached for the request): ``.entries()`` the entries they may read, ``.shown()``
    a page of them as they are shown, ``.key`` for ETags. The one rule of the page and
    the API."""
    return Reader(checks.event_permissions(user, event), event)
