"""Money at its limits, read back by every reader (attack 3, item 5): orders as large as
their columns allow, many of them, and every page, API answer and CSV that shows them
answers 200 with the amounts as stored, on SQLite and PostgreSQL. A donation of "-0" is 0
(PostgreSQL keeps no negative zero: the answer said "-0.00" and a later read "0.00")."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from events.models import Event
from orders.models import Order, OrderLine
from tests.factories import TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

BIGGEST_PRICE = Decimal("99999999.99")


@pytest.fixture
def dear(event, settings):
    settings.EVENTDESK_MAX_HELD_SEATS = 100_000
    settings.EVENTDESK_ORDER_RATE = "100000/min"
    Event.objects.filter(pk=event.pk).update(state="published")
    event.refresh_from_db()
    event.gold = TicketFactory(
        event=event, name="Gold", paid=True, price=BIGGEST_PRICE, quantity=10_000, max_order=100
    )
    event.gift = TicketFactory(event=event, name="Gift", type=Ticket.Type.DONATION, quantity=10_000, max_order=1)
    return event


def url(event):
    return f"/api/v1/events/{event.pk}/orders/"


def test_many_orders_as_large_as_their_columns_are_read_back_everywhere(dear, api_client, organizer):
    client = api_client()
    for n in range(5):
        answer = client.post(
            url(dear),
            {"name": f"Big {n}", "email": f"big{n}@example.com", "lines": [{"ticket": dear.gold.pk, "quantity": 100}]},
            format="json",
            REMOTE_ADDR=f"10.8.0.{n}",
        )
        assert answer.status_code == 201, answer.content
        assert answer.json()["total"] == "9999999999.00"
    answer = client.post(
        url(dear),
        {
            "name": "Gift",
            "email": "gift@example.com",
            "lines": [{"ticket": dear.gift.pk, "quantity": 1, "amount": "99999999.99"}],
        },
        format="json",
    )
    assert answer.status_code == 201
    # One more than the column: refused, nothing stored.
    answer = client.post(
        url(dear),
        {
            "name": "Too much",
            "email": "too@example.com",
            "lines": [
                {"ticket": dear.gold.pk, "quantity": 100},
                {"ticket": dear.gift.pk, "quantity": 1, "amount": "1"},
            ],
        },
        format="json",
    )
    assert answer.status_code == 400
    assert Order.objects.count() == 6
    assert {o.total for o in Order.objects.all()} == {Decimal("9999999999.00"), Decimal("99999999.99")}

    listed = api_client(organizer).get(url(dear))
    assert listed.status_code == 200
    assert {o["total"] for o in listed.json()["results"]} == {"9999999999.00", "99999999.99"}
    page = Client()
    page.force_login(organizer)
    order = Order.objects.filter(total=Decimal("9999999999.00")).first()
    order.event = dear
    for path in [
        reverse("orders:sales", args=[dear.pk]),
        reverse("orders:list", args=[dear.pk]),
        reverse("orders:detail", args=[dear.pk, order.code]),
        order.get_buyer_url(),
        f"{url(dear)}{order.code}/",
    ]:
        assert page.get(path).status_code == 200, path
    orders_csv = b"".join(page.get(reverse("orders:orders-csv", args=[dear.pk])).streaming_content).decode()
    assert orders_csv.count("9999999999.00") == 5
    attendees = page.get(reverse("orders:attendees-csv", args=[dear.pk]))
    assert b"".join(attendees.streaming_content).decode().count(",99999999.99") == 500  # one row per seat


@pytest.mark.parametrize("amount", ["-0", "-0.00", "-0E+2", "0"])
def test_a_donation_of_minus_zero_is_zero(dear, api_client, amount):
    answer = api_client().post(
        url(dear),
        {
            "name": "Ada",
            "email": "ada@example.com",
            "lines": [{"ticket": dear.gift.pk, "quantity": 1, "amount": amount}],
        },
        format="json",
    )
    assert answer.status_code == 201
    [line] = answer.json()["lines"]
    assert not line["amount"].startswith("-")
    stored = OrderLine.objects.get()
    assert stored.donation == 0
    assert not str(stored.donation).startswith("-")
