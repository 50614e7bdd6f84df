"""The rules of orders: placing one, marking it paid, cancelling it, expiring held seats.
Pages, the API, the admin and commands call these (docs/architecture.md, "Orders").

Never oversold: placing an order takes the event's row lock first (``tickets.services.
lock_event``, the lock every write of the event's tickets takes), then checks what is
left and inserts the order in the same transaction. So orders of one event, and changes
of its tickets, take turns; a ticket's quantity cannot be lowered below what is sold or
held (``check_tickets_against_orders``, a rule ``tickets.services.check_ticket_set`` asks).
On SQLite every transaction takes the database's write lock when it begins
(``transaction_mode`` IMMEDIATE), which serializes them the same way.

One path per change: each one takes its ``actor`` and writes its activity entry in its
own transaction, which also queues what comes after (the buyer's e-mail, the new-order
notification, the order's expiry: background tasks, ``orders.tasks``). Nothing that
reads orders writes them: a pending order past its hold holds no seats (``holding``).
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
from django.utils.crypto import constant_time_compare

from activity.services import Action, changes_between, log_action, log_actions, snapshot
from core.errors import Conflict
from core.mail import may_send
from core.outbox import send_later
from core.validators import NOT_SINGLE_LINE, SINGLE_LINE_ERROR, check_email_address
from events.models import Event
from orders.models import IdempotencyRecord, Order, OrderLine, SalesSettings, mailbox_key
from tickets.models import Ticket
from tickets.services import lock_event, one_writer_at_a_time

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
ORDER_RESOURCE = Order.resource_name
#: Who the log names for a buyer who is not logged in (no account: no actor).
ANONYMOUS_BUYER = "Buyer (not logged in)"


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

    code = "not_enough_left"

    def __init__(self, ticket, available):
        self.ticket_id = ticket.pk
        self.available = available
        name = ticket.name
        super().__init__(f"Only {available} of “{name}” left." if available else f"“{name}” is sold out.")


class OrderStateConflict(Conflict):
    """The order is not (any more) in a state that allows this change: a 409."""

    code = "order_state"


class OrderChanged(Conflict):
    """Another request changed (or deleted) the order, or took its code or key, first:
    nothing of this one was stored; try again (a 409)."""

    default_message = "This order was changed by someone else meanwhile: reload it and try again."
    code = "order_changed"


class TooManyHeld(Conflict):
    """The buyer (its e-mail address, account or client address) would hold more unpaid
    seats of the event than ``EVENTDESK_MAX_HELD_SEATS``: nothing stored. ``retry_after``:
    seconds until the first of its holds ends (``None`` if none will: free seats)."""

    code = "too_many_held"

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

    code = "idempotency_key_reused"

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


# --- what holds seats: the one rule of availability -------------------------------------------
#
# A pending order holds its seats until ``expires_at``, whether or not its expiry was
# written yet: the task that writes it (``orders.tasks.expire_order``) may run late, or
# the sweep (``manage.py expire_orders``) later still; a late worker never oversells nor
# blocks a sale, and nothing that reads orders writes them.


def pending_hold(now, through="order__"):
    """Orders (reached from the queried model through ``through``: ``order__`` from a
    line, ``""`` from an order) pending and not past their hold at ``now``."""
    return Q(**{f"{through}state": Order.State.PENDING, f"{through}expires_at__gt": now})


def unpaid(now):
    """The lines whose seats are held without payment at ``now``: of pending orders not
    yet expired, and of orders paid at once because free (total 0)."""
    return pending_hold(now) | Q(order__state=Order.State.PAID, order__total=0)


def held_by_buyer(event, *, email, user=None, client="", now=None):
    """The unpaid seats (``unpaid``) of ``event`` held by the buyer: the most of those held
    by pending orders to its e-mail address's mailbox (``Order.mailbox``, ``core.mail.mailbox_of``:
    case, ``+tags``, quoting and the domain's encodings aside), by its account, and by its
    client address (``Order.client``); and the first moment one of these holds ends (or
    ``None``). One query."""
    now = now or timezone.now()
    held = OrderLine.objects.filter(order__event_id=event.pk).filter(unpaid(now))
    mailbox = mailbox_key(email)
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


def holding(now=None, through="order__"):
    """The lines whose orders hold their seats at ``now``: paid, or pending and not yet
    expired (whether or not the expiry was written). ``through`` as ``pending_hold``."""
    now = now or timezone.now()
    return Q(**{f"{through}state": Order.State.PAID}) | pending_hold(now, through)


def seats_left(quantity, held):
    """What is left of a ticket's ``quantity`` with ``held`` seats held (never below 0)."""
    return max(0, quantity - (held or 0))


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
            pending=Sum("quantity", filter=pending_hold(now)),
        )
        .order_by()
    )
    return {row["ticket_id"]: {"paid": row["paid"] or 0, "pending": row["pending"] or 0} for row in rows}


def sales(event, now=None):
    """The Tickets tab: ``(rows, totals)``, a row per ticket of ``event`` (``ticket``,
    ``paid``, ``pending``, ``available``) and their sums (and ``quantity``'s). Two queries."""
    counts = sales_by_ticket(event, now)
    rows = []
    for ticket in Ticket.objects.for_event(event):
        sold = counts.get(ticket.pk, {"paid": 0, "pending": 0})
        rows.append(
            {"ticket": ticket, **sold, "available": seats_left(ticket.quantity, sold["paid"] + sold["pending"])}
        )
    totals = {key: sum(row[key] for row in rows) for key in ("paid", "pending", "available")}
    totals["quantity"] = sum(row["ticket"].quantity for row in rows)
    return rows, totals


def with_availability(tickets, now=None):
    """``tickets`` (a queryset) as a list, each with ``held`` (the seats in paid and pending
    orders) and ``available`` (``seats_left``), read in the same query."""
    now = now or timezone.now()
    held = Coalesce(Sum("order_lines__quantity", filter=holding(now, "order_lines__order__")), 0)
    tickets = list(tickets.annotate(held=held))
    for ticket in tickets:
        ticket.available = seats_left(ticket.quantity, ticket.held)
    return tickets


def availability(tickets, now=None):
    """``{ticket id: seats left}``: quantity − seats in paid and pending orders (never below 0)."""
    tickets = list(tickets)
    held = held_by_ticket([ticket.pk for ticket in tickets], now)
    return {ticket.pk: seats_left(ticket.quantity, held.get(ticket.pk)) for ticket in tickets}


def order_for_buyer(event, code, secret):
    """The order of ``event`` its buyer's link names (``code`` and ``secret``): whoever holds
    the link is its buyer (its page, cancelling it). ``None`` for a code or a secret that
    names none (the secret compared in constant time)."""
    order = Order.objects.filter(event=event, code=code).first()
    if order is None or not constant_time_compare(order.secret, secret):
        return None
    order.event = event
    return order


def attendee_lines(event, now=None):
    """The event's order lines whose seats are taken (paid, or pending within its hold:
    ``holding``), with their orders and tickets, in the order they were placed: the
    attendees (a line of 3 is 3 of them)."""
    return (
        OrderLine.objects.filter(order__event=event)
        .filter(holding(now))
        .select_related("order", "ticket")
        .order_by("order__created_at", "order_id", "id")
    )


def find_orders(orders, *, state="", q=""):
    """``orders`` (a queryset) in ``state`` (any for a blank one) that ``q`` finds: its code
    exactly, or a part of the buyer's name or e-mail address (case aside; a blank ``q``
    finds all, its first 200 characters are searched). The orders list's and the API's
    ``?state=`` and ``?q=``. An unknown state is a ``ValidationError`` on ``state``."""
    if state:
        if state not in Order.State.values:
            choices = ", ".join(Order.State.values)
            raise ValidationError({"state": [f"Unknown state: choose one of {choices}."]})
        orders = orders.filter(state=state)
    q = (q or "").strip()[:200]
    if q:
        orders = orders.filter(Q(code__iexact=q) | Q(name__icontains=q) | Q(email__icontains=q))
    return orders


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


# --- expiry: a background task per order, and a sweep -----------------------------------------

EXPIRED_CHANGES = {"state": [Order.State.PENDING.value, Order.State.EXPIRED.value]}


def _queue_expiry(order):
    """Queue ``orders.tasks.expire_order`` for ``order``'s ``expires_at``, in the current
    transaction (the task exists exactly when the order does)."""
    from orders.tasks import expire_order as expiry  # orders.tasks imports this module

    expiry.using(run_after=order.expires_at).enqueue(order.pk)


@one_writer_at_a_time
def expire_order(order_id, now=None):
    """Mark the order ``order_id`` expired if it is still pending and its hold is over,
    logged with no actor (the system); returns whether it did. The task queued when the
    order was placed (``orders.tasks.expire_order``) runs it. An order paid, cancelled or
    expired meanwhile, or gone, is left alone; one not yet due (a worker whose clock is
    ahead of the database's) gets the task again, for its time."""
    now = now or timezone.now()
    event_id = Order.objects.filter(pk=order_id).values_list("event_id", flat=True).first()
    if event_id is None:
        return False
    try:
        lock_event(event_id)  # the event's row, then the order's (every write of orders)
    except Conflict:  # the event (and so the order) was deleted meanwhile
        return False
    locked = Order.objects.select_for_update().filter(pk=order_id).select_related("event").first()
    if locked is None or locked.state != Order.State.PENDING:
        return False
    if locked.expires_at > now:
        _queue_expiry(locked)
        return False
    _write_expired(locked.event, [locked])
    return True


def expire_due(event=None, now=None):
    """Mark expired every pending order whose hold is over (of ``event``, an Event or its
    id, or of every event), each logged with no actor (the system); returns how many.

    The sweep behind the tasks (``manage.py expire_orders``, a timer in deploy/): a task
    lost or a worker down for a while leaves no order pending for ever. Nothing needs it
    to be correct: their seats were free already (``holding``). One transaction per event."""
    now = now or timezone.now()
    due = Order.objects.filter(state=Order.State.PENDING, expires_at__lte=now)
    if event is not None:
        due = due.filter(event_id=getattr(event, "pk", event))
    event_ids = sorted(set(due.values_list("event_id", flat=True)))
    return sum(_expire_due_of(event_id, now) for event_id in event_ids)


@one_writer_at_a_time
def _expire_due_of(event_id, now):
    try:
        lock_event(event_id)
    except Conflict:  # deleted meanwhile, its orders with it
        return 0
    event = Event.objects.get(pk=event_id)
    due = list(
        Order.objects.select_for_update().filter(event_id=event_id, state=Order.State.PENDING, expires_at__lte=now)
    )
    _write_expired(event, due)
    return len(due)


def _write_expired(event, orders):
    """Write ``orders`` of ``event`` (locked, pending, past their hold) expired, each
    logged with no actor (the system)."""
    if orders:
        Order.objects.filter(pk__in=[order.pk for order in orders]).update(
            state=Order.State.EXPIRED, version=F("version") + 1
        )
        log_actions(None, event, [(Action.UPDATED, order, EXPIRED_CHANGES) for order in orders])


# --- placing an order ------------------------------------------------------------------------


def place_order(event, *, actor, name, email, lines, site_url="", client="", now=None):
    """Place an order of ``event``'s tickets for a buyer; returns the ``Order`` (lines saved).

    ``lines``: ``Line`` (or mappings with ``ticket``, ``quantity``, ``amount``). Rules:
    the event is published; each ticket is this event's, not hidden, in its sales window;
    each quantity within the ticket's minimum and maximum per order; a donation line
    carries an amount of at least 0, other lines none; one line per ticket. Otherwise
    ``InvalidOrder`` and nothing is stored; so is a total larger than its column
    (``MAX_TOTAL``). A line asking for more than is left: ``NotEnoughLeft`` (a 409),
    nothing stored. A buyer who would hold more than ``EVENTDESK_MAX_HELD_SEATS`` unpaid
    seats of the event (counted by e-mail address, by the account, and by ``client``, a
    digest of the client's address, ``orders.throttling.client_digest``):
    ``TooManyHeld``, nothing stored; one order alone within its tickets' maximum per
    order is always allowed.

    ``actor``: who places it, the buyer: their account if logged in (``Order.user``, the
    account the held seats count against), or ``None`` (an anonymous buyer has no
    account; the log names them ``ANONYMOUS_BUYER``). Logged as ``created``, with the
    order's code, buyer, state, total, hold and lines.

    In one transaction that first locks the event's row: reads what is left of the
    tickets, inserts the order, writes its log entry. A total of 0 is paid at once;
    otherwise the order is pending for ``EVENTDESK_ORDER_HOLD_MINUTES``, and its expiry
    is queued for then (``orders.tasks.expire_order``). The same transaction queues the
    buyer's e-mail with the order's link and the notification of those who may read the
    event's orders (background tasks, run by a worker after the commit).
    ``site_url`` (``https://host``) makes the e-mail's link absolute. The e-mail goes at
    most ``EVENTDESK_MAIL_PER_RECIPIENT_HOUR`` times an hour to one address
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
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():  # the e-mail and the notification are queued with the order
        order = _place(event, name, email, parsed, now or timezone.now(), user=user, client=client or "")
        _tell_about(order, site_url)
    return order


@one_writer_at_a_time
def _place(event, name, email, lines, now, *, user=None, client=""):
    locked = lock_event(event.pk)
    if locked.state != Event.State.PUBLISHED:
        raise InvalidOrder({"__all__": ["This event is not published: its tickets cannot be ordered."]})
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
        raise OrderChanged()
    for line in order_lines:
        line.order = order
    OrderLine.objects.bulk_create(order_lines)
    changes = _placed(order, order_lines)
    log_action(user, Action.CREATED, order, event=event, changes=changes, label="" if user else ANONYMOUS_BUYER)
    if order.is_pending:
        _queue_expiry(order)
    return order


def _placed(order, order_lines):
    """What the log says of a new order (not its secret, nor the bookkeeping of the
    held-seat bound: account, client digest, mailbox)."""
    when = "expires_at" if order.is_pending else "paid_at"
    lines = [
        f"{line.quantity} × {line.ticket.name}" + (f" ({line.donation})" if line.donation is not None else "")
        for line in order_lines
    ]
    return {
        "code": [None, order.code],
        "name": [None, order.name],
        "email": [None, order.email],
        "state": [None, order.state],
        "total": [None, str(order.total)],
        when: [None, getattr(order, when).isoformat()],
        "lines": [None, lines],
    }


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
        raise OrderChanged() from None
    return record, True


def forget_idempotency_records(now=None):
    """Delete the ``IdempotencyRecord`` rows older than ``IDEMPOTENCY_TTL`` (they answer
    nothing any more); returns how many."""
    now = now or timezone.now()
    return IdempotencyRecord.objects.filter(created_at__lte=now - IDEMPOTENCY_TTL).delete()[0]


def _tell_about(order, site_url=""):
    """In the order's transaction: queues the buyer's e-mail (a worker sends it after the
    commit; never the request) and the notification of those who may read the event's
    orders (``orders.tasks.notify_new_order``: who they are is asked when it runs)."""
    from orders.tasks import notify_new_order  # orders.tasks imports this module

    event = order.event
    link = site_url.rstrip("/") + order.get_buyer_url()
    body = [f"Thank you for your order {order.code} for {event.name}.", ""]
    body += [f"{line.quantity} × {line.ticket.name}" for line in order.lines.select_related("ticket")]
    body += ["", f"Total: {order.total} {event.currency}", f"State: {order.get_state_display()}", ""]
    instructions = SalesSettings.of(event).payment_instructions
    if order.is_pending and instructions:
        body += ["How to pay:", instructions, ""]
    body += ["Your order, at any time:", link]
    if may_send("order", order.email):
        # A failed send is logged by the worker (core.outbox): the order stands, its page shows everything.
        send_later(f"Your order {order.code} – {event.name}", "\n".join(body), [order.email])
    else:
        logger.warning("Order %s: its confirmation not sent (too many e-mails to the address this hour)", order.code)
    notify_new_order.enqueue(order.pk)


# --- changing an order ------------------------------------------------------------------------


def _locked_order(order):
    """The event's row, then the order's, locked (the order every write of orders takes)."""
    lock_event(order.event_id)
    try:
        locked = Order.objects.select_for_update().get(pk=order.pk)
    except Order.DoesNotExist:
        raise OrderChanged() from None
    locked.event = order.event
    return locked


def _state_at(order, now):
    """The order's state at ``now``: a pending order past its hold is expired, whether or
    not its expiry was written yet (``holding``)."""
    if order.state == Order.State.PENDING and order.expires_at <= now:
        return Order.State.EXPIRED
    return order.state


def _change(order, locked, actor, label="", **fields):
    """Write ``fields`` to the locked order (and its version), log what changed as done by
    ``actor`` (or ``label``), and bring ``order`` up to date."""
    before = snapshot(locked)
    Order.objects.filter(pk=locked.pk).update(version=F("version") + 1, **fields)
    locked.refresh_from_db()
    log_action(actor, Action.UPDATED, locked, event=locked.event, changes=changes_between(before, locked), label=label)
    return _refresh(order, locked)


def _refresh(order, locked):
    for field in ("state", "paid_at", "cancelled_at", "expires_at", "version"):
        setattr(order, field, getattr(locked, field))
    return order


@one_writer_at_a_time
def mark_paid(order, *, actor, now=None):
    """An organizer (``actor``) received the payment: pending → paid, logged. An expired
    (or past its hold), cancelled or already paid order: ``OrderStateConflict`` (409),
    nothing changed."""
    now = now or timezone.now()
    locked = _locked_order(order)
    state = _state_at(locked, now)
    if state != Order.State.PENDING:
        shown = Order.State(state).label.lower()
        raise OrderStateConflict(f"This order is {shown}: only a pending order can be marked paid.")
    return _change(order, locked, actor, state=Order.State.PAID, paid_at=now)


@one_writer_at_a_time
def cancel_order(order, *, actor, by_buyer=False, now=None):
    """Cancel an order, freeing its seats, logged as done by ``actor``: an organizer, a
    pending or paid one; the buyer (``by_buyer``: whoever has the order's link, ``actor``
    their account if logged in, else ``None``, logged as ``ANONYMOUS_BUYER``), a pending
    one only. Otherwise (or past its hold) ``OrderStateConflict`` (409), nothing changed."""
    now = now or timezone.now()
    locked = _locked_order(order)
    state = _state_at(locked, now)
    allowed = (Order.State.PENDING,) if by_buyer else Order.HOLDING
    if state not in allowed:
        what = "pending" if by_buyer else "pending or paid"
        shown = Order.State(state).label.lower()
        raise OrderStateConflict(f"This order is {shown}: only a {what} order can be cancelled.")
    anonymous = by_buyer and not getattr(actor, "is_authenticated", False)
    label = ANONYMOUS_BUYER if anonymous else ""
    return _change(order, locked, actor, label, state=Order.State.CANCELLED, cancelled_at=now)


def set_state(order, state, *, actor):
    """The API's PATCH: ``"paid"`` marks paid, ``"cancelled"`` cancels (as an organizer,
    ``actor``)."""
    if state == Order.State.PAID:
        return mark_paid(order, actor=actor)
    if state == Order.State.CANCELLED:
        return cancel_order(order, actor=actor)
    raise ValidationError({"state": ['Set "paid" or "cancelled".']})


# --- the event's sales settings -----------------------------------------------------------

#: What ``set_sales_settings`` changes.
SALES_SETTINGS_FIELDS = ("payment_instructions",)


@transaction.atomic
def set_sales_settings(event, *, actor=None, **fields):
    """Change ``event``'s sales settings (``SalesSettings``: its row made on the first
    change), validated by the model's rules (``ValidationError``, nothing saved); the
    change is logged, as done by ``actor``."""
    unknown = set(fields) - set(SALES_SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown sales settings: {', '.join(sorted(unknown))}")
    row = SalesSettings.of(event)
    before = snapshot(row) if row.pk else None
    for name, value in fields.items():
        setattr(row, name, value)
    row.full_clean()
    changes = changes_between(before, row)
    if not changes:
        return row
    row.save()
    log_action(actor, Action.UPDATED if before else Action.CREATED, row, event=event, changes=changes)
    return row
