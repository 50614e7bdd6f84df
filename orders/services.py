"""The rules of orders: placing one, marking it paid, cancelling it, expiring held seats.
Pages, the API, the admin and commands call these (docs/architecture.md, "Orders").

Never oversold: placing an order takes the event's row lock first (``tickets.services.
lock_event``, the lock every write of the event's tickets takes), then checks what is
left and inserts the order in the same transaction. So orders of one event, and changes
of its tickets, take turns; a ticket's quantity cannot be lowered below what is sold or
held (``check_tickets_against_orders``, a rule ``tickets.services.check_ticket_set`` asks).
On SQLite every transaction takes the database's write lock when it begins
(``transaction_mode`` IMMEDIATE), which serializes them the same way.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.errors import Conflict
from core.mail import mailbox_of, may_send
from core.outbox import send
from core.validators import NOT_SINGLE_LINE, SINGLE_LINE_ERROR, check_email_address
from events.models import Event
from notifications import services as notifications
from notifications.models import Notification
from orders.models import MAILBOX_MAX, IdempotencyRecord, Order, OrderLine
from permissions import resources
from permissions.models import EventRole
from tickets.models import Ticket
from tickets.services import ConcurrentChange, lock_event, one_writer_at_a_time

logger = logging.getLogger(__name__)

#: The largest quantity of one line anyone may ask for (beyond it: "not a sensible number").
MAX_QUANTITY = 10_000


def column_max(model, field):
    """The largest value a ``DecimalField`` column holds (SQLite stores more, then cannot
    read it back: every money value is checked against its column before it is saved)."""
    field = model._meta.get_field(field)
    return Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(1).scaleb(-field.decimal_places)


#: The largest donation of one line.
MAX_DONATION = column_max(OrderLine, "donation")
#: The largest unit price of a line (a ticket's price has the same column).
MAX_PRICE = column_max(OrderLine, "unit_price")
#: The largest total of an order (its column's), and so of one line too.
MAX_TOTAL = column_max(Order, "total")
#: How long an ``IdempotencyRecord`` answers retries.
IDEMPOTENCY_TTL = timedelta(hours=24)
NAME_MAX = Order._meta.get_field("name").max_length
EMAIL_MAX = Order._meta.get_field("email").max_length
ORDER_RESOURCE = resources.ORDER


class InvalidOrder(ValidationError):
    """An order that breaks a rule: nothing was stored.

    ``fields``: ``{"name"|"email"|"lines"|"__all__": [messages]}``; ``lines``: ``{index in
    the lines given: {"ticket"|"quantity"|"amount": [messages]}}``.
    """

    def __init__(self, fields=None, lines=None):
        self.fields = {name: list(messages) for name, messages in (fields or {}).items()}
        self.lines = lines or {}
        messages = [m for ms in self.fields.values() for m in ms]
        messages += [m for line in self.lines.values() for ms in line.values() for m in ms]
        super().__init__(messages)

    def as_dict(self):
        """The API's 400 body, as DRF words its own: field → messages, and ``lines`` as
        ``{index of the line, from 0: {field: messages}}`` for the lines at fault."""
        body = {("non_field_errors" if name == "__all__" else name): ms for name, ms in self.fields.items()}
        if self.lines:
            body["lines"] = {str(index): fields for index, fields in sorted(self.lines.items())}
        return body


class NotEnoughLeft(Conflict):
    """A line asks for more seats than are left: a 409, nothing stored."""

    def __init__(self, ticket, available):
        self.ticket_id = ticket.pk
        self.available = available
        name = ticket.name
        super().__init__(f"Only {available} of “{name}” left." if available else f"“{name}” is sold out.")


class OrderStateConflict(Conflict):
    """The order is not (any more) in a state that allows this change: a 409."""


class TooManyHeld(Conflict):
    """The buyer (its e-mail address, account or client address) would hold more unpaid
    seats of the event than ``EVENTDESK_MAX_HELD_SEATS``: nothing stored. ``retry_after``:
    seconds until the first of its holds ends (``None`` if none will: free seats)."""

    def __init__(self, held, retry_after):
        self.held = held
        self.retry_after = retry_after
        limit = max_held_seats()
        message = (
            f"You already hold {held} unpaid seat{'' if held == 1 else 's'} of this event; "
            f"one buyer may hold at most {limit} at once."
        )
        if retry_after:
            message += " Pay or cancel your pending orders, or wait until they expire."
        super().__init__(message)


class KeyReused(Conflict):
    """An idempotency key already used for another request (the API answers 422)."""

    def __init__(self):
        super().__init__("This Idempotency-Key was used with another request body: use a new key for a new order.")


@dataclass
class Line:
    """One line asked for: a ticket's id, a quantity, a donation amount (or ``None``)."""

    ticket: object
    quantity: object
    amount: object = None


def hold_minutes():
    return settings.EVENTDESK_ORDER_HOLD_MINUTES


def max_held_seats():
    return settings.EVENTDESK_MAX_HELD_SEATS


def unpaid(now):
    """The lines whose seats are held without payment at ``now``: of pending orders not
    yet expired, and of orders paid at once because free (total 0)."""
    return Q(order__state=Order.State.PENDING, order__expires_at__gt=now) | Q(
        order__state=Order.State.PAID, order__total=0
    )


def held_by_buyer(event, *, email, user=None, client="", now=None):
    """The unpaid seats (``unpaid``) of ``event`` held by the buyer: the most of those held
    by pending orders to its e-mail address's mailbox (``Order.mailbox``, ``core.mail.mailbox_of``:
    case, ``+tags``, quoting and the domain's encodings aside), by its account, and by its
    client address (``Order.client``); and the first moment one of these holds ends (or
    ``None``). One query."""
    now = now or timezone.now()
    held = OrderLine.objects.filter(order__event_id=event.pk).filter(unpaid(now))
    mailbox = mailbox_of(email)[:MAILBOX_MAX]
    # By the mailbox only pending holds count, which end: anyone may name any address,
    # and free seats (paid at once, never ending) filling a mailbox's bound would shut its
    # owner out for good. Free seats count by the account and the client address.
    buyer = Q(order__mailbox=mailbox, order__state=Order.State.PENDING)
    sums = {"by_email": Sum("quantity", filter=buyer)}
    if user is not None and user.pk is not None:
        buyer |= Q(order__user_id=user.pk)
        sums["by_user"] = Sum("quantity", filter=Q(order__user_id=user.pk))
    if client:
        buyer |= Q(order__client=client)
        sums["by_client"] = Sum("quantity", filter=Q(order__client=client))
    row = held.filter(buyer).aggregate(
        **sums, ends=Min("order__expires_at", filter=Q(order__state=Order.State.PENDING))
    )
    return max(value or 0 for name, value in row.items() if name != "ends"), row["ends"]


def holding(now=None):
    """The lines whose orders hold their seats at ``now``: paid, or pending and not yet
    expired (whether or not the expiry was written)."""
    now = now or timezone.now()
    return Q(order__state=Order.State.PAID) | Q(order__state=Order.State.PENDING, order__expires_at__gt=now)


def held_by_ticket(ticket_ids, now=None):
    """``{ticket id: seats held (paid or pending)}`` for these tickets, in one query."""
    rows = (
        OrderLine.objects.filter(ticket_id__in=list(ticket_ids))
        .filter(holding(now))
        .values("ticket_id")
        .annotate(held=Sum("quantity"))
        .order_by()
    )
    return {row["ticket_id"]: row["held"] for row in rows}


def sales_by_ticket(event, now=None):
    """Per ticket of ``event``: ``{ticket id: {"paid": n, "pending": n}}`` (one query)."""
    now = now or timezone.now()
    rows = (
        OrderLine.objects.filter(ticket__event=event)
        .values("ticket_id")
        .annotate(
            paid=Sum("quantity", filter=Q(order__state=Order.State.PAID)),
            pending=Sum("quantity", filter=Q(order__state=Order.State.PENDING, order__expires_at__gt=now)),
        )
        .order_by()
    )
    return {row["ticket_id"]: {"paid": row["paid"] or 0, "pending": row["pending"] or 0} for row in rows}


def with_held(tickets, now=None):
    """``tickets`` (a queryset) with ``held``: the seats in paid and pending orders, read in
    the same query."""
    now = now or timezone.now()
    active = Q(order_lines__order__state=Order.State.PAID) | Q(
        order_lines__order__state=Order.State.PENDING, order_lines__order__expires_at__gt=now
    )
    return tickets.annotate(held=Coalesce(Sum("order_lines__quantity", filter=active), 0))


def availability(tickets, now=None):
    """``{ticket id: seats left}``: quantity − seats in paid and pending orders (never below 0)."""
    tickets = list(tickets)
    held = held_by_ticket([ticket.pk for ticket in tickets], now)
    return {ticket.pk: max(0, ticket.quantity - held.get(ticket.pk, 0)) for ticket in tickets}


# --- the rule tickets ask (tickets.services.check_ticket_set) ---------------------------------

SOLD_OR_HELD = "{held} of this ticket are sold or held by orders: the quantity cannot be less."
HAS_ORDERS = "“{name}” has orders, so it cannot be deleted (hide it instead)."


TOTAL_TOO_LARGE = (
    "At this price an order of {max_order} would cost more than an order's total can be ({limit}): "
    "at most {fits} per order."
)


def _largest_order_errors(tickets):
    """A ticket's price × its maximum per order must fit an order's total (``MAX_TOTAL``):
    ``{index: {"max_order": [ValidationError]}}`` (no query)."""
    rows = {}
    for index, ticket in enumerate(tickets):
        price, max_order = ticket.price, ticket.max_order
        if not isinstance(price, Decimal) or not price.is_finite() or price <= 0 or not isinstance(max_order, int):
            continue  # no price (or one its own field refuses): nothing to multiply
        if price * max_order > MAX_TOTAL:
            fits = int(MAX_TOTAL // price)
            message = TOTAL_TOO_LARGE.format(max_order=max_order, limit=MAX_TOTAL, fits=fits)
            rows[index] = {"max_order": [ValidationError(message, code="total_too_large")]}
    return rows


def check_tickets_against_orders(event, tickets, deleted):
    """The orders' rules of an event's tickets: a ticket's price × maximum per order fits
    an order's total; a ticket's quantity is at least what is sold or held; a ticket that
    has orders (in any state) is not deleted.
    Returns ``(rows, set_errors)`` as ``check_ticket_set`` merges them (one query)."""
    too_large = _largest_order_errors(tickets)
    stored = [ticket for ticket in tickets if ticket.pk is not None]
    deleted = list(deleted)
    if not stored and not deleted:
        return too_large, []
    now = timezone.now()
    counts = {
        row["ticket_id"]: row
        for row in OrderLine.objects.filter(ticket_id__in=[t.pk for t in [*stored, *deleted]])
        .values("ticket_id")
        .annotate(held=Sum("quantity", filter=holding(now)), lines=Count("id"))
        .order_by()
    }
    rows = {}
    for index, ticket in enumerate(tickets):
        held = (counts.get(ticket.pk) or {}).get("held") or 0
        if ticket.pk is not None and ticket.quantity is not None and ticket.quantity < held:
            rows[index] = {"quantity": [ValidationError(SOLD_OR_HELD.format(held=held), code="sold_or_held")]}
    for index, fields in too_large.items():
        rows.setdefault(index, {}).update(fields)
    set_errors = [
        ValidationError(HAS_ORDERS.format(name=ticket.name), code="has_orders")
        for ticket in deleted
        if ticket.pk in counts
    ]
    return rows, set_errors


# --- placing an order ------------------------------------------------------------------------


def _whole_number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.lstrip("-").isdigit() and len(text) <= 12:
        return int(text)
    return None


def _amount(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ValueError
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError from None
    if not amount.is_finite():
        raise ValueError
    return abs(amount) if amount.is_zero() else amount  # "-0" is 0 (PostgreSQL keeps no -0)


def _check_buyer(name, email):
    errors = {}
    name = (name or "").strip() if isinstance(name, str) else None
    if name is None:
        errors["name"] = ["Enter a name."]
    elif not name:
        errors["name"] = ["Enter the buyer's name."]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"At most {NAME_MAX} characters."]
    elif NOT_SINGLE_LINE.search(name):
        errors["name"] = [SINGLE_LINE_ERROR]
    email = (email or "").strip() if isinstance(email, str) else None
    if not email:
        errors["email"] = ["Enter the buyer's e-mail address."]
    elif len(email) > EMAIL_MAX:  # validate_email takes up to 320: more than the column holds
        errors["email"] = [f"At most {EMAIL_MAX} characters."]
    else:
        try:
            check_email_address(email)
        except ValidationError:
            errors["email"] = ["Enter a valid e-mail address."]
    return name, email, errors


def _check_lines_shape(lines):
    """The lines' own values (no query): ``(parsed lines, errors by index)``."""
    parsed, errors = [], {}
    seen = set()
    for index, line in enumerate(lines):
        line_errors = {}
        ticket_id = _whole_number(line.ticket)
        if ticket_id is None or ticket_id < 1:
            line_errors["ticket"] = ["Name a ticket by its id."]
        elif ticket_id in seen:
            line_errors["ticket"] = ["This ticket is on another line too: one line per ticket."]
        seen.add(ticket_id)
        quantity = _whole_number(line.quantity)
        if quantity is None:
            line_errors["quantity"] = ["Enter a whole number."]
        elif quantity < 1:
            line_errors["quantity"] = ["Order at least 1."]
        elif quantity > MAX_QUANTITY:
            line_errors["quantity"] = [f"At most {MAX_QUANTITY}."]
        try:
            amount = _amount(line.amount)
        except ValueError:
            line_errors["amount"] = ["Enter an amount, such as 10 or 12.50."]
            amount = None
        else:
            if amount is not None and amount < 0:
                line_errors["amount"] = ["A donation is at least 0."]
            elif amount is not None and (amount > MAX_DONATION or -amount.as_tuple().exponent > 2):
                line_errors["amount"] = ["Enter an amount up to 99999999.99, with at most 2 decimals."]
        if line_errors:
            errors[index] = line_errors
        parsed.append(Line(ticket_id, quantity, amount))
    return parsed, errors


def _check_lines_rules(event, lines, tickets, now):
    """Each line against its ticket's rules: ``{index: {field: [messages]}}``."""
    errors = {}
    for index, line in enumerate(lines):
        ticket = tickets.get(line.ticket)
        if ticket is None:
            errors[index] = {"ticket": ["No such ticket in this event."]}
            continue
        problems = {}
        if ticket.hidden:
            problems["ticket"] = ["This ticket is not on sale."]
        elif ticket.sales_starts_at and ticket.sales_starts_at > now:
            start = timezone.localtime(ticket.sales_starts_at, event.tzinfo)
            problems["ticket"] = [f"Sales of this ticket start on {start:%Y-%m-%d %H:%M} ({event.timezone})."]
        elif ticket.sales_ends_at and ticket.sales_ends_at <= now:
            problems["ticket"] = ["Sales of this ticket have ended."]
        if line.quantity < ticket.min_order:
            problems["quantity"] = [f"Order at least {ticket.min_order} of this ticket."]
        elif line.quantity > ticket.max_order:
            problems["quantity"] = [f"Order at most {ticket.max_order} of this ticket."]
        if ticket.type == Ticket.Type.DONATION:
            if line.amount is None:
                problems["amount"] = ["Enter the amount of your donation (0 or more)."]
        elif line.amount is not None:
            problems["amount"] = ["Only donation tickets take an amount."]
        if problems:
            errors[index] = problems
    return errors


def expire_due(event=None, now=None):
    """Mark expired the pending orders whose hold is over (of ``event``, an Event or its
    id, or of all events);
    returns how many. Their seats were free already (``holding``)."""
    now = now or timezone.now()
    due = Order.objects.filter(state=Order.State.PENDING, expires_at__lte=now)
    if event is not None:
        due = due.filter(event_id=getattr(event, "pk", event))
    return due.update(state=Order.State.EXPIRED, version=F("version") + 1)


def place_order(event, *, name, email, lines, site_url="", user=None, client="", now=None):
    """Place an order of ``event``'s tickets for a buyer; returns the ``Order`` (lines saved).

    ``lines``: ``Line`` (or mappings with ``ticket``, ``quantity``, ``amount``). Rules:
    the event is published; each ticket is this event's, not hidden, in its sales window;
    each quantity within the ticket's minimum and maximum per order; a donation line
    carries an amount of at least 0, other lines none; one line per ticket. Otherwise
    ``InvalidOrder`` and nothing is stored; so is a total larger than its column
    (``MAX_TOTAL``). A line asking for more than is left: ``NotEnoughLeft`` (a 409),
    nothing stored. A buyer who would hold more than ``EVENTDESK_MAX_HELD_SEATS`` unpaid
    seats of the event (counted by e-mail address, by ``user``, the account, and by
    ``client``, a digest of the client's address, ``orders.throttling.client_digest``):
    ``TooManyHeld``, nothing stored; one order alone within its tickets' maximum per
    order is always allowed.

    In one transaction that first locks the event's row: expires the event's due
    orders, reads what is left of the tickets, inserts the order. A total of 0 is paid
    at once; otherwise the order is pending for ``EVENTDESK_ORDER_HOLD_MINUTES``. After
    the commit the buyer gets an e-mail with the order's link and the event's organizers
    a notification. ``site_url`` (``https://host``) makes the e-mail's link absolute. The
    e-mail goes at most ``EVENTDESK_MAIL_PER_RECIPIENT_HOUR`` times an hour to one address
    (``core.mail.may_send``): past it the order stands, its page (the link the page or
    API answer carries) shows everything the e-mail would.
    """
    lines = [line if isinstance(line, Line) else Line(**line) for line in lines]
    name, email, field_errors = _check_buyer(name, email)
    if not lines:
        field_errors["lines"] = ["Choose at least one ticket."]
    parsed, line_errors = _check_lines_shape(lines)
    if field_errors or line_errors:
        raise InvalidOrder(field_errors, line_errors)
    user = user if user is not None and getattr(user, "is_authenticated", False) else None
    order = _place(event, name, email, parsed, now or timezone.now(), user=user, client=client or "")
    transaction.on_commit(lambda: _tell_about(order, site_url), robust=True)
    return order


@one_writer_at_a_time
def _place(event, name, email, lines, now, *, user=None, client=""):
    locked = lock_event(event.pk)
    if locked.state != Event.State.PUBLISHED:
        raise InvalidOrder({"__all__": ["This event is not published: its tickets cannot be ordered."]})
    expire_due(event, now)
    tickets = Ticket.objects.for_event(event).filter(pk__in=[line.ticket for line in lines]).in_bulk()
    line_errors = _check_lines_rules(event, lines, tickets, now)
    if line_errors:
        raise InvalidOrder(lines=line_errors)
    wanted = sum(line.quantity for line in lines)
    held, ends = held_by_buyer(event, email=email, user=user, client=client, now=now)
    if held and held + wanted > max_held_seats():
        retry_after = max(1, int((ends - now).total_seconds()) + 1) if ends else None
        raise TooManyHeld(held, retry_after)
    left = availability([tickets[line.ticket] for line in lines], now)
    for line in lines:
        if line.quantity > left[line.ticket]:
            raise NotEnoughLeft(tickets[line.ticket], left[line.ticket])

    order_lines = [
        OrderLine(
            ticket=tickets[line.ticket],
            quantity=line.quantity,
            unit_price=tickets[line.ticket].price or Decimal("0"),
            donation=line.amount if tickets[line.ticket].type == Ticket.Type.DONATION else None,
        )
        for line in lines
    ]
    total = sum((line.subtotal for line in order_lines), Decimal("0"))
    if total > MAX_TOTAL or any(line.unit_price > MAX_PRICE for line in order_lines):
        raise InvalidOrder({"__all__": [f"This order's total would be more than {MAX_TOTAL}: order fewer tickets."]})
    order = Order(event_id=event.pk, name=name, email=email, total=total, user=user, client=client)
    order.event = event
    if total == 0:
        order.state, order.paid_at = Order.State.PAID, now
    else:
        order.state, order.expires_at = Order.State.PENDING, now + timedelta(minutes=hold_minutes())
    for _attempt in range(5):
        try:
            with transaction.atomic():
                order.save(force_insert=True)
            break
        except IntegrityError:  # the code was taken (a one-in-a-billion draw): draw again
            order.pk = None
            order._state.adding = True
            order.code = type(order)._meta.get_field("code").default()
    else:
        raise ConcurrentChange()
    for line in order_lines:
        line.order = order
    OrderLine.objects.bulk_create(order_lines)
    order._prefetched_objects_cache = {"lines": order_lines}
    return order


# --- placing an order once per key (the API's Idempotency-Key, the order form's token) -----


@one_writer_at_a_time
def place_order_once(event, *, scope, key, fingerprint="", answer, now=None, **order):
    """``place_order`` unless ``key`` was used already in ``scope`` within
    ``IDEMPOTENCY_TTL``: returns ``(record, placed)``, the ``IdempotencyRecord`` holding
    the first answer (``status``, ``body``, ``order``) and whether this call placed it.

    ``answer(order) -> (status, body)`` makes the answer to keep (a JSON-able body).
    ``fingerprint`` (a digest of the request's body): a key used before with another one
    is ``KeyReused``, nothing placed. Only a placed order is kept: a refusal (400, 409,
    429) stores nothing, so the same key may be tried again.

    In one transaction that first locks the event's row (the lock ``place_order`` takes):
    a retry racing the first request waits for it and then finds its record (and on
    SQLite every transaction takes the write lock as it begins). The record is inserted
    in the order's transaction, so there is no order without its record nor the reverse.
    """
    now = now or timezone.now()
    lock_event(event.pk)
    record = IdempotencyRecord.objects.filter(scope=scope, key=key, created_at__gt=now - IDEMPOTENCY_TTL).first()
    if record is not None:
        if fingerprint and record.fingerprint != fingerprint:
            raise KeyReused()
        return record, False
    IdempotencyRecord.objects.filter(scope=scope, key=key).delete()  # one past its time
    placed = place_order(event, now=now, **order)
    status, body = answer(placed)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                scope=scope, key=key, fingerprint=fingerprint, status=status, body=body, order=placed, created_at=now
            )
    except IntegrityError:  # a writer outside this lock took the key: not placed after all
        raise ConcurrentChange() from None
    return record, True


def forget_idempotency_records(now=None):
    """Delete the ``IdempotencyRecord`` rows older than ``IDEMPOTENCY_TTL`` (they answer
    nothing any more); returns how many."""
    now = now or timezone.now()
    return IdempotencyRecord.objects.filter(created_at__lte=now - IDEMPOTENCY_TTL).delete()[0]


def _tell_about(order, site_url=""):
    """After the order is committed: the buyer's e-mail, the organizers' notification."""
    event = order.event
    link = site_url.rstrip("/") + order.get_buyer_url()
    body = [f"Thank you for your order {order.code} for {event.name}.", ""]
    body += [f"{line.quantity} × {line.ticket.name}" for line in order.lines.all()]
    body += ["", f"Total: {order.total} {event.currency}", f"State: {order.get_state_display()}", ""]
    if order.is_pending and event.payment_instructions:
        body += ["How to pay:", event.payment_instructions, ""]
    body += ["Your order, at any time:", link]
    if may_send("order", order.email):
        # A failed send is logged (core.outbox): the order stands, its page shows everything.
        send(f"Your order {order.code} – {event.name}", "\n".join(body), [order.email])
    else:
        logger.warning("Order %s: its confirmation not sent (too many e-mails to the address this hour)", order.code)
    with transaction.atomic():
        organizers = organizers_of(event)
        if organizers:
            notify_organizers(
                organizers,
                title=f"New order {order.code}: {order.total} {event.currency}",
                message=f"{order.name} ordered tickets for {event.name}.",
                link=order.get_dashboard_url(),
            )


def organizers_of(event):
    """Who is told of new orders: the event's role holders whose role may read orders."""
    from accounts.models import User

    user_ids = EventRole.objects.filter(
        event_id=event.pk,
        role__permissions__service__name=ORDER_RESOURCE,
        role__permissions__can_read=True,
    ).values("user_id")
    return list(User.objects.filter(pk__in=user_ids, is_active=True))


def notify_organizers(users, *, title, message, link):
    notifications.notify_many(users, Notification.Action.NEW_ORDER, title, message, link=link)


# --- changing an order ------------------------------------------------------------------------


def _locked_order(order):
    """The event's row, then the order's, locked (the order every write of orders takes)."""
    lock_event(order.event_id)
    try:
        return Order.objects.select_for_update().get(pk=order.pk)
    except Order.DoesNotExist:
        raise ConcurrentChange() from None


def _refresh(order, locked):
    for field in ("state", "paid_at", "cancelled_at", "expires_at", "version"):
        setattr(order, field, getattr(locked, field))
    return order


@one_writer_at_a_time
def mark_paid(order, now=None):
    """An organizer received the payment: pending → paid. An expired, cancelled or
    already paid order: ``OrderStateConflict`` (409), nothing changed."""
    now = now or timezone.now()
    locked = _locked_order(order)
    if locked.state == Order.State.PENDING and locked.expires_at <= now:
        expire_due(order.event_id, now)
        locked.refresh_from_db()
    if locked.state != Order.State.PENDING:
        state = locked.get_state_display().lower()
        raise OrderStateConflict(f"This order is {state}: only a pending order can be marked paid.")
    Order.objects.filter(pk=locked.pk).update(state=Order.State.PAID, paid_at=now, version=F("version") + 1)
    locked.refresh_from_db()
    return _refresh(order, locked)


@one_writer_at_a_time
def cancel_order(order, *, by_buyer=False, now=None):
    """Cancel an order, freeing its seats: an organizer, a pending or paid one; the buyer
    (``by_buyer``), a pending one only. Otherwise ``OrderStateConflict`` (409)."""
    now = now or timezone.now()
    locked = _locked_order(order)
    if locked.state == Order.State.PENDING and locked.expires_at <= now:
        expire_due(order.event_id, now)
        locked.refresh_from_db()
    allowed = (Order.State.PENDING,) if by_buyer else Order.HOLDING
    if locked.state not in allowed:
        what = "pending" if by_buyer else "pending or paid"
        state = locked.get_state_display().lower()
        raise OrderStateConflict(f"This order is {state}: only a {what} order can be cancelled.")
    Order.objects.filter(pk=locked.pk).update(state=Order.State.CANCELLED, cancelled_at=now, version=F("version") + 1)
    locked.refresh_from_db()
    return _refresh(order, locked)


def set_state(order, state):
    """The API's PATCH: ``"paid"`` marks paid, ``"cancelled"`` cancels (as an organizer)."""
    if state == Order.State.PAID:
        return mark_paid(order)
    if state == Order.State.CANCELLED:
        return cancel_order(order)
    raise ValidationError({"state": ['Set "paid" or "cancelled".']})
