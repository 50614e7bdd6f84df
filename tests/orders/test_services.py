"""The rules of orders (orders.services), the hook they add to the tickets' rules, and expiry."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Notification
from orders import services
from orders.models import Order, OrderLine
from orders.services import InvalidOrder, Line, NotEnoughLeft, OrderStateConflict, place_order
from tests.factories import TicketFactory
from tickets.models import Ticket
from tickets.services import delete_ticket, save_ticket, save_tickets

pytestmark = pytest.mark.django_db


def order(event, *lines, name="Ada", email="ada@example.com", actor=None, **kwargs):
    return place_order(event, actor=actor, name=name, email=email, lines=[Line(*line) for line in lines], **kwargs)


def test_a_paid_order_holds_its_seats_pending_with_the_prices_copied(shop, run_tasks):
    placed = order(shop, (shop.paid.pk, 2), (shop.donation.pk, 1, "7.50"), (shop.free.pk, 1))
    assert not mail.outbox  # queued, sent by the worker
    run_tasks()
    placed.refresh_from_db()
    assert placed.state == Order.State.PENDING
    assert placed.total == Decimal("27.50")
    assert placed.expires_at - placed.created_at == pytest.approx(timedelta(minutes=30), abs=timedelta(seconds=5))
    assert {(line.ticket_id, line.quantity, line.unit_price, line.donation) for line in placed.lines.all()} == {
        (shop.paid.pk, 2, Decimal("10.00"), None),
        (shop.donation.pk, 1, Decimal("0.00"), Decimal("7.50")),
        (shop.free.pk, 1, Decimal("0.00"), None),
    }
    assert services.availability([shop.paid])[shop.paid.pk] == 8
    # The buyer's e-mail has the order's link; the organizers are notified.
    assert len(mail.outbox) == 1
    assert placed.get_buyer_url() in mail.outbox[0].body
    assert "IBAN DE00 1234" in mail.outbox[0].body
    note = Notification.objects.get(user=shop.created_by)
    assert note.action == Notification.Action.NEW_ORDER
    assert note.link == placed.get_dashboard_url()


def test_an_order_of_nothing_to_pay_is_paid_at_once(shop):
    placed = order(shop, (shop.free.pk, 3), (shop.donation.pk, 1, "0"))
    assert placed.state == Order.State.PAID
    assert placed.paid_at
    assert placed.expires_at is None


def test_codes_are_short_and_unambiguous(shop):
    codes = {order(shop, (shop.free.pk, 1)).code for _ in range(5)}
    assert len(codes) == 5
    assert all(len(code) == 6 and not set(code) & set("01OIL") for code in codes)


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        (("paid", 6), "quantity", "Order at most 5 of this ticket."),
        (("paid", 0), "quantity", "Order at least 1."),
        (("paid", -1), "quantity", "Order at least 1."),
        (("paid", "lots"), "quantity", "Enter a whole number."),
        (("paid", 10**30), "quantity", "At most 10000."),
        (("paid", "9" * 40), "quantity", "Enter a whole number."),
        (("hidden", 1), "ticket", "This ticket is not on sale."),
        (("donation", 1), "amount", "Enter the amount of your donation (0 or more)."),
        (("donation", 1, "-1"), "amount", "A donation is at least 0."),
        (("donation", 1, "abc"), "amount", "Enter an amount, such as 10 or 12.50."),
        (("paid", 1, "5"), "amount", "Only donation tickets take an amount."),
        ((999999, 1), "ticket", "No such ticket in this event."),
    ],
)
def test_a_broken_rule_names_the_line_and_stores_nothing(shop, line, field, message):
    ticket = getattr(shop, line[0]).pk if isinstance(line[0], str) else line[0]
    with pytest.raises(InvalidOrder) as refused:
        order(shop, (shop.free.pk, 1), (ticket, *line[1:]))
    assert refused.value.lines == {1: {field: [message]}}
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()


def test_sales_window_min_order_other_events_tickets_and_duplicates(shop, make_event, organizer):
    now = timezone.now()
    later = TicketFactory(event=shop, name="Later", sales_starts_at=now + timedelta(days=1))
    over = TicketFactory(event=shop, name="Over", sales_ends_at=now - timedelta(minutes=1))
    group = TicketFactory(event=shop, name="Group", min_order=3, max_order=6)
    elsewhere = TicketFactory(event=make_event(organizer, state="published", name="Other"), name="Elsewhere")
    with pytest.raises(InvalidOrder) as refused:
        order(shop, (later.pk, 1), (over.pk, 1), (group.pk, 2), (elsewhere.pk, 1), (shop.free.pk, 1))
    lines = refused.value.lines
    assert "start on" in lines[0]["ticket"][0]
    assert lines[1] == {"ticket": ["Sales of this ticket have ended."]}
    assert lines[2] == {"quantity": ["Order at least 3 of this ticket."]}
    assert lines[3] == {"ticket": ["No such ticket in this event."]}
    assert 4 not in lines
    with pytest.raises(InvalidOrder) as refused:
        order(shop, (shop.free.pk, 1), (shop.free.pk, 1))
    assert refused.value.lines == {1: {"ticket": ["This ticket is on another line too: one line per ticket."]}}
    assert not Order.objects.exists()


def test_buyer_and_event_rules(shop, make_event, organizer):
    with pytest.raises(InvalidOrder) as refused:
        place_order(shop, actor=None, name=" ", email="not-an-address", lines=[])
    assert set(refused.value.fields) == {"name", "email", "lines"}
    draft = make_event(organizer, name="Draft")
    ticket = TicketFactory(event=draft)
    with pytest.raises(InvalidOrder) as refused:
        order(draft, (ticket.pk, 1))
    assert "not published" in refused.value.fields["__all__"][0]
    assert not Order.objects.exists()


def test_never_more_than_is_left(shop):
    order(shop, (shop.paid.pk, 5))
    order(shop, (shop.paid.pk, 4))
    with pytest.raises(NotEnoughLeft) as refused:
        order(shop, (shop.free.pk, 1), (shop.paid.pk, 2))
    assert (refused.value.ticket_id, refused.value.available) == (shop.paid.pk, 1)
    assert Order.objects.count() == 2
    order(shop, (shop.paid.pk, 1))
    with pytest.raises(NotEnoughLeft, match="sold out"):
        order(shop, (shop.paid.pk, 1))


def test_a_hold_past_its_time_frees_its_seats_before_its_expiry_is_written(shop):
    first = order(shop, (shop.paid.pk, 5))
    second = order(shop, (shop.paid.pk, 5))
    Order.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    third = order(shop, (shop.paid.pk, 5))  # the past-due order's seats
    first.refresh_from_db()
    assert first.state == Order.State.PENDING  # placing an order expires nothing: the task or the sweep does
    assert third.state == Order.State.PENDING
    Order.objects.filter(pk=second.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("expire_orders")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Order.State.EXPIRED, Order.State.EXPIRED)


def test_mark_paid_and_cancel(shop):
    placed = order(shop, (shop.paid.pk, 5))
    services.mark_paid(placed, actor=None)
    assert placed.state == Order.State.PAID
    assert placed.paid_at
    with pytest.raises(OrderStateConflict):
        services.mark_paid(placed, actor=None)
    with pytest.raises(OrderStateConflict):
        services.cancel_order(placed, actor=None, by_buyer=True)  # the buyer cancels only a pending order
    services.cancel_order(placed, actor=None)
    assert placed.state == Order.State.CANCELLED
    assert services.availability([shop.paid])[shop.paid.pk] == 10
    late = order(shop, (shop.paid.pk, 1))
    Order.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(OrderStateConflict, match="expired"):
        services.mark_paid(late, actor=None)


# --- the tickets' rules that orders add (tickets.services.check_ticket_set) ----------------------


def test_a_tickets_quantity_cannot_go_below_what_is_sold_or_held(shop):
    order(shop, (shop.paid.pk, 5))
    order(shop, (shop.paid.pk, 2))
    ticket = Ticket.objects.get(pk=shop.paid.pk)
    ticket.quantity = 6
    with pytest.raises(ValidationError) as refused:
        save_ticket(ticket)
    assert refused.value.message_dict["quantity"] == [services.SOLD_OR_HELD.format(held=7)]
    ticket = Ticket.objects.get(pk=shop.paid.pk)
    ticket.quantity, ticket.max_order = 7, 5
    save_ticket(ticket)  # exactly what is held
    # The wizard's save of all tickets at once says it on the row.
    stored = list(Ticket.objects.filter(event=shop))
    for row in stored:
        if row.pk == shop.paid.pk:
            row.quantity = 3
            row.max_order = 3
    with pytest.raises(ValidationError) as refused:
        save_tickets(shop, stored)
    index = [row.pk for row in stored].index(shop.paid.pk)
    assert refused.value.rows[index]["quantity"][0].message == services.SOLD_OR_HELD.format(held=7)


def test_a_ticket_with_orders_cannot_be_deleted(shop):
    placed = order(shop, (shop.paid.pk, 1))
    services.cancel_order(placed, actor=None)  # even a cancelled order keeps its ticket
    with pytest.raises(ValidationError, match="has orders"):
        delete_ticket(Ticket.objects.get(pk=shop.paid.pk))
    stored = list(Ticket.objects.filter(event=shop).exclude(pk=shop.paid.pk))
    with pytest.raises(ValidationError, match="has orders"):
        save_tickets(shop, stored, {shop.paid.pk: shop.paid.version})
    assert Ticket.objects.filter(pk=shop.paid.pk).exists()
    delete_ticket(Ticket.objects.get(pk=shop.hidden.pk))  # one without orders goes


def test_deleting_the_event_deletes_its_orders(shop):
    from events.services import delete_event

    order(shop, (shop.paid.pk, 1))
    delete_event(shop)
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
