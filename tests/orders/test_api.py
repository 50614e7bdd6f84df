"""The orders API: anyone orders a published event's tickets; the matrix's order row
governs reading and changing them."""

import pytest
from django.core.cache import cache

from orders.models import Order
from tests.utils import WHO

pytestmark = pytest.mark.django_db


def url(event, code=None):
    base = f"/api/v1/events/{event.pk}/orders/"
    return f"{base}{code}/" if code else base


def body(event, *lines, **fields):
    return {"name": "Ada Lovelace", "email": "ada@example.com", "lines": list(lines), **fields}


def test_anyone_orders_a_published_events_tickets(shop, api_client):
    answer = api_client().post(
        url(shop),
        body(
            shop, {"ticket": shop.paid.pk, "quantity": 2}, {"ticket": shop.donation.pk, "quantity": 1, "amount": "5"}
        ),
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["state"] == "pending"
    assert data["total"] == "25.00"
    assert data["expires_at"]
    assert len(data["code"]) == 6
    assert data["url"].endswith(Order.objects.get().get_buyer_url())
    assert [line["ticket"] for line in data["lines"]] == [shop.paid.pk, shop.donation.pk]


def test_not_enough_left_is_409_with_the_ticket_and_what_is_left(shop, api_client):
    client = api_client()
    assert (
        client.post(url(shop), body(shop, {"ticket": shop.paid.pk, "quantity": 5}), format="json").status_code == 201
    )
    assert (
        client.post(url(shop), body(shop, {"ticket": shop.paid.pk, "quantity": 2}), format="json").status_code == 201
    )
    answer = client.post(url(shop), body(shop, {"ticket": shop.paid.pk, "quantity": 4}), format="json")
    assert answer.status_code == 409
    assert answer.json() == {"detail": "Only 3 of “Regular” left.", "ticket": shop.paid.pk, "available": 3}
    assert Order.objects.count() == 2


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"lines": [{"ticket": "PAID", "quantity": 0}]}, ["lines", "0", "quantity"]),
        ({"lines": [{"ticket": "PAID", "quantity": -3}]}, ["lines", "0", "quantity"]),
        ({"lines": [{"ticket": "PAID", "quantity": 10**12}]}, ["lines", "0", "quantity"]),
        ({"lines": [{"ticket": "PAID", "quantity": "two"}]}, ["lines", "0", "quantity"]),
        (
            {"lines": [{"ticket": "FREE", "quantity": 1}, {"ticket": "PAID", "quantity": 6}]},
            ["lines", "1", "quantity"],
        ),
        ({"lines": [{"ticket": 987654, "quantity": 1}]}, ["lines", "0", "ticket"]),
        ({"lines": [{"ticket": "OTHER", "quantity": 1}]}, ["lines", "0", "ticket"]),
        ({"lines": [{"ticket": "HIDDEN", "quantity": 1}]}, ["lines", "0", "ticket"]),
        ({"lines": [{"ticket": "DONATION", "quantity": 1, "amount": "-2"}]}, ["lines", "0", "amount"]),
        ({"lines": [{"ticket": "DONATION", "quantity": 1}]}, ["lines", "0", "amount"]),
        ({"lines": []}, ["lines"]),
        ({"name": ""}, ["name"]),
        ({"email": "ada-at-example"}, ["email"]),
        ({"email": None}, ["email"]),
    ],
)
def test_bad_input_is_400_naming_the_field_and_stores_nothing(shop, api_client, make_event, organizer, payload, where):
    from tests.factories import TicketFactory

    other = TicketFactory(event=make_event(organizer, state="published", name="Other"))
    ids = {"PAID": shop.paid.pk, "FREE": shop.free.pk, "HIDDEN": shop.hidden.pk, "DONATION": shop.donation.pk}
    ids["OTHER"] = other.pk
    data = body(shop, {"ticket": shop.free.pk, "quantity": 1})
    data.update(payload)
    for line in data["lines"]:
        line["ticket"] = ids.get(line["ticket"], line["ticket"])
    answer = api_client().post(url(shop), data, format="json")
    assert answer.status_code == 400, answer.json()
    found = answer.json()
    for key in where:
        found = found[key]
    assert found
    assert not Order.objects.exists()


def test_malformed_json_and_drafts(shop, api_client, make_event, organizer):
    answer = api_client().post(url(shop), "{not json", content_type="application/json")
    assert answer.status_code == 400
    draft = make_event(organizer, name="Draft")
    assert api_client().post(url(draft), body(draft), format="json").status_code == 404
    from tests.factories import TicketFactory

    ticket = TicketFactory(event=draft)
    answer = api_client(organizer).post(url(draft), body(draft, {"ticket": ticket.pk, "quantity": 1}), format="json")
    assert answer.status_code == 400
    assert "not published" in answer.json()["non_field_errors"][0]
    assert not Order.objects.exists()


def test_anonymous_orders_are_limited_per_address(shop, api_client, settings):
    settings.EVENTDESK_ORDER_RATE = "2/min"
    cache.clear()
    client = api_client()
    line = {"ticket": shop.free.pk, "quantity": 1}
    assert [client.post(url(shop), body(shop, line), format="json").status_code for _ in range(3)] == [201, 201, 429]
    assert Order.objects.count() == 2


@pytest.mark.parametrize("who", WHO)
def test_reading_and_changing_orders_follows_the_matrix(shop, api_client, person_as, who):
    from orders.services import Line, place_order

    placed = place_order(shop, actor=None, name="Ada", email="ada@example.com", lines=[Line(shop.paid.pk, 1)])
    client = api_client(person_as(who))
    can_read = who in ("organizer", "coorganizer", "admin", "super_admin")
    can_update = who in ("organizer", "coorganizer", "super_admin")
    listed = client.get(url(shop))
    assert listed.status_code == (200 if can_read else 401 if who == "anonymous" else 403)
    if can_read:
        assert [order["code"] for order in listed.json()["results"]] == [placed.code]
        assert listed.json()["results"][0]["email"] == "ada@example.com"
    changed = client.patch(url(shop, placed.code), {"state": "paid"}, format="json")
    assert changed.status_code == (200 if can_update else 401 if who == "anonymous" else 403)
    placed.refresh_from_db()
    assert placed.state == ("paid" if can_update else "pending")


def test_list_etags_filters_and_patch(shop, as_organizer):
    from orders.services import Line, place_order

    one = place_order(shop, actor=None, name="Ada", email="ada@example.com", lines=[Line(shop.paid.pk, 1)])
    place_order(shop, actor=None, name="Bob", email="bob@example.com", lines=[Line(shop.free.pk, 1)])
    first = as_organizer.get(url(shop))
    etag = first["ETag"]
    assert as_organizer.get(url(shop), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert [o["name"] for o in as_organizer.get(url(shop), {"state": "pending"}).json()["results"]] == ["Ada"]
    assert [o["name"] for o in as_organizer.get(url(shop), {"q": "bob@"}).json()["results"]] == ["Bob"]
    assert as_organizer.get(url(shop), {"state": "lost"}).status_code == 400
    read = as_organizer.get(url(shop, one.code))
    assert read.status_code == 200
    assert as_organizer.get(url(shop, one.code), HTTP_IF_NONE_MATCH=read["ETag"]).status_code == 304
    assert as_organizer.patch(url(shop, one.code), {"state": "pending"}, format="json").status_code == 400
    assert (
        as_organizer.patch(url(shop, one.code), {"state": "paid"}, format="json", HTTP_IF_MATCH='"stale"').status_code
        == 412
    )
    paid = as_organizer.patch(url(shop, one.code), {"state": "paid"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert paid.status_code == 200
    assert paid.json()["state"] == "paid"
    assert paid["ETag"] != read["ETag"]
    assert as_organizer.get(url(shop), HTTP_IF_NONE_MATCH=etag).status_code == 200  # the list changed
    again = as_organizer.patch(url(shop, one.code), {"state": "paid"}, format="json")
    assert again.status_code == 409
    assert (
        as_organizer.patch(url(shop, one.code), {"state": "cancelled"}, format="json").json()["state"] == "cancelled"
    )
    assert as_organizer.get(url(shop, "NOSUCH")).status_code == 404
    assert as_organizer.put(url(shop, one.code), {"state": "paid"}, format="json").status_code == 405
    assert as_organizer.delete(url(shop, one.code)).status_code == 405


def test_ticket_api_refuses_lowering_quantity_below_sales_and_deleting_sold_tickets(shop, as_organizer):
    from orders.services import Line, place_order

    place_order(shop, actor=None, name="Ada", email="ada@example.com", lines=[Line(shop.paid.pk, 4)])
    tickets = f"/api/v1/events/{shop.pk}/tickets/{shop.paid.pk}/"
    answer = as_organizer.patch(tickets, {"quantity": 3, "max_order": 3}, format="json")
    assert answer.status_code == 400
    assert "sold or held" in answer.json()["quantity"][0]
    assert as_organizer.patch(tickets, {"quantity": 4, "max_order": 4}, format="json").status_code == 200
    answer = as_organizer.delete(tickets)
    assert answer.status_code == 400
    assert "has orders" in str(answer.json())
