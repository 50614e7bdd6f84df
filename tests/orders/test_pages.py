"""The order form on the public page, the buyer's order page, and the dashboard's
Tickets and Orders tabs with their CSV exports."""

import csv
import io

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from orders.forms import new_form_token
from orders.models import Order
from orders.services import Line, place_order

pytestmark = pytest.mark.django_db


def form_data(shop, **extra):
    return {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        f"quantity_{shop.paid.pk}": "2",
        "once": new_form_token(),
        **extra,
    }


def test_the_event_page_has_the_order_form_and_it_places_an_order(shop, run_tasks):
    client = Client()
    home = client.get(reverse("event_public", args=[shop.slug]))
    html = home.content.decode()
    assert 'data-testid="order-form"' in html
    assert f'name="quantity_{shop.paid.pk}"' in html
    assert f'name="amount_{shop.donation.pk}"' in html
    assert f'name="quantity_{shop.hidden.pk}"' not in html
    answer = client.post(reverse("event_order", args=[shop.slug]), form_data(shop))
    run_tasks()  # the worker sends the e-mail queued
    order = Order.objects.get()
    assert answer.status_code == 303
    assert answer["Location"] == order.get_buyer_url()
    page = client.get(order.get_buyer_url()).content.decode()
    assert order.code in page
    assert "Pay to IBAN DE00 1234." in page
    assert "20.00 EUR" in page
    assert mail.outbox[0].to == ["ada@example.com"]
    assert order.get_buyer_url() in mail.outbox[0].body
    # The buyer cancels while pending.
    answer = client.post(reverse("order_cancel", args=[shop.slug, order.code, order.secret]))
    order.refresh_from_db()
    assert answer.status_code == 303
    assert order.state == Order.State.CANCELLED


def test_the_order_page_needs_its_secret(shop):
    order = place_order(shop, actor=None, name="Ada", email="ada@example.com", lines=[Line(shop.paid.pk, 1)])
    client = Client()
    assert client.get(reverse("order_page", args=[shop.slug, order.code, "wrong"])).status_code == 404
    assert client.post(reverse("order_cancel", args=[shop.slug, order.code, "wrong"])).status_code == 404
    assert client.get(reverse("order_page", args=[shop.slug, order.code, order.secret])).status_code == 200


@pytest.mark.parametrize(
    "extra",
    [
        {"quantity_PAID": "0"},
        {"quantity_PAID": "-1"},
        {"quantity_PAID": "six"},
        {"quantity_PAID": "6"},
        {"quantity_PAID": "99999999999999999999"},
        {"name": ""},
        {"email": "nope"},
        {"quantity_DONATION": "1", "amount_DONATION": "-5"},
    ],
)
def test_bad_input_shows_the_form_again_with_400_and_stores_nothing(shop, extra):
    data = form_data(shop)
    for key, value in extra.items():
        key = key.replace("PAID", str(shop.paid.pk)).replace("DONATION", str(shop.donation.pk))
        data[key] = value
    answer = Client().post(reverse("event_order", args=[shop.slug]), data)
    # The form again with its errors (the status of a refused form is the site's policy).
    assert answer.status_code in (200, 400)
    assert 'data-testid="order-form"' in answer.content.decode()
    assert "invalid-feedback" in answer.content.decode() or "alert-danger" in answer.content.decode()
    assert not Order.objects.exists()


def test_sold_out_is_409_and_a_draft_is_404(shop, make_event, organizer):
    place_order(shop, actor=None, name="A", email="a@example.com", lines=[Line(shop.paid.pk, 5)])
    place_order(shop, actor=None, name="B", email="b@example.com", lines=[Line(shop.paid.pk, 5)])
    answer = Client().post(reverse("event_order", args=[shop.slug]), form_data(shop))
    assert answer.status_code == 409
    assert "sold out" in answer.content.decode()
    assert 'data-testid="sold-out"' in Client().get(reverse("event_public", args=[shop.slug])).content.decode()
    draft = make_event(organizer, name="Draft")
    assert Client().post(reverse("event_order", args=[draft.slug]), form_data(shop)).status_code == 404


def test_the_form_is_limited_per_address(shop, settings):
    settings.EVENTDESK_ORDER_RATE = "1/min"
    cache.clear()
    client = Client()
    data = {"name": "A", "email": "a@example.com", f"quantity_{shop.free.pk}": "1"}
    assert client.post(reverse("event_order", args=[shop.slug]), {**data, "once": new_form_token()}).status_code == 303
    assert client.post(reverse("event_order", args=[shop.slug]), {**data, "once": new_form_token()}).status_code == 429
    assert Order.objects.count() == 1


# --- the dashboard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [("organizer", True), ("coorganizer", True), ("track_organizer", False), ("moderator", False)],
)
def test_tabs_follow_the_matrix(shop, person_as, who, sees):
    client = Client()
    client.force_login(person_as(who))
    overview = client.get(reverse("events:dashboard", args=[shop.pk])).content.decode()
    assert (reverse("orders:list", args=[shop.pk]) in overview) is sees
    assert (reverse("orders:sales", args=[shop.pk]) in overview) is sees
    for name in ("orders:list", "orders:sales", "orders:orders-csv", "orders:attendees-csv"):
        assert client.get(reverse(name, args=[shop.pk])).status_code == (200 if sees else 403)


def test_sales_list_detail_actions_and_exports(shop, organizer):
    paid = place_order(shop, actor=None, name="=HYPERLINK(1)", email="ada@example.com", lines=[Line(shop.paid.pk, 3)])
    pending = place_order(shop, actor=None, name="Bob", email="bob@example.com", lines=[Line(shop.paid.pk, 2)])
    client = Client()
    client.force_login(organizer)
    client.post(reverse("orders:mark-paid", args=[shop.pk, paid.code]))
    paid.refresh_from_db()
    assert paid.state == Order.State.PAID

    sales = client.get(reverse("orders:sales", args=[shop.pk])).content.decode()
    assert f'data-ticket-id="{shop.paid.pk}" data-paid="3" data-pending="2" data-available="5"' in sales

    listed = client.get(reverse("orders:list", args=[shop.pk]), {"q": "bob"}).content.decode()
    assert pending.code in listed
    assert paid.code not in listed
    listed = client.get(reverse("orders:list", args=[shop.pk]), {"state": "paid"}).content.decode()
    assert paid.code in listed
    assert pending.code not in listed
    assert client.get(reverse("orders:list", args=[shop.pk]), {"state": "lost"}).status_code == 400

    detail = client.get(reverse("orders:detail", args=[shop.pk, pending.code])).content.decode()
    assert 'data-action="mark-paid"' in detail
    assert 'data-action="cancel-order"' in detail
    client.post(reverse("orders:cancel", args=[shop.pk, pending.code]))
    pending.refresh_from_db()
    assert pending.state == Order.State.CANCELLED
    assert client.get(reverse("orders:detail", args=[shop.pk, "NOSUCH"])).status_code == 404

    answer = client.get(reverse("orders:orders-csv", args=[shop.pk]))
    assert answer.streaming
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows[0][:4] == ["Code", "State", "Name", "E-mail"]
    assert len(rows) == 3
    assert rows[1][2] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet

    answer = client.get(reverse("orders:attendees-csv", args=[shop.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert len(rows) == 1 + 3  # one row per ticket bought, paid and pending orders only
    assert {row[2] for row in rows[1:]} == {"Regular"}


def test_a_coorganizer_marks_paid_a_moderator_may_not(shop, person_as):
    order = place_order(shop, actor=None, name="Ada", email="ada@example.com", lines=[Line(shop.paid.pk, 1)])
    moderator = Client()
    moderator.force_login(person_as("moderator"))
    assert moderator.post(reverse("orders:mark-paid", args=[shop.pk, order.code])).status_code == 403
    coorganizer = Client()
    coorganizer.force_login(person_as("coorganizer"))
    assert coorganizer.post(reverse("orders:mark-paid", args=[shop.pk, order.code])).status_code == 303
    order.refresh_from_db()
    assert order.state == Order.State.PAID


def test_payment_instructions_are_an_event_setting(shop, organizer):
    client = Client()
    client.force_login(organizer)
    page = client.get(reverse("events:settings", args=[shop.pk])).content.decode()
    assert 'name="payment_instructions"' in page
