"""Each rule of orders once, in orders.services, whatever asks: the dashboard's list and
the API find orders by one filter; the buyer's link opens one order by one check; the
attendees CSV lists the seats one rule says are taken."""

import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from orders import services
from orders.models import Order
from orders.services import Line, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(shop, organizer):
    ada = place_order(shop, actor=None, name="Ada Lovelace", email="ada@example.com", lines=[Line(shop.paid.pk, 2)])
    bob = place_order(shop, actor=None, name="Bob", email="bob@example.org", lines=[Line(shop.paid.pk, 1)])
    free = place_order(shop, actor=None, name="Bobby Free", email="free@example.com", lines=[Line(shop.free.pk, 3)])
    gone = place_order(shop, actor=None, name="Cy", email="cy@example.com", lines=[Line(shop.paid.pk, 1)])
    services.mark_paid(bob, actor=organizer)
    services.cancel_order(gone, actor=organizer)
    return {"ada": ada, "bob": bob, "free": free, "gone": gone}


def page_codes(client, event, params):
    answer = client.get(reverse("orders:list", args=[event.pk]), params)
    assert answer.status_code == 200
    return set(re.findall(r'data-order-code="([^"]+)"', answer.content.decode()))


def api_codes(client, event, params):
    answer = client.get(f"/api/v1/events/{event.pk}/orders/", params)
    assert answer.status_code == 200
    return {order["code"] for order in answer.json()["results"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"ada", "bob", "free", "gone"}),
        ({"state": "pending"}, {"ada"}),
        ({"state": "paid"}, {"bob", "free"}),
        ({"state": "cancelled"}, {"gone"}),
        ({"q": "bob"}, {"bob", "free"}),
        ({"q": "  BOB@example.ORG "}, {"bob"}),
        ({"q": "bob", "state": "paid"}, {"bob", "free"}),
        ({"q": "ada", "state": "paid"}, set()),
    ],
)
def test_the_orders_list_and_the_api_find_the_same_orders(shop, orders, organizer, as_organizer, params, expected):
    codes = {orders[name].code for name in expected}
    found = services.find_orders(Order.objects.filter(event=shop), **params)
    assert {order.code for order in found} == codes
    client = Client()
    client.force_login(organizer)
    assert page_codes(client, shop, params) == codes
    assert api_codes(as_organizer, shop, params) == codes


def test_an_orders_code_finds_it_in_both(shop, orders, organizer, as_organizer):
    code = orders["gone"].code
    client = Client()
    client.force_login(organizer)
    assert page_codes(client, shop, {"q": code.lower()}) == api_codes(as_organizer, shop, {"q": code}) == {code}


def test_an_unknown_state_is_refused_by_the_one_filter(shop, orders, organizer, as_organizer):
    with pytest.raises(ValidationError) as refused:
        services.find_orders(Order.objects.all(), state="lost")
    assert "state" in refused.value.message_dict
    client = Client()
    client.force_login(organizer)
    assert client.get(reverse("orders:list", args=[shop.pk]), {"state": "lost"}).status_code == 400
    assert as_organizer.get(f"/api/v1/events/{shop.pk}/orders/", {"state": "lost"}).status_code == 400


def test_the_buyers_link_opens_its_order_and_no_other(shop, orders, make_event, organizer):
    ada = orders["ada"]
    assert services.order_for_buyer(shop, ada.code, ada.secret) == ada
    assert services.order_for_buyer(shop, ada.code, "wrong") is None
    assert services.order_for_buyer(shop, ada.code, "") is None
    assert services.order_for_buyer(shop, "NOSUCH", ada.secret) is None
    other = make_event(organizer, state="published", name="Other")
    assert services.order_for_buyer(other, ada.code, ada.secret) is None  # the link is of its event
    client = Client()
    assert client.get(reverse("order_page", args=[shop.slug, ada.code, ada.secret])).status_code == 200
    assert client.get(reverse("order_page", args=[other.slug, ada.code, ada.secret])).status_code == 404
    assert client.post(reverse("order_cancel", args=[other.slug, ada.code, ada.secret])).status_code == 404


def attendee_rows(client, event):
    answer = client.get(reverse("orders:attendees-csv", args=[event.pk]))
    assert answer.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))[1:]


def test_the_attendees_are_the_seats_taken(shop, orders, organizer):
    """Paid orders and pending ones within their hold; not a cancelled one, nor a pending
    one past its hold whose expiry was not written yet."""
    client = Client()
    client.force_login(organizer)
    taken = {orders[name].code: orders[name] for name in ("ada", "bob", "free")}
    lines = list(services.attendee_lines(shop))
    assert {line.order.code for line in lines} == set(taken)
    rows = attendee_rows(client, shop)
    assert len(rows) == sum(line.quantity for line in lines) == 2 + 1 + 3
    assert {row[0] for row in rows} == set(taken)

    with time_machine.travel(orders["ada"].expires_at + timedelta(seconds=1), tick=False):
        assert Order.objects.get(pk=orders["ada"].pk).state == Order.State.PENDING  # not written yet
        late = {line.order.code for line in services.attendee_lines(shop)}
        assert late == {orders["bob"].code, orders["free"].code}
        assert {row[0] for row in attendee_rows(client, shop)} == late
