"""Business rules for tickets. Views, the API, the admin and commands call these."""

import functools
import uuid
from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import CharField, Max, Value, prefetch_related_objects
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from activity.services import Action, changes_between, log_action, log_actions, removed_values, snapshot
from core.errors import Conflict
from events.models import Event
from tickets.models import Ticket

# What a ticket row of the wizard can change (plus bookkeeping).
#: A blank "maximum per order" becomes this, or the quantity if fewer (never below the minimum).
DEFAULT_MAX_ORDER = 10


def default_max_order(min_order, quantity):
    """The maximum per order a ticket gets when none is given (the wizard and the API alike)."""
    return max(min_order or 1, min(DEFAULT_MAX_ORDER, quantity or DEFAULT_MAX_ORDER))


UPDATE_FIELDS = [*Ticket.EDITABLE_FIELDS, "position", "updated_at"]

CONCURRENT_CHANGE = (
    "Someone else changed this event's tickets at the same time, so nothing was saved. "
    "Reload the page, check the tickets and save again."
)


class ConcurrentChange(Conflict):
    """Another save changed the event's tickets first: nothing of this one was saved.

    A ``core.errors.Conflict`` (409 in the API and the pages; the wizard shows it above
    the rows), not a ``ValidationError``: the input was fine.
    """

    default_message = CONCURRENT_CHANGE
    code = "concurrent_change"


# Every write of an event's tickets (the wizard's formset, the API's create, change and
# delete) starts by locking the event's row, in the same transaction: the writes of one
# event's tickets take turns, and each checks, holding the lock, that the tickets it
# read are still there as it read them. (On SQLite every transaction takes the database's
# write lock when it begins: settings.DATABASES, "transaction_mode".)


def lock_event(event_id):
    """The event's row, locked until the transaction ends; ``ConcurrentChange`` if it is gone."""
    try:
        return Event.objects.select_for_update().only("pk", "state").get(pk=event_id)
    except Event.DoesNotExist:
        raise ConcurrentChange() from None


def one_writer_at_a_time(function):
    """Run ``function`` in a transaction; a deadlock or serialization failure the database
    chose this transaction for is ``ConcurrentChange`` (a 409), not a 500."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        try:
            with transaction.atomic():
                return function(*args, **kwargs)
        except OperationalError as error:
            if _lost_race(error):
                raise ConcurrentChange() from None
            raise

    return run


def _lost_race(error):
    """Did the database abort this transaction for a deadlock or a serialization failure?
    (A writer outside these services, such as the admin's, may lock a ticket first.)"""
    cause = error.__cause__
    return getattr(cause, "pgcode", None) in ("40P01", "40001") or getattr(cause, "sqlstate", None) in (
        "40P01",
        "40001",
    )


# --- the rules of an event's tickets taken together ------------------------------------------

DUPLICATE_NAME = "Another ticket of this event has this name (names are compared ignoring case)."
LAST_TICKET = "A published event needs at least one ticket."
#: Tickets per event, at most (the wizard's page sends a dozen fields per ticket).
MAX_TICKETS = 500
TOO_MANY_TICKETS = f"An event has at most {MAX_TICKETS} tickets."


class InvalidTickets(ValidationError):
    """Tickets that break the rules (``save_tickets``, ``check_ticket_set``): nothing was saved.

    ``rows``: ``{index in the list of tickets given: {field: [ValidationError]}}``
    (``NON_FIELD_ERRORS`` for a rule of the ticket that is no one field's); ``set_errors``:
    ``[ValidationError]`` about the tickets as a whole. As a ``ValidationError`` it holds
    all of these messages in one list.
    """

    def __init__(self, rows=None, set_errors=()):
        self.rows = rows or {}
        self.set_errors = list(set_errors)
        messages = [error for fields in self.rows.values() for errors in fields.values() for error in errors]
        super().__init__([*self.set_errors, *messages])

    def for_ticket(self, index):
        """The errors of the ticket at ``index`` and of the whole, as one ticket's ``{field: [ValidationError]}``."""
        errors = {field: list(messages) for field, messages in self.rows.get(index, {}).items()}
        if self.set_errors:
            errors.setdefault(NON_FIELD_ERRORS, []).extend(self.set_errors)
        return errors


#: Rules of an event's tickets that apps above tickets add (they register them in their
#: ``AppConfig.ready``; tickets knows nothing of them): ``rule(event, tickets, deleted)``
#: returns ``(rows, set_errors)`` as ``InvalidTickets`` holds them. They may query,
#: and are asked holding the event's lock like the rest (orders: a ticket's quantity
#: is at least what is sold or held, and a ticket that has orders is not deleted).
TICKET_SET_RULES = []


def add_ticket_set_rule(rule):
    """Add ``rule`` to what ``check_ticket_set`` checks (once, however often it is added)."""
    if rule not in TICKET_SET_RULES:
        TICKET_SET_RULES.append(rule)


def check_ticket_set(event, tickets, others=(), deleted=()):
    """THE rules of an event's tickets taken together, for every way of changing them: the
    wizard (``save_tickets``; its formset checks early with it too), the API
    (``save_ticket``, ``delete_ticket``) and the admin (``check_with_others``).

    ``tickets``: the tickets being saved (new or changed), ``others``: the event's other
    tickets, left as they are; together, the event's tickets after the change. (One
    ticket's own rules are ``Ticket.clean``'s.)

    - Names are unique within the event, ignoring case: a ticket of ``tickets`` named like
      one of ``others``, or like one before it in ``tickets``, gets ``DUPLICATE_NAME`` on
      its name (a blank name is another rule's business).
    - A published event keeps at least one ticket: ``LAST_TICKET``.
    - New tickets may not take the event past ``MAX_TICKETS``: ``TOO_MANY_TICKETS``.
    - The rules other apps add (``TICKET_SET_RULES``), given ``deleted`` too (the stored
      tickets being deleted).

    ``InvalidTickets`` (rows keyed by the index in ``tickets``) otherwise. No queries
    of its own (the added rules' only): callers changing stored tickets read ``others``
    (and call it) holding the event's lock
    (``lock_event``). The database's constraint backs the names up; it lower-cases as
    the database does, this check as Python does (they agree but for a few letters
    outside ASCII, where the database's refusal is a ``ConcurrentChange``).
    """
    others = list(others)
    taken = {other.name.lower() for other in others if other.name}
    rows = {}
    for index, ticket in enumerate(tickets):
        name = (ticket.name or "").lower()
        if not name:
            continue
        if name in taken:
            rows[index] = {"name": [ValidationError(DUPLICATE_NAME, code="duplicate_name")]}
        taken.add(name)
    set_errors = []
    if event.is_published and not tickets and not others:
        set_errors.append(ValidationError(LAST_TICKET, code="no_tickets"))
    if any(ticket.pk is None for ticket in tickets) and len(tickets) + len(others) > MAX_TICKETS:
        set_errors.append(ValidationError(TOO_MANY_TICKETS, code="too_many_tickets"))
    for rule in TICKET_SET_RULES:
        more_rows, more_errors = rule(event, tickets, deleted)
        for index, fields in more_rows.items():
            for field, errors in fields.items():
                rows.setdefault(index, {}).setdefault(field, errors)
        set_errors.extend(more_errors)
    if rows or set_errors:
        raise InvalidTickets(rows, set_errors)


def ticket_errors(ticket):
    """``Ticket.clean`` and the fields' own rules, for one ticket: ``{field: [ValidationError]}``.

    The event is the caller's to check (a query per ticket otherwise); so are the
    constraints (``Ticket.get_constraints``: ``check_ticket_set`` and the database).
    """
    try:
        ticket.full_clean(exclude=["event"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return error.update_error_dict({})
    return {}


# --- publishing: what tickets ask of an event (events.services.add_publish_check) -------


def event_tickets(event):
    """The event's tickets in their order, read once per event object (the publish check and
    the wizard's review section share the read)."""
    prefetch_related_objects([event], "tickets")
    return list(event.tickets.all())


def publish_problems(event):
    """What tickets keep ``event`` from being published: it has no ticket, or a ticket's
    sales window does not fit the event (its dates may have moved since the tickets were
    saved). Asked by ``events.services.publish_problems`` (added in tickets.apps)."""
    tickets = event_tickets(event)
    problems = []
    if not tickets:
        problems.append("Add at least one ticket.")
    if event.ends_at:
        for ticket in tickets:
            if ticket.sales_ends_at and ticket.sales_ends_at > event.ends_at:
                problems.append(f"The sales of “{ticket.name}” end after the event ends.")
            elif ticket.sales_starts_at and ticket.sales_starts_at >= event.ends_at:
                problems.append(f"The sales of “{ticket.name}” start after the event ends.")
    return problems


# --- the wizard: all of an event's tickets at once -------------------------------------------


class ChangesNotAllowed(PermissionDenied):
    """The save would make changes (``operations``: "create", "update", "delete") the
    caller may not make: nothing was saved (a 403)."""

    def __init__(self, operations):
        self.operations = list(operations)
        super().__init__(f"Your role in this event does not allow this ({', '.join(self.operations)} tickets).")


def changes_made(tickets, stored, deleted_ids):
    """The operations saving ``tickets`` (in order, the stored ones by their ``pk``) and
    deleting ``deleted_ids`` makes, against ``stored`` (``{pk: ticket as stored}``): a new
    ticket is "create", a deleted one "delete", and a stored one whose values changed is
    "update", as is putting the stored tickets in another order. Renumbering what stays in
    order (as a new or a removed row does) is part of the other change, no update."""
    made = set()
    if any(ticket.pk is None for ticket in tickets):
        made.add("create")
    if deleted_ids:
        made.add("delete")
    kept = [ticket.pk for ticket in tickets if ticket.pk is not None]
    reordered = kept != sorted(kept, key=lambda pk: (stored[pk].position, pk))
    if reordered or any(
        _differs(ticket, stored[ticket.pk], Ticket.EDITABLE_FIELDS) for ticket in tickets if ticket.pk is not None
    ):
        made.add("update")
    return made


def save_tickets(event, tickets, deleted_ids=(), *, actor=None, may=None):
    """Save ``event``'s tickets as the wizard's page has them: all of it or nothing.

    ``tickets``: ``Ticket`` instances, in the order the event lists them (``position``
    follows it): new ones (no ``pk``) are created, stored ones (as read, with the values
    they are to have) are updated if their values differ from the stored ones. Stored
    tickets of the event that are neither in ``tickets`` nor deleted stay as they are
    (another save may have added them). ``deleted_ids``: the ids of stored tickets to
    delete, or a mapping of those ids to the ``version`` the caller read (a ticket changed
    since is then not deleted: ``ConcurrentChange``). ``tickets.forms.TicketFormSet``
    maps its rows to these (``tickets()``, ``deleted_ids()``) and the errors back to rows
    (``add_save_error``). Returns ``tickets``, saved.

    Checks: every ticket's own rules (``ticket_errors``), then, holding the event's lock,
    the rules of the tickets together (``check_ticket_set``): ``InvalidTickets``, keyed by
    the index in ``tickets``, otherwise, and nothing is saved.

    What changes, and who may: holding the lock, the operations the save makes
    (``changes_made``, against the stored tickets: create, update, delete). None: nothing
    is written (not even positions). ``may``: the caller's check of an operation (the
    wizard's: the role's ``ticket`` row); an operation it refuses is ``ChangesNotAllowed``
    (a 403) and nothing is saved. ``None``: every operation (the admin, commands).

    Changes, in one transaction that first locks the event's row (``lock_event``):
    deletes, updates the changed tickets, creates the new ones.

    Concurrent saves: holding the lock, every stored ticket kept or deleted must still
    exist, and every one changed must still be at the ``version`` it was read at (and
    deleted ones too, when the versions are given). Otherwise (another save came first)
    ``ConcurrentChange`` and nothing is saved: never a success reported for a ticket that
    is gone. The database's constraints back the rules up: if one fails (a writer outside
    these services), everything is rolled back and ``ConcurrentChange`` says so.

    Counts: bulk operations, so the number of queries does not grow with the number of
    tickets. They go through ``EventOwnedQuerySet`` (events.models), which bumps each
    changed ticket's ``version`` and the event's ``tickets_ver`` in the same
    transaction, as ``Ticket.save`` would; deletions are counted by events.signals.

    Each ticket created, changed or deleted is logged (``activity``) as done by ``actor``.
    """
    tickets = list(tickets)
    versions = dict(deleted_ids) if isinstance(deleted_ids, Mapping) else dict.fromkeys(deleted_ids)
    for position, ticket in enumerate(tickets):
        if ticket.event_id not in (None, event.pk):
            raise ValueError("A ticket of another event.")
        if ticket.pk is not None and ticket.pk in versions:
            raise ValueError("A ticket both kept and deleted.")
        ticket.event = event  # Ticket.clean reads the event's end (no query per ticket)
        ticket.position = position
    rows = {index: errors for index, ticket in enumerate(tickets) if (errors := ticket_errors(ticket))}
    if rows:
        raise InvalidTickets(rows)

    to_create = [ticket for ticket in tickets if ticket.pk is None]
    try:
        with transaction.atomic():
            locked = lock_event(event.pk)
            stored = {ticket.pk: ticket for ticket in Ticket.objects.for_event(event)}
            listed = {ticket.pk: ticket for ticket in tickets if ticket.pk is not None}
            if not (listed.keys() | versions.keys()) <= stored.keys():
                raise ConcurrentChange()  # deleted meanwhile
            if any(version is not None and stored[pk].version != version for pk, version in versions.items()):
                raise ConcurrentChange()  # changed meanwhile
            to_update = [ticket for pk, ticket in listed.items() if _differs(ticket, stored[pk])]
            if any(stored[ticket.pk].version != ticket.version for ticket in to_update):
                raise ConcurrentChange()
            made = changes_made(tickets, stored, versions)
            if not made:
                return tickets  # nothing to save (renumbering alone is no change: not written)
            refused = sorted(operation for operation in made if may is not None and not may(operation))
            if refused:
                raise ChangesNotAllowed(refused)
            others = [ticket for pk, ticket in stored.items() if pk not in listed and pk not in versions]
            check_ticket_set(locked, tickets, others, deleted=[stored[pk] for pk in versions])

            log = [(Action.DELETED, stored[pk], removed_values(stored[pk])) for pk in versions]
            log += [(Action.UPDATED, t, changes_between(snapshot(stored[t.pk]), t)) for t in to_update]
            if versions:
                Ticket.objects.for_event(event).filter(pk__in=list(versions)).delete()
            renamed = [ticket.pk for ticket in to_update if ticket.name != stored[ticket.pk].name]
            if renamed:
                # Names are unique per event (ignoring case), checked by the database row
                # by row: two tickets swapping names would collide halfway. Renamed rows
                # get a unique placeholder first; the bulk update below sets the real
                # names. (A plain update: the bump below counts the change.)
                placeholder = f"~{uuid.uuid4().hex}~"
                Ticket.objects.for_event(event).filter(pk__in=renamed).update(
                    name=Concat(Value(placeholder), Cast("pk", CharField()))
                )
            if to_update:
                now = timezone.now()
                for ticket in to_update:
                    ticket.updated_at = now
                Ticket.objects.for_event(event).bulk_update(to_update, UPDATE_FIELDS)
                # Their versions and the event's tickets_ver: a change ETags must show.
                Ticket.objects.for_event(event).filter(pk__in=[ticket.pk for ticket in to_update]).bump()
            if to_create:
                Ticket.objects.bulk_create(to_create)
                log += [(Action.CREATED, ticket, changes_between(None, ticket)) for ticket in to_create]
            log_actions(actor, event, log)
    except (IntegrityError, OperationalError, ConcurrentChange) as error:
        if isinstance(error, OperationalError) and not _lost_race(error):
            raise
        for ticket in to_create:  # they were not created after all
            ticket.pk = None
            ticket._state.adding = True
        raise ConcurrentChange() from None
    return tickets


def _differs(ticket, stored, fields=(*Ticket.EDITABLE_FIELDS, "position")):
    """Would saving ``ticket`` change the stored row (its ``fields``)?"""
    return any(getattr(ticket, name) != getattr(stored, name) for name in fields)


def _check_unchanged(event, *, must_exist, must_be_as_read):
    """``ConcurrentChange`` unless the tickets still exist, and those of ``must_be_as_read``
    are still at the version the caller read (one query; call it holding the lock)."""
    wanted = {ticket.pk for ticket in [*must_exist, *must_be_as_read]}
    if not wanted:
        return
    stored = dict(Ticket.objects.for_event(event).filter(pk__in=wanted).values_list("pk", "version"))
    if len(stored) < len(wanted) or any(stored[ticket.pk] != ticket.version for ticket in must_be_as_read):
        raise ConcurrentChange()


# --- one ticket at a time (the API, the admin) ----------------------------------------------


def check_with_others(event, ticket):
    """``check_ticket_set`` for ``ticket`` saved alone, with the event's other tickets as
    they are stored: ``ValidationError`` ``{field: [messages]}``. Call it holding the
    event's lock (``lock_event``), as ``save_ticket`` and the admin do."""
    others = Ticket.objects.for_event(event).exclude(pk=ticket.pk).only("pk", "name")
    try:
        check_ticket_set(event, [ticket], others)
    except InvalidTickets as error:
        raise ValidationError(error.for_ticket(0)) from None


@one_writer_at_a_time
def save_ticket(ticket, *, actor=None):
    """Create or change one ticket, by the wizard's rules.

    Checks: the fields' own rules and ``Ticket.clean`` (price only and always for Paid,
    quantity and order limits, sales window within the event), and the rules of the
    event's tickets together (``check_with_others``: no other ticket of the event has
    the name, ignoring case). Otherwise ``ValidationError`` with messages on the fields
    at fault, and nothing is saved. A ticket whose ``position`` is ``None`` goes after
    the event's others.

    Changes: saves it (``Ticket.save`` bumps its ``version`` and the event's
    ``tickets_ver`` in the same transaction), holding the event's lock (``lock_event``). A
    stored ticket must still be at the version it was read at (another save, or a
    deletion, came first): otherwise ``ConcurrentChange`` and nothing is saved. Logged as
    done by ``actor``.
    """
    event = lock_event(ticket.event_id)
    if not ticket._state.adding:
        _check_unchanged(event, must_exist=[], must_be_as_read=[ticket])
    if ticket.position is None:
        last = Ticket.objects.for_event(event).aggregate(last=Max("position"))["last"]
        ticket.position = 0 if last is None else last + 1
    errors = {}
    try:
        ticket.full_clean()  # Ticket.get_constraints: no constraint here, the set check below
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        check_with_others(event, ticket)
    except ValidationError as error:
        for field, messages in error.error_dict.items():
            errors.setdefault(field, messages)  # a field that failed its own rules keeps that message
    if errors:
        raise ValidationError(errors)
    adding = ticket._state.adding
    before = None if adding else snapshot(Ticket.objects.for_event(event).filter(pk=ticket.pk).first())
    try:
        with transaction.atomic():
            ticket.save()
            changes = changes_between(before, ticket)
            if adding or changes:
                log_action(actor, Action.CREATED if adding else Action.UPDATED, ticket, event=event, changes=changes)
    except IntegrityError:
        # The constraints are checked above under the lock: only a writer outside these
        # services (or the database lower-casing a name unlike Python) gets here.
        raise ConcurrentChange() from None
    return ticket


@one_writer_at_a_time
def delete_ticket(ticket, *, actor=None):
    """Delete one ticket, if the event's tickets keep to the rules without it
    (``check_ticket_set``: a published event keeps at least one): ``ValidationError``.

    The event's row is locked first (``lock_event``), so two concurrent deletions cannot
    take the last two; a ticket deleted meanwhile is ``ConcurrentChange``, not a success.
    The deletion bumps the event's ``tickets_ver`` (events.signals).
    """
    event = lock_event(ticket.event_id)
    _check_unchanged(event, must_exist=[ticket], must_be_as_read=[])
    try:
        others = Ticket.objects.for_event(event).exclude(pk=ticket.pk).only("pk", "name")
        check_ticket_set(event, [], others, deleted=[ticket])
    except InvalidTickets as error:
        raise ValidationError(error.set_errors) from None
    log_action(actor, Action.DELETED, ticket, event=event, changes=removed_values(ticket))
    ticket.delete()


def delete_tickets(tickets, *, actor=None):
    """Delete tickets, maybe of several events (the admin's bulk deletion), all or none:
    each event's tickets through ``save_tickets`` (its lock, its checks), the events'
    rows locked in the order of their ids."""
    by_event = {}
    for ticket in tickets:
        by_event.setdefault(ticket.event_id, []).append(ticket.pk)
    with transaction.atomic():
        for event in Event.objects.filter(pk__in=list(by_event)).order_by("pk"):
            save_tickets(event, [], by_event[event.pk], actor=actor)
