"""The activity log's one choke point: ``log_action``, called by the services of events,
tickets, permissions (and orders) inside the transaction of the change they log, after
its checks. A refused change raises before it (or rolls it back with everything else),
so it writes nothing.

What is never logged: passwords, tokens, keys, secrets (by field name, whatever the
model), image or file contents (a file field is logged as "image" / "new image" /
``None``, never its bytes nor its stored name), bookkeeping (ids, version counters,
``created_at``/``updated_at``).
"""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models

from activity.models import ActivityEntry

Action = ActivityEntry.Action

#: Fields whose name contains one of these are never logged, in any model.
SECRET_MARKERS = ("password", "token", "secret", "key")
#: Bookkeeping, not changes anyone made (and the event, which the entry names).
IGNORED_FIELDS = frozenset({"created_at", "updated_at", "version", "position", "event"})
#: Shown for a file field instead of its contents or stored name.
FILE_SET, FILE_REPLACED = "image", "new image"

MAX_REPR = 300
MAX_VALUE = 1000


def actor_label(actor):
    """How the log names ``actor``: name and e-mail address as they are now."""
    if actor is None:
        return ""
    name = actor.get_full_name()
    return name if name == actor.email else f"{name} <{actor.email}>"


def _real_user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def log_action(actor, action, obj=None, event=None, changes=None, *, label=""):
    """Write one entry: ``actor`` (a user; ``None`` or anonymous: the system, or whom
    ``label`` names, someone without an account such as an anonymous buyer) did
    ``action`` (an ``ActivityEntry.Action``) to ``obj`` (any model instance, or ``None``)
    in ``event`` (default: ``obj``'s event, by its ``event_id``), changing ``changes``
    (``{field: [old, new]}``, as ``changes_between`` makes them).

    Call it inside the transaction of the change, after the change's checks: the entry
    commits or rolls back with it.
    """
    entry = _entry(actor, action, obj, event, changes, label)
    entry.save()
    return entry


def log_account_change(sender, user, actor, action, obj, changes, **kwargs):
    """``accounts.services.account_changed``'s receiver: the account's entry (no event),
    in the transaction of the change. Secret fields never reach the entry."""
    changes = {name: change for name, change in changes.items() if not is_secret(name)}
    log_action(actor, Action(action), obj, event=None, changes=changes)


def log_actions(actor, event, items):
    """``log_action`` for many objects of one event (or of none: ``event`` None) at once,
    in one query however many: ``items`` is ``[(action, obj, changes)]``."""
    entries = [_entry(actor, action, obj, event, changes) for action, obj, changes in items]
    return ActivityEntry.objects.bulk_create(entries) if entries else []


def _entry(actor, action, obj, event, changes, label=""):
    actor = _real_user(actor)
    event_id = event.pk if event is not None else getattr(obj, "event_id", None)
    if event is None and event_id is not None:
        event = obj.event  # cached on the object, as a rule
    return ActivityEntry(
        actor=actor,
        actor_label=(actor_label(actor) if actor is not None else label)[:300],
        event_id=event_id,
        event_label=str(event)[:200] if event is not None else "",
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False) if obj is not None else None,
        object_id=obj.pk if obj is not None and isinstance(obj.pk, int) else None,
        object_repr=str(obj)[:MAX_REPR] if obj is not None else "",
        action=action,
        changes=changes or {},
    )


# --- what changed ---------------------------------------------------------------------------


def loggable_fields(model):
    """The concrete fields of ``model`` whose changes the log keeps."""
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key
        and field.name not in IGNORED_FIELDS
        and not field.name.endswith("_ver")
        and not is_secret(field.name)
    ]


def is_secret(name):
    name = name.lower()
    return any(marker in name for marker in SECRET_MARKERS)


def snapshot(obj):
    """The loggable values of ``obj`` as they are now (``{field name: raw value}``), to
    compare with later (``changes_between``). ``None`` for no object (a creation)."""
    if obj is None:
        return None
    return {field.name: _raw(obj, field) for field in loggable_fields(type(obj))}


def _raw(obj, field):
    if isinstance(field, models.FileField):
        return getattr(obj, field.attname).name or ""
    return getattr(obj, field.attname)


def changes_between(before, obj, *, many_to_many=None):
    """``{field: [old, new]}`` for the loggable fields whose value differs between
    ``before`` (a ``snapshot``, or ``None`` for a new object: every non-empty field)
    and ``obj`` now (``None``: deleted, every non-empty field's old value).
    ``many_to_many``: ``{name: (old objects, new objects)}``, logged as sorted names.
    """
    model = type(obj) if obj is not None else None
    after = snapshot(obj)
    if model is None:
        raise ValueError("changes_between needs the object (deleted objects: pass it before deleting).")
    changes = {}
    for field in loggable_fields(model):
        old = before.get(field.name) if before is not None else None
        new = after[field.name]
        if before is None and _empty(new):
            continue
        if old == new:
            continue
        if isinstance(field, models.FileField):
            changes[field.name] = [FILE_SET if old else None, (FILE_REPLACED if old else FILE_SET) if new else None]
        elif field.is_relation:
            changes[field.name] = [_related_label(field, old), _related_label(field, new)]
        else:
            changes[field.name] = [_plain(old), _plain(new)]
    for name, (old_objects, new_objects) in (many_to_many or {}).items():
        old_names, new_names = sorted(map(str, old_objects)), sorted(map(str, new_objects))
        if old_names != new_names:
            changes[name] = [old_names, new_names]
    return changes


def removed_values(obj):
    """``{field: [old, None]}`` for an object about to be deleted (its non-empty fields)."""
    return {name: [value, None] for name, (_, value) in changes_between(None, obj).items()}


def _empty(value):
    return value is None or value == "" or value is False


def _related_label(field, pk):
    if pk is None:
        return None
    # As the foreign key reads it (its model's base manager): the object's own, of its event.
    related = field.related_model._base_manager.filter(pk=pk).first()
    return _plain(str(related)) if related is not None else f"#{pk}"


def _plain(value):
    """A JSON value for the log: times in ISO 8601 (UTC as stored), decimals as text."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, str) and len(value) > MAX_VALUE:
        return value[: MAX_VALUE - 1] + "…"
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
