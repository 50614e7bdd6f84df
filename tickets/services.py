"""Business rules for tickets. Views, the API, the admin and commands call these."""

import functools
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import CharField, F, Max, Value
from django.db.models.functions import Cast, Concat, Lower
from django.utils import timezone

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


class ConcurrentChange(ValidationError):
    """Another save changed the event's tickets first: nothing of this one was saved.

    A ``ValidationError`` (the wizard shows it above the rows), answered 409 by the API.
    """

    def __init__(self):
        super().__init__(CONCURRENT_CHANGE, code="concurrent_change")


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


def save_tickets(event, formset):
    """Apply a ticket formset (``tickets.forms.TicketFormSet``) to ``event``: all of it or nothing.

    Returns the event's tickets as they now are, in order.

    Checks: the formset is valid, which means every row passes ``Ticket.clean`` (price
    only and always for Paid, quantity and order limits, sales window within the event)
    and the names are unique in the event ignoring case. Otherwise ``ValidationError``
    and nothing is saved. The database's constraints back this up: if a concurrent
    change makes one fail, everything is rolled back and ``ValidationError`` says so.

    Changes, in one transaction that first locks the event's row (``lock_event``):
    deletes the rows marked for deletion, updates the changed ones, creates the new ones;
    ``position`` follows the order of the rows.

    Concurrent saves: holding the lock, every stored ticket the formset keeps, changes or
    deletes must still exist, and those it changes or deletes must still be at the
    version the formset read; a published event must keep a ticket. Otherwise (another
    save came first) ``ConcurrentChange`` and nothing is saved: never a success reported
    for a ticket that is gone, never a published event left without a ticket.

    Counts: bulk operations, so the number of queries does not grow with the number of
    tickets. They go through ``EventOwnedQuerySet`` (events.models), which bumps each
    changed ticket's ``version`` and the event's ``tickets_ver`` in the same
    transaction, as ``Ticket.save`` would; deletions are counted by events.signals.
    """
    if formset.instance.pk != event.pk:
        raise ValueError("The formset belongs to another event.")
    if not formset.is_valid():
        raise ValidationError("The tickets have errors; nothing was saved.", code="invalid")

    deleted_tickets = [form.instance for form in formset.deleted_forms if form.instance.pk is not None]
    deleted = [ticket.pk for ticket in deleted_tickets]
    kept = formset.kept_forms()
    to_create, to_update, renamed = [], [], []
    for position, form in enumerate(kept):
        ticket = form.instance  # holds the cleaned values (ModelForm validation put them there)
        if ticket.pk is None:
            ticket.event = event
            ticket.position = position
            to_create.append(ticket)
        elif form.has_changed() or ticket.position != position:
            ticket.position = position
            to_update.append(ticket)
            if form.initial.get("name") != ticket.name:
                renamed.append(ticket.pk)

    kept_stored = [form.instance for form in kept if form.instance.pk is not None]
    try:
        with transaction.atomic():
            locked = lock_event(event.pk)
            _check_unchanged(event, must_exist=kept_stored, must_be_as_read=[*deleted_tickets, *to_update])
            if deleted:
                Ticket.objects.filter(event=event, pk__in=deleted).delete()
            if renamed:
                # Names are unique per event (ignoring case), checked by the database row
                # by row: two tickets swapping names would collide halfway. Renamed rows
                # get a unique placeholder first; the bulk update below sets the real
                # names. (Setting ``version`` to itself tells EventOwnedQuerySet.update
                # not to count this step: the bulk update below counts the change.)
                placeholder = f"~{uuid.uuid4().hex}~"
                Ticket.objects.filter(event=event, pk__in=renamed).update(
                    name=Concat(Value(placeholder), Cast("pk", CharField())), version=F("version")
                )
            if to_update:
                now = timezone.now()
                for ticket in to_update:
                    ticket.updated_at = now
                Ticket.objects.filter(event=event).bulk_update(to_update, UPDATE_FIELDS)
            if to_create:
                Ticket.objects.bulk_create(to_create)
            if locked.is_published and not Ticket.objects.filter(event=event).exists():
                raise ConcurrentChange()
    except (IntegrityError, OperationalError, ConcurrentChange) as error:
        if isinstance(error, OperationalError) and not _lost_race(error):
            raise
        for ticket in to_create:  # they were not created after all
            ticket.pk = None
            ticket._state.adding = True
        raise ConcurrentChange() from None
    return [form.instance for form in kept]


def _check_unchanged(event, *, must_exist, must_be_as_read):
    """``ConcurrentChange`` unless the tickets still exist, and those of ``must_be_as_read``
    are still at the version the caller read (one query; call it holding the lock)."""
    wanted = {ticket.pk for ticket in [*must_exist, *must_be_as_read]}
    if not wanted:
        return
    stored = dict(Ticket.objects.filter(event=event, pk__in=wanted).values_list("pk", "version"))
    if len(stored) < len(wanted) or any(stored[ticket.pk] != ticket.version for ticket in must_be_as_read):
        raise ConcurrentChange()


# --- one ticket at a time (the API) ---------------------------------------------------------

# The wizard's messages for the rules that need more than one ticket (tickets.forms).
DUPLICATE_NAME = "Another ticket of this event has this name (names are compared ignoring case)."
LAST_TICKET = "A published event needs at least one ticket."


def name_taken(ticket):
    """Does another ticket of the event have this ticket's name, compared as the database's
    constraint compares (lower-cased by the database)?"""
    others = Ticket.objects.filter(event_id=ticket.event_id).exclude(pk=ticket.pk)
    return others.alias(lower_name=Lower("name")).filter(lower_name=Lower(Value(ticket.name))).exists()


@one_writer_at_a_time
def save_ticket(ticket):
    """Create or change one ticket, by the wizard's rules.

    Checks: the fields' own rules and ``Ticket.clean`` (price only and always for Paid,
    quantity and order limits, sales window within the event), and that no other ticket
    of the event has the name ignoring case. Otherwise ``ValidationError`` with messages
    on the fields at fault, and nothing is saved. A ticket whose ``position`` is ``None``
    goes after the event's others.

    Changes: saves it (``Ticket.save`` bumps its ``version`` and the event's
    ``tickets_ver`` in the same transaction), holding the event's lock (``lock_event``). A
    stored ticket must still be at the version it was read at (another save, or a
    deletion, came first): otherwise ``ConcurrentChange`` and nothing is saved.
    """
    lock_event(ticket.event_id)
    if not ticket._state.adding:
        _check_unchanged(ticket.event_id, must_exist=[], must_be_as_read=[ticket])
    if ticket.position is None:
        last = Ticket.objects.filter(event_id=ticket.event_id).aggregate(last=Max("position"))["last"]
        ticket.position = 0 if last is None else last + 1
    errors = {}
    try:
        # The check constraints are Ticket.clean's rules with field messages; the name's
        # uniqueness gets the wizard's message below.
        ticket.full_clean(validate_constraints=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if "name" not in errors and ticket.name and name_taken(ticket):
        errors["name"] = [DUPLICATE_NAME]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError:
        # The constraints are clean's rules and the name's uniqueness, checked above
        # under the lock: only a writer outside these services gets here.
        if name_taken(ticket):
            raise ValidationError({"name": DUPLICATE_NAME}) from None
        raise ConcurrentChange() from None
    return ticket


@one_writer_at_a_time
def delete_ticket(ticket):
    """Delete one ticket; a published event keeps at least one (``ValidationError``).

    The event's row is locked first (``lock_event``), so two concurrent deletions cannot
    take the last two; a ticket deleted meanwhile is ``ConcurrentChange``, not a success.
    The deletion bumps the event's ``tickets_ver`` (events.signals).
    """
    event = lock_event(ticket.event_id)
    _check_unchanged(event, must_exist=[ticket], must_be_as_read=[])
    if event.is_published and not Ticket.objects.filter(event=event).exclude(pk=ticket.pk).exists():
        raise ValidationError(LAST_TICKET, code="no_tickets")
    ticket.delete()
