"""Expiry is a background task per order, queued when it is placed and run at its
``expires_at`` (logged as the system's), with the ``expire_orders`` sweep behind it.
Reading expires nothing. A worker that runs late neither oversells nor blocks a sale: a
pending order past its hold holds no seats and cannot be paid, written expired or not."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from activity.models import ActivityEntry
from orders import services
from orders.models import Order
from orders.services import Line, NotEnoughLeft, OrderStateConflict, place_order

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0) + timedelta(days=1)
EXPIRED = {"state": ["pending", "expired"]}


def order(shop, quantity, name="Ada"):
    email = f"{name.lower()}@example.com"
    return place_order(shop, actor=None, name=name, email=email, lines=[Line(shop.paid.pk, quantity)])


def updates_of(order):
    kind = ContentType.objects.get_for_model(Order)
    return list(ActivityEntry.objects.filter(content_type=kind, object_id=order.pk, action="updated").order_by("id"))


def state_of(order):
    order.refresh_from_db()
    return order.state


def test_the_expiry_task_runs_at_the_orders_time_and_logs_it(shop, run_tasks):
    with time_machine.travel(START, tick=False):
        placed = order(shop, 2)
        [task] = DBTaskResult.objects.filter(task_path="orders.tasks.expire_order")
        assert task.run_after == placed.expires_at
        run_tasks()  # the e-mail and the notification; not the expiry yet
        assert state_of(placed) == Order.State.PENDING
    with time_machine.travel(placed.expires_at - timedelta(seconds=1), tick=False):
        run_tasks()
        assert state_of(placed) == Order.State.PENDING
    with time_machine.travel(placed.expires_at + timedelta(seconds=1), tick=False):
        assert run_tasks() == 1
    assert state_of(placed) == Order.State.EXPIRED
    [entry] = updates_of(placed)
    assert (entry.actor, entry.actor_label, entry.changes) == (None, "", EXPIRED)  # the system
    assert entry.event_id == shop.pk
    assert services.availability([shop.paid])[shop.paid.pk] == 10


def test_an_order_paid_or_cancelled_before_its_time_is_left_alone(shop, organizer, run_tasks):
    with time_machine.travel(START, tick=False):
        paid = order(shop, 2)
        cancelled = order(shop, 1, name="Bob")
        services.mark_paid(paid, actor=organizer)
        services.cancel_order(cancelled, actor=None, by_buyer=True)
        run_tasks()
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        assert run_tasks() == 2  # both expiry tasks ran, and did nothing
    assert (state_of(paid), state_of(cancelled)) == (Order.State.PAID, Order.State.CANCELLED)
    assert [entry.actor for entry in updates_of(paid)] == [organizer]
    assert [entry.actor for entry in updates_of(cancelled)] == [None]


def test_a_free_order_queues_no_expiry(shop):
    place_order(shop, actor=None, name="Ada", email="ada@example.com", lines=[Line(shop.free.pk, 1)])
    assert not DBTaskResult.objects.filter(task_path="orders.tasks.expire_order").exists()


def test_a_late_worker_neither_oversells_nor_blocks_a_sale(shop, organizer, run_tasks):
    with time_machine.travel(START, tick=False):
        first = order(shop, 5)
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        second = order(shop, 5, name="Bob")
        with pytest.raises(NotEnoughLeft):
            order(shop, 1, name="Cy")
    # The first hold is over; no worker has run: its seats are free all the same.
    with time_machine.travel(first.expires_at + timedelta(minutes=1), tick=False):
        assert state_of(first) == Order.State.PENDING
        assert services.availability([shop.paid])[shop.paid.pk] == 5
        third = order(shop, 5, name="Cy")
        with pytest.raises(NotEnoughLeft):
            order(shop, 1, name="Dee")
        # The late order cannot come back by being paid: that would oversell.
        with pytest.raises(OrderStateConflict, match="expired"):
            services.mark_paid(first, actor=organizer)
        with pytest.raises(OrderStateConflict, match="expired"):
            services.cancel_order(first, actor=None, by_buyer=True)
        run_tasks()  # the worker comes at last (the e-mails, the notifications, the due expiry)
        expiries = DBTaskResult.objects.filter(task_path="orders.tasks.expire_order")
        assert sorted(task.status for task in expiries) == ["READY", "READY", "SUCCESSFUL"]
    assert state_of(first) == Order.State.EXPIRED
    assert (state_of(second), state_of(third)) == (Order.State.PENDING, Order.State.PENDING)
    held = sum(line.quantity for o in (second, third) for line in o.lines.all())
    assert held == shop.paid.quantity == 10
    assert services.availability([shop.paid])[shop.paid.pk] == 0


def test_the_sweep_expires_what_the_tasks_left_and_logs_each(shop):
    with time_machine.travel(START, tick=False):
        first, second = order(shop, 2), order(shop, 1, name="Bob")
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        third = order(shop, 1, name="Cy")
    with time_machine.travel(START + timedelta(minutes=31), tick=False):
        call_command("expire_orders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [state_of(o) for o in (first, second, third)] == ["expired", "expired", "pending"]
    for expired in (first, second):
        [entry] = updates_of(expired)
        assert (entry.actor, entry.changes, entry.event_id) == (None, EXPIRED, shop.pk)
    assert updates_of(third) == []


def test_reading_orders_writes_nothing(shop, organizer, api_client):
    due = order(shop, 3)
    Order.objects.filter(pk=due.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    due.refresh_from_db()
    version = due.version
    client = Client()
    client.force_login(organizer)
    api = api_client(organizer)
    pages = [
        reverse("orders:sales", args=[shop.pk]),
        reverse("orders:list", args=[shop.pk]),
        reverse("orders:detail", args=[shop.pk, due.code]),
        reverse("orders:orders-csv", args=[shop.pk]),
        reverse("orders:attendees-csv", args=[shop.pk]),
        due.get_buyer_url(),
        reverse("event_order", args=[shop.slug]),
    ]
    with CaptureQueriesContext(connection) as queries:
        for url in pages:
            answer = client.get(url)
            assert answer.status_code == 200, url
            content = b"".join(answer.streaming_content) if answer.streaming else answer.content
            if url.endswith("attendees.csv"):
                assert due.code.encode() not in content  # its hold is over: no attendee
        for url in (api_url(shop), api_url(shop, due.code)):
            assert api.get(url).status_code == 200
    writes = [
        query["sql"]
        for query in queries
        if query["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
        and ("orders_" in query["sql"] or "activity_" in query["sql"])
    ]
    assert writes == []
    assert (state_of(due), due.version) == (Order.State.PENDING, version)
    assert updates_of(due) == []
    # What the pages show already counts its seats free.
    sales = client.get(reverse("orders:sales", args=[shop.pk])).context["rows"]
    [row] = [row for row in sales if row["ticket"].pk == shop.paid.pk]
    assert (row["pending"], row["available"]) == (0, 10)


def api_url(event, code=None):
    base = f"/api/v1/events/{event.pk}/orders/"
    return f"{base}{code}/" if code else base
