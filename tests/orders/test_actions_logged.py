"""Every change of an order is logged, in its transaction, with who made it: placing
(the buyer's account, or "Buyer (not logged in)"), marked paid and cancelled by an
organizer (pages and API), cancelled by the buyer through the order's link, expired by
the system. A refused change logs nothing. The entries are read by whoever may read
orders, and nobody else, on the activity page and through its API."""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from activity.models import ActivityEntry
from orders.forms import new_form_token
from orders.models import Order
from orders.services import ANONYMOUS_BUYER, Line, place_order
from permissions import services as permission_services

pytestmark = pytest.mark.django_db


def entries_of(order):
    kind = ContentType.objects.get_for_model(Order)
    return list(ActivityEntry.objects.filter(content_type=kind, object_id=order.pk).order_by("id"))


def form_data(shop, quantity=2):
    return {"name": "Ada Lovelace", "email": "ada@example.com", f"quantity_{shop.paid.pk}": str(quantity)}


def api_url(event, code=None):
    base = f"/api/v1/events/{event.pk}/orders/"
    return f"{base}{code}/" if code else base


def api_body(shop, quantity=2):
    return {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "lines": [{"ticket": shop.paid.pk, "quantity": quantity}],
    }


def assert_placed(entry, order, event):
    assert entry.action == ActivityEntry.Action.CREATED
    assert entry.event_id == event.pk
    assert entry.object_repr == str(order)
    changes = entry.changes
    assert changes["code"] == [None, order.code]
    assert changes["name"] == [None, "Ada Lovelace"]
    assert changes["email"] == [None, "ada@example.com"]
    assert changes["state"] == [None, "pending"]
    assert changes["total"] == [None, "20.00"]
    assert changes["lines"] == [None, ["2 × Regular"]]
    assert changes["expires_at"] == [None, order.expires_at.isoformat()]
    # Not the link's secret, nor the bookkeeping of the held-seat bound.
    stored = json.dumps(changes)
    assert order.secret not in stored
    assert not {"secret", "client", "mailbox", "user"} & set(changes)


def test_an_anonymous_buyer_places_through_the_form_logged_as_the_buyer(shop):
    answer = Client().post(reverse("event_order", args=[shop.slug]), {**form_data(shop), "once": new_form_token()})
    assert answer.status_code == 303
    order = Order.objects.get()
    [entry] = entries_of(order)
    assert_placed(entry, order, shop)
    assert entry.actor is None
    assert entry.actor_label == ANONYMOUS_BUYER


def test_a_logged_in_buyer_is_the_actor_on_the_form_and_the_api(shop, make_user, api_client):
    bea = make_user("bea@example.com", full_name="Bea Buyer")
    client = Client()
    client.force_login(bea)
    answer = client.post(reverse("event_order", args=[shop.slug]), {**form_data(shop), "once": new_form_token()})
    assert answer.status_code == 303
    answer = api_client(bea).post(api_url(shop), api_body(shop), format="json")
    assert answer.status_code == 201
    for order in Order.objects.all():
        [entry] = entries_of(order)
        assert_placed(entry, order, shop)
        assert (entry.actor, entry.actor_label) == (bea, "Bea Buyer <bea@example.com>")


def test_the_api_logs_placing_paying_and_cancelling_with_their_actors(shop, organizer, user_with_role, api_client):
    answer = api_client().post(api_url(shop), api_body(shop), format="json")
    assert answer.status_code == 201
    order = Order.objects.get()
    answer = api_client(organizer).patch(api_url(shop, order.code), {"state": "paid"}, format="json")
    assert answer.status_code == 200
    order.refresh_from_db()
    # A refused change (already paid) logs nothing.
    assert api_client(organizer).patch(api_url(shop, order.code), {"state": "paid"}, format="json").status_code == 409
    coorganizer = user_with_role(shop, "coorganizer")
    answer = api_client(coorganizer).patch(api_url(shop, order.code), {"state": "cancelled"}, format="json")
    assert answer.status_code == 200
    order.refresh_from_db()
    placed, paid, cancelled = entries_of(order)
    assert (placed.actor, placed.actor_label) == (None, ANONYMOUS_BUYER)
    assert (paid.action, paid.actor) == (ActivityEntry.Action.UPDATED, organizer)
    assert paid.changes == {"state": ["pending", "paid"], "paid_at": [None, order.paid_at.isoformat()]}
    assert (cancelled.action, cancelled.actor) == (ActivityEntry.Action.UPDATED, coorganizer)
    assert cancelled.changes == {
        "state": ["paid", "cancelled"],
        "cancelled_at": [None, order.cancelled_at.isoformat()],
    }


def test_the_dashboard_and_the_buyers_link_log_their_changes(shop, organizer, make_user):
    organizers = Client()
    organizers.force_login(organizer)
    first = place_order(shop, actor=None, name="Ada Lovelace", email="ada@example.com", lines=[Line(shop.paid.pk, 2)])
    second = place_order(shop, actor=None, name="Bob", email="bob@example.com", lines=[Line(shop.paid.pk, 1)])
    third = place_order(shop, actor=None, name="Cy", email="cy@example.com", lines=[Line(shop.paid.pk, 1)])
    answer = organizers.post(reverse("orders:mark-paid", args=[shop.pk, first.code]))
    assert answer.status_code == 303
    answer = organizers.post(reverse("orders:cancel", args=[shop.pk, first.code]))
    assert answer.status_code == 303
    # The buyer, not logged in, cancels through the order's link; another, logged in.
    answer = Client().post(reverse("order_cancel", args=[shop.slug, second.code, second.secret]))
    assert answer.status_code == 303
    cy = make_user("cy@example.com", full_name="Cy")
    buyer = Client()
    buyer.force_login(cy)
    answer = buyer.post(reverse("order_cancel", args=[shop.slug, third.code, third.secret]))
    assert answer.status_code == 303
    # Refused (cancelled already): nothing logged.
    answer = Client().post(reverse("order_cancel", args=[shop.slug, second.code, second.secret]))
    assert answer.status_code == 303
    _, paid, cancelled = entries_of(first)
    assert (paid.actor, paid.changes["state"]) == (organizer, ["pending", "paid"])
    assert (cancelled.actor, cancelled.changes["state"]) == (organizer, ["paid", "cancelled"])
    [_, by_link] = entries_of(second)
    assert (by_link.actor, by_link.actor_label, by_link.changes["state"]) == (
        None,
        ANONYMOUS_BUYER,
        ["pending", "cancelled"],
    )
    [_, by_account] = entries_of(third)
    assert (by_account.actor, by_account.changes["state"]) == (cy, ["pending", "cancelled"])


def test_order_entries_are_read_by_whoever_may_read_orders(shop, organizer, user_with_role, api_client, super_admin):
    order = place_order(shop, actor=None, name="Bea Buyer", email="bea@buyers.example", lines=[Line(shop.paid.pk, 1)])
    api_client(organizer).patch(api_url(shop, order.code), {"state": "paid"}, format="json")
    coorganizer = user_with_role(shop, "coorganizer")
    moderator = user_with_role(shop, "moderator")

    def seen(user):
        answer = api_client(user).get(f"/api/v1/events/{shop.pk}/activity/", {"type": "orders.order"})
        page = Client()
        page.force_login(user)
        html = page.get(reverse("events:activity", args=[shop.pk])).content.decode()
        if answer.status_code == 400:  # a type the person reads no entry of
            return [], html
        assert answer.status_code == 200
        return [(entry["action"], entry["actor_label"]) for entry in answer.json()["results"]], html

    expected = [("updated", organizer.get_full_name() + f" <{organizer.email}>"), ("created", ANONYMOUS_BUYER)]
    for reader in (organizer, coorganizer):
        entries, html = seen(reader)
        assert entries == expected
        assert order.code in html
        assert "bea@buyers.example" in html
    entries, html = seen(moderator)
    assert entries == []
    assert order.code not in html
    assert "bea@buyers.example" not in html
    # The matrix decides: the moderator's role given the read of orders, it reads them.
    permission_services.set_permission_matrix({("moderator", "order"): {"read"}}, actor=super_admin)
    entries, html = seen(moderator)
    assert entries == expected
    assert order.code in html
