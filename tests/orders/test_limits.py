"""What one buyer may do (Step 13, items 4 and 5): hold at most ``EVENTDESK_MAX_HELD_SEATS``
unpaid seats of an event (per e-mail address, account and client address), order at
``EVENTDESK_ORDER_RATE`` logged in or not, make the site e-mail one address at most a
few times an hour; and no ticket or order whose money does not fit its column."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.mail import may_send
from orders.forms import new_form_token
from orders.models import Order
from tests.factories import TicketFactory
from tests.tickets.formsets import formset_data, paid
from tests.utils import free_port
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

BIGGEST_PRICE = "99999999.99"  # the largest a ticket's price column holds


def url(event):
    return f"/api/v1/events/{event.pk}/orders/"


def order_body(ticket, quantity, email="ada@example.com", **fields):
    return {"name": "Ada", "email": email, "lines": [{"ticket": ticket.pk, "quantity": quantity}], **fields}


@pytest.fixture
def limits(settings):
    settings.EVENTDESK_MAX_HELD_SEATS = 20
    settings.EVENTDESK_ORDER_RATE = "1000/min"
    cache.clear()
    return settings


@pytest.fixture
def big(shop):
    """A paid ticket of 1000 seats, 10 per order."""
    shop.big = TicketFactory(event=shop, name="Hall", paid=True, quantity=1000, max_order=10)
    return shop


# --- item 4: seats held ---------------------------------------------------------------------


def test_one_client_address_holds_at_most_the_limit_whatever_the_addresses_it_names(big, api_client, limits):
    client = api_client()
    answers = [
        client.post(url(big), order_body(big.big, 10, email=f"b{n}@example.com"), format="json") for n in range(4)
    ]
    assert [answer.status_code for answer in answers] == [201, 201, 429, 429]
    assert "at most 20" in answers[2].json()["detail"]
    assert 1 <= int(answers[2]["Retry-After"]) <= 30 * 60 + 1
    assert Order.objects.count() == 2
    # Another client address is another buyer.
    other = client.post(
        url(big), order_body(big.big, 10, email="c@example.com"), format="json", REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 201


def test_one_ipv6_network_is_one_client(big, api_client, limits):
    client = api_client()
    for n, address in enumerate(["2001:db8:1:2::1", "2001:db8:1:2::2"]):
        answer = client.post(
            url(big), order_body(big.big, 10, email=f"b{n}@example.com"), format="json", REMOTE_ADDR=address
        )
        assert answer.status_code == 201
    answer = client.post(
        url(big), order_body(big.big, 1, email="b9@example.com"), format="json", REMOTE_ADDR="2001:db8:1:2::ff"
    )
    assert answer.status_code == 429


def test_one_email_address_ignoring_case_from_many_client_addresses(big, api_client, limits):
    client = api_client()
    for n, email in enumerate(["ada@example.com", "ADA@Example.COM"]):
        answer = client.post(url(big), order_body(big.big, 10, email=email), format="json", REMOTE_ADDR=f"10.0.0.{n}")
        assert answer.status_code == 201
    answer = client.post(
        url(big), order_body(big.big, 1, email="Ada@example.com"), format="json", REMOTE_ADDR="10.0.0.7"
    )
    assert answer.status_code == 429
    assert Order.objects.count() == 2


def test_one_account_from_many_client_addresses_and_names(big, api_client, user, limits):
    client = api_client(user)
    for n in range(2):
        answer = client.post(
            url(big), order_body(big.big, 10, email=f"b{n}@example.com"), format="json", REMOTE_ADDR=f"10.0.1.{n}"
        )
        assert answer.status_code == 201
    answer = client.post(
        url(big), order_body(big.big, 1, email="z@example.com"), format="json", REMOTE_ADDR="10.0.1.9"
    )
    assert answer.status_code == 429
    assert Order.objects.filter(user=user).count() == 2


def test_free_seats_count_and_expired_holds_do_not(big, api_client, limits):
    client = api_client()
    assert client.post(url(big), order_body(big.free, 10), format="json").status_code == 201  # paid at once
    assert client.post(url(big), order_body(big.big, 10), format="json").status_code == 201
    answer = client.post(url(big), order_body(big.free, 1), format="json")
    assert answer.status_code == 429
    # The pending hold expires: its seats are free, the buyer may order again.
    Order.objects.filter(state="pending").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post(url(big), order_body(big.big, 10), format="json").status_code == 201
    # Only free holds now: they never end, so no Retry-After: 409.
    Order.objects.filter(state="pending").update(state="cancelled", cancelled_at=timezone.now())
    limits.EVENTDESK_MAX_HELD_SEATS = 10
    answer = client.post(url(big), order_body(big.free, 1), format="json")
    assert answer.status_code == 409
    assert "Retry-After" not in answer


def test_free_seats_under_someone_elses_address_do_not_shut_its_owner_out(big, api_client, limits):
    # Free seats never end: filling a mailbox's bound with them from other clients would
    # keep its owner from ordering for good. They count by the client (and the account).
    client = api_client()
    for n in range(2):
        answer = client.post(
            url(big), order_body(big.free, 10, email="victim@example.com"), format="json", REMOTE_ADDR=f"10.0.1.{n}"
        )
        assert answer.status_code == 201
    answer = client.post(
        url(big), order_body(big.free, 2, email="victim@example.com"), format="json", REMOTE_ADDR="10.0.2.1"
    )
    assert answer.status_code == 201
    # The clients that took them are bounded as before.
    answer = client.post(
        url(big), order_body(big.free, 1, email="other@example.com"), format="json", REMOTE_ADDR="10.0.1.0"
    )
    assert answer.status_code == 201
    answer = client.post(
        url(big), order_body(big.big, 10, email="x@example.com"), format="json", REMOTE_ADDR="10.0.1.0"
    )
    assert answer.status_code == 409  # 11 free seats held, which never end: no Retry-After


def test_paid_orders_do_not_count(big, api_client, limits):
    client = api_client()
    for _ in range(3):
        assert client.post(url(big), order_body(big.big, 10), format="json").status_code == 201
        Order.objects.filter(state="pending").update(state="paid", paid_at=timezone.now())


def test_the_order_form_says_so(big, limits):
    client = Client()
    data = {"name": "Ada", f"quantity_{big.big.pk}": "10"}
    for n in range(2):
        answer = client.post(
            reverse("event_order", args=[big.slug]), {**data, "email": f"b{n}@example.com", "once": new_form_token()}
        )
        assert answer.status_code == 303
    answer = client.post(
        reverse("event_order", args=[big.slug]), {**data, "email": "x@example.com", "once": new_form_token()}
    )
    assert answer.status_code == 429
    assert "at most 20" in answer.content.decode()
    assert answer["Retry-After"]
    assert Order.objects.count() == 2


# --- item 4: rate of logged-in buyers -----------------------------------------------------------


def test_logged_in_buyers_are_limited_per_address_and_per_account(shop, api_client, user, make_user, settings):
    settings.EVENTDESK_ORDER_RATE = "2/min"
    cache.clear()
    client = api_client(user)
    line = order_body(shop.free, 1)
    statuses = [client.post(url(shop), line, format="json", REMOTE_ADDR=f"10.1.0.{n}").status_code for n in range(3)]
    assert statuses == [201, 201, 429]  # one account, three addresses
    other = api_client(make_user())
    statuses = [other.post(url(shop), line, format="json", REMOTE_ADDR="10.2.0.1").status_code for _ in range(3)]
    assert statuses == [201, 201, 429]  # one address, logged in
    assert Order.objects.count() == 4


def test_logged_in_buyers_are_limited_on_the_order_form(shop, user, settings):
    settings.EVENTDESK_ORDER_RATE = "1/min"
    cache.clear()
    client = Client()
    client.force_login(user)
    data = {"name": "A", "email": "a@example.com", f"quantity_{shop.free.pk}": "1"}
    assert client.post(reverse("event_order", args=[shop.slug]), {**data, "once": new_form_token()}).status_code == 303
    answer = client.post(reverse("event_order", args=[shop.slug]), {**data, "once": new_form_token()})
    assert answer.status_code == 429
    assert Order.objects.count() == 1


# --- item 4: mail to unproven addresses ---------------------------------------------------------


def test_at_most_a_few_confirmations_per_recipient_per_hour(shop, api_client, settings, run_tasks):
    settings.EVENTDESK_MAIL_PER_RECIPIENT_HOUR = 3
    settings.EVENTDESK_MAX_HELD_SEATS = 1000
    cache.clear()
    client = api_client()
    victims = [
        "victim@example.com",
        "VICTIM@example.com",
        "victim+1@example.com",
        "Victim+x@Example.com",
        "victim@example.com",
    ]
    for n, email in enumerate(victims):
        answer = client.post(
            url(shop), order_body(shop.free, 1, email=email), format="json", REMOTE_ADDR=f"10.3.0.{n}"
        )
        assert answer.status_code == 201  # the order stands, its link in the answer
        assert answer.json()["url"]
    assert Order.objects.count() == 5
    run_tasks()  # the worker sends what was queued
    assert len(mail.outbox) == 3
    client.post(url(shop), order_body(shop.free, 1, email="someone@example.com"), format="json")
    run_tasks()
    assert len(mail.outbox) == 4  # another recipient has its own count


def test_may_send_counts_per_kind_and_mailbox(settings):
    settings.EVENTDESK_MAIL_PER_RECIPIENT_HOUR = 2
    cache.clear()
    assert [may_send("order", "a@example.com") for _ in range(3)] == [True, True, False]
    assert may_send("order", "A+tag@EXAMPLE.com") is False
    assert may_send("signup", "a@example.com") is True
    assert may_send("order", "b@example.com") is True
    assert may_send("order", "c@example.com", limit=0) is False


# --- item 5: money that fits its column ---------------------------------------------------------

TOO_MUCH = {"type": "paid", "name": "Gold", "price": BIGGEST_PRICE, "quantity": 1000, "max_order": 101}


def test_the_ticket_api_refuses_a_price_times_maximum_that_no_order_total_holds(event, api_client, organizer):
    client = api_client(organizer)
    answer = client.post(reverse("api:ticket-list", args=[event.pk]), TOO_MUCH, format="json")
    assert answer.status_code == 400
    assert "at most 100 per order" in answer.json()["max_order"][0]
    assert not Ticket.objects.exists()
    answer = client.post(reverse("api:ticket-list", args=[event.pk]), {**TOO_MUCH, "max_order": 100}, format="json")
    assert answer.status_code == 201
    ticket = Ticket.objects.get()
    detail = reverse("api:ticket-detail", args=[event.pk, ticket.pk])
    assert client.patch(detail, {"max_order": 101}, format="json").status_code == 400
    ticket.refresh_from_db()
    assert ticket.max_order == 100


def test_the_wizard_refuses_it_on_the_row(event, client, organizer):
    client.force_login(organizer)
    rows = [paid("Gold", price=BIGGEST_PRICE, quantity=1000, max_order=101)]
    answer = client.post(reverse("tickets:wizard", args=[event.pk]), formset_data(rows))
    assert answer.status_code == 200
    assert "at most 100 per order" in answer.context["formset"].forms[0].errors["max_order"][0]
    assert not Ticket.objects.exists()


def test_the_admin_refuses_it(event, client, super_admin):
    client.force_login(super_admin)
    data = {"event": event.pk, "type": "paid", "name": "Gold", "price": BIGGEST_PRICE, "quantity": "1000"}
    data.update({"description": "", "min_order": "1", "max_order": "101", "position": "0"})
    data.update({"sales_starts_at_0": "", "sales_starts_at_1": "", "sales_ends_at_0": "", "sales_ends_at_1": ""})
    answer = client.post(reverse("admin:tickets_ticket_add"), data)
    assert answer.status_code == 200
    assert "at most 100 per order" in answer.context["adminform"].form.errors["max_order"][0]
    assert not Ticket.objects.exists()


@pytest.fixture
def dear(shop):
    """Two tickets at the largest price, 100 per order each: one line fits, two do not."""
    shop.gold = TicketFactory(
        event=shop, name="Gold", paid=True, price=Decimal(BIGGEST_PRICE), quantity=1000, max_order=100
    )
    shop.platinum = TicketFactory(
        event=shop, name="Platinum", paid=True, price=Decimal(BIGGEST_PRICE), quantity=1000, max_order=100
    )
    return shop


def test_an_order_whose_total_does_not_fit_is_400_and_nothing_is_stored(dear, api_client, organizer, settings):
    settings.EVENTDESK_MAX_HELD_SEATS = 1000
    client = api_client()
    two = {
        "name": "Ada",
        "email": "ada@example.com",
        "lines": [{"ticket": dear.gold.pk, "quantity": 100}, {"ticket": dear.platinum.pk, "quantity": 100}],
    }
    answer = client.post(url(dear), two, format="json")
    assert answer.status_code == 400
    assert "9999999999.99" in answer.json()["non_field_errors"][0]
    # A donation is free input: it may not take a total that fits past the column either.
    with_gift = {
        "name": "Ada",
        "email": "ada@example.com",
        "lines": [
            {"ticket": dear.gold.pk, "quantity": 100},
            {"ticket": dear.donation.pk, "quantity": 1, "amount": "1.00"},
        ],
    }
    assert client.post(url(dear), with_gift, format="json").status_code == 400
    assert not Order.objects.exists()
    # The largest that fits is stored and read back everywhere.
    one = {"name": "Ada", "email": "ada@example.com", "lines": [{"ticket": dear.gold.pk, "quantity": 100}]}
    answer = client.post(url(dear), one, format="json")
    assert answer.status_code == 201
    assert answer.json()["total"] == "9999999999.00"
    order = Order.objects.get()
    assert order.total == Decimal("9999999999.00")
    organizer_client = api_client(organizer)
    assert organizer_client.get(url(dear)).status_code == 200
    assert Client().get(order.get_buyer_url()).status_code == 200
    page = Client()
    page.force_login(organizer)
    assert page.get(reverse("orders:list", args=[dear.pk])).status_code == 200
    csv = page.get(reverse("orders:orders-csv", args=[dear.pk]))
    assert b"9999999999.00" in b"".join(csv.streaming_content)


def test_the_order_form_says_so_too(dear):
    data = {"name": "Ada", "email": "ada@example.com", "once": new_form_token()}
    data.update({f"quantity_{dear.gold.pk}": "100", f"quantity_{dear.platinum.pk}": "100"})
    answer = Client().post(reverse("event_order", args=[dear.slug]), data)
    assert answer.status_code == 200
    assert "9999999999.99" in answer.content.decode()
    assert not Order.objects.exists()


def test_may_send_without_its_count_sends_nothing(settings):
    """The cache unreachable (Redis down): no count to keep, so no mail (never unbounded)."""
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
    }
    assert may_send("order", "a@example.com") is False
