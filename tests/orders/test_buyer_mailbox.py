"""One mailbox, however its address is written (attack 3, item 4): the per-recipient mail
limit and the held-seat bound count the mailbox an address reaches as the mailer sends it
(``core.mail.mailbox_of``), not the text typed. ``"ada"@example.com`` and
``ada@ｅｘａｍｐｌｅ.com`` (full-width letters, folded by IDNA) are delivered to
``ada@example.com``; a ``+tag`` reaches the same person too."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.mail.message import sanitize_address
from django.test import Client
from django.urls import reverse

from core.mail import mailbox_of, may_send
from orders.forms import new_form_token
from orders.models import Order
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

#: Ways of writing ada@example.com that Django accepts and delivers to it.
SAME_MAILBOX = [
    "ada@example.com",
    "ADA@Example.COM",
    "ada+1@example.com",
    '"ada"@example.com',
    '"ada+x"@example.com',
    "ada@ｅｘａｍｐｌｅ.com",
    "ada@example.ｃｏｍ",
    "Ada@ＥＸＡＭＰＬＥ.com",
]


def url(event):
    return f"/api/v1/events/{event.pk}/orders/"


def order_body(ticket, quantity, email):
    return {"name": "Ada", "email": email, "lines": [{"ticket": ticket.pk, "quantity": quantity}]}


@pytest.mark.parametrize("address", SAME_MAILBOX)
def test_every_spelling_the_mailer_delivers_to_one_mailbox_is_that_mailbox(address):
    delivered = sanitize_address(address, "utf-8")  # what Django's SMTP backend sends to
    assert delivered.isascii()
    assert mailbox_of(address) == mailbox_of(delivered) == "ada@example.com"


def test_other_mailboxes_stay_apart():
    assert mailbox_of("ada@exämple.com") == "ada@xn--exmple-cua.com" == mailbox_of("ADA@xn--exmple-cua.com")
    assert (
        len({mailbox_of(a) for a in ["ada@example.com", "bob@example.com", "ada@example.org", "a.da@example.com"]})
        == 4
    )


def test_the_mail_limit_counts_the_mailbox_not_the_spelling(settings):
    settings.EVENTDESK_MAIL_PER_RECIPIENT_HOUR = 3
    cache.clear()
    sent = [may_send("order", address) for address in SAME_MAILBOX]
    assert sent == [True] * 3 + [False] * (len(SAME_MAILBOX) - 3)


def test_order_confirmations_to_one_mailbox_written_many_ways(shop, api_client, settings, run_tasks):
    settings.EVENTDESK_MAIL_PER_RECIPIENT_HOUR = 3
    settings.EVENTDESK_MAX_HELD_SEATS = 1000
    cache.clear()
    client = api_client()
    for n, email in enumerate(SAME_MAILBOX):
        answer = client.post(url(shop), order_body(shop.free, 1, email), format="json", REMOTE_ADDR=f"10.4.0.{n}")
        assert answer.status_code == 201
    run_tasks()  # the worker sends what was queued
    assert len(mail.outbox) == 3


@pytest.fixture
def big(shop, settings):
    settings.EVENTDESK_MAX_HELD_SEATS = 20
    settings.EVENTDESK_ORDER_RATE = "1000/min"
    cache.clear()
    shop.big = TicketFactory(event=shop, name="Hall", paid=True, quantity=1000, max_order=10)
    return shop


@pytest.mark.parametrize("second", SAME_MAILBOX[1:])
def test_one_mailbox_holds_at_most_the_limit_from_many_client_addresses(big, api_client, second):
    client = api_client()
    first = client.post(url(big), order_body(big.big, 10, "ada@example.com"), format="json", REMOTE_ADDR="10.5.0.1")
    assert first.status_code == 201
    again = client.post(url(big), order_body(big.big, 10, second), format="json", REMOTE_ADDR="10.5.0.2")
    assert again.status_code == 201
    third = client.post(
        url(big), order_body(big.big, 1, "ada+other@example.com"), format="json", REMOTE_ADDR="10.5.0.3"
    )
    assert third.status_code == 429
    assert Order.objects.count() == 2
    assert set(Order.objects.values_list("mailbox", flat=True)) == {"ada@example.com"}


def test_the_order_form_counts_the_mailbox_too(big):
    for n, email in enumerate(["ada+1@example.com", '"ada"@example.com', "ada@ｅｘａｍｐｌｅ.com"]):
        data = {"name": "Ada", "email": email, f"quantity_{big.big.pk}": "10", "once": new_form_token()}
        answer = Client(REMOTE_ADDR=f"10.6.0.{n}").post(reverse("event_order", kwargs={"slug": big.slug}), data)
        assert answer.status_code == (303 if n < 2 else 429)
    assert Order.objects.count() == 2


# --- an address longer than its column ----------------------------------------------------------

#: 255–320 characters: ``validate_email`` takes it, the column (254) does not (PostgreSQL
#: answered 500; SQLite stored it).
LONG = ("a" * 60 + ".") * 3 + "b@" + "c" * 60 + "." + "d" * 60 + ".com"


def test_an_address_longer_than_its_column_is_400_on_the_api(shop, api_client):
    assert 254 < len(LONG) <= 320
    answer = api_client().post(url(shop), order_body(shop.free, 1, LONG), format="json")
    assert answer.status_code == 400
    assert "email" in answer.json()
    assert not Order.objects.exists()


def test_an_address_longer_than_its_column_is_a_form_error(shop):
    data = {"name": "Ada", "email": LONG, f"quantity_{shop.free.pk}": "1", "once": new_form_token()}
    answer = Client().post(reverse("event_order", kwargs={"slug": shop.slug}), data)
    assert answer.status_code == 200
    assert answer.context["form"].has_error("email")
    assert not Order.objects.exists()


def test_the_service_refuses_it_whatever_calls_it(shop):
    from orders.services import InvalidOrder, Line, place_order

    with pytest.raises(InvalidOrder) as refused:
        place_order(shop, actor=None, name="Ada", email=LONG, lines=[Line(shop.free.pk, 1)])
    assert "email" in refused.value.fields


# --- the migration: stored orders get their mailbox ------------------------------------------

BEFORE, AFTER = [("orders", "0003_single_line_names")], [("orders", "0004_order_mailbox")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_stored_orders_their_mailbox(event):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        Old = executor.loader.project_state(BEFORE).apps.get_model("orders", "Order")
        stored = Old.objects.create(
            event_id=event.pk, code="OLD234", secret="s", name="Ada", state="paid", email='"Ada+x"@Example.com'
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        New = executor.loader.project_state(AFTER).apps.get_model("orders", "Order")
        mailbox = New.objects.get(pk=stored.pk).mailbox
        # Every migration again (going back to BEFORE undid the later ones, other apps' too).
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert mailbox == "ada@example.com"
