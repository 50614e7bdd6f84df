"""A retried order books once (Step 13, item 15): the API's ``Idempotency-Key`` and the
order form's one-time token."""

import json
import re
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from orders.forms import new_form_token
from orders.models import IdempotencyRecord, Order
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

KEY = "3f1c9a5e-7d2b-4c1e-9f0a-1b2c3d4e5f60"


def post_json(url, payload, headers):
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json", **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def url(event):
    return f"/api/v1/events/{event.pk}/orders/"


def order_body(event, quantity=2, **fields):
    return {
        "name": "Ada",
        "email": "ada@example.com",
        "lines": [{"ticket": event.paid.pk, "quantity": quantity}],
        **fields,
    }


def test_the_same_key_and_body_answer_the_first_answer_and_place_nothing(shop, api_client):
    client = api_client()
    first = client.post(url(shop), order_body(shop), format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == 201
    Order.objects.update(state="paid", paid_at=timezone.now())  # the order changes meanwhile
    # The same JSON, keys in another order.
    again = client.post(
        url(shop),
        {"lines": [{"quantity": 2, "ticket": shop.paid.pk}], "email": "ada@example.com", "name": "Ada"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    # With the first answer's tag (the order as that body shows it), as the first answer.
    assert again["ETag"] == first["ETag"]


def test_a_replay_carries_the_tag_of_the_order_it_shows(shop, api_client, as_organizer):
    client = api_client()
    first = client.post(url(shop), order_body(shop), format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    order = Order.objects.get()
    detail = f"{url(shop)}{order.code}/"
    assert as_organizer.get(detail, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    replay = client.post(url(shop), order_body(shop), format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert replay["ETag"] == first["ETag"]
    # Paid since: the replay still shows it pending, under the tag of that version, which
    # the order's own answers no longer match.
    paid = as_organizer.patch(detail, {"state": "paid"}, format="json", HTTP_IF_MATCH=replay["ETag"])
    assert paid.status_code == 200, paid.json()
    stale = client.post(url(shop), order_body(shop), format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert (stale.json()["state"], stale["ETag"]) == ("pending", first["ETag"])
    assert as_organizer.get(detail, HTTP_IF_NONE_MATCH=stale["ETag"]).status_code == 200
    again = as_organizer.patch(detail, {"state": "cancelled"}, format="json", HTTP_IF_MATCH=stale["ETag"])
    assert again.status_code == 412


def test_the_same_key_with_another_body_is_422(shop, api_client):
    client = api_client()
    assert client.post(url(shop), order_body(shop), format="json", HTTP_IDEMPOTENCY_KEY=KEY).status_code == 201
    answer = client.post(url(shop), order_body(shop, quantity=3), format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.json()["detail"]
    assert Order.objects.count() == 1
    # A new key is a new order.
    assert (
        client.post(url(shop), order_body(shop, quantity=3), format="json", HTTP_IDEMPOTENCY_KEY="k2").status_code
        == 201
    )
    assert Order.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "two words", "tab\there", "ключ", "del\x7f"])
def test_a_malformed_key_is_400_and_places_nothing(shop, api_client, key):
    answer = api_client().post(url(shop), order_body(shop), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()
    assert not Order.objects.exists()


def test_keys_are_the_callers_own(shop, api_client, user, make_user):
    anonymous = api_client()
    assert anonymous.post(url(shop), order_body(shop), format="json", HTTP_IDEMPOTENCY_KEY=KEY).status_code == 201
    # Another client address, another account: the same key is theirs, a new order.
    other = anonymous.post(
        url(shop), order_body(shop), format="json", HTTP_IDEMPOTENCY_KEY=KEY, REMOTE_ADDR="10.7.7.7"
    )
    assert other.status_code == 201
    assert other.json()["code"] != Order.objects.order_by("pk").first().code
    for account in (user, make_user()):
        assert (
            api_client(account)
            .post(url(shop), order_body(shop, quantity=1), format="json", HTTP_IDEMPOTENCY_KEY=KEY)
            .status_code
            == 201
        )
    assert Order.objects.count() == 4


def test_a_refusal_is_not_kept_and_a_record_lasts_24_hours(shop, api_client):
    client = api_client()
    too_many = client.post(url(shop), order_body(shop, quantity=6), format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert too_many.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert client.post(url(shop), order_body(shop), format="json", HTTP_IDEMPOTENCY_KEY=KEY).status_code == 201
    # 24 hours later the key is forgotten: a new order.
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    assert client.post(url(shop), order_body(shop), format="json", HTTP_IDEMPOTENCY_KEY=KEY).status_code == 201
    assert Order.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    call_command("expire_orders")
    assert not IdempotencyRecord.objects.exists()


def test_the_schema_documents_the_header(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/events/{event_id}/orders/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])
    assert "422" in operation["responses"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_place_one_order(start_daphne, make_event, organizer):
    """Two daphne processes, eight requests with one key at once: one order, and every
    answer is its 201 (a retry racing the first waits for it on the event's lock)."""
    event = make_event(organizer)
    Event.objects.filter(pk=event.pk).update(state="published")
    ticket = TicketFactory(event=event, name="Seats", paid=True, quantity=100, max_order=10)
    env = {"EVENTDESK_ORDER_RATE": "100000/min"}
    servers = [start_daphne(**env), start_daphne(**env)]
    payload = {"name": "Ada", "email": "ada@example.com", "lines": [{"ticket": ticket.pk, "quantity": 3}]}
    count = 8
    barrier = threading.Barrier(count, timeout=60)
    results = [None] * count

    def buy(index):
        barrier.wait()
        target = f"{servers[index % 2].url}{url(event)}"
        results[index] = post_json(target, payload, headers={"Idempotency-Key": KEY})

    threads = [threading.Thread(target=buy, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [status for status, _ in results] == [201] * count, results
    assert len({body["code"] for _, body in results}) == 1
    assert Order.objects.filter(event=event).count() == 1
    assert IdempotencyRecord.objects.count() == 1


# --- the order form's one-time token -------------------------------------------------------


def test_the_same_page_sent_twice_places_one_order(shop):
    client = Client()
    page = client.get(reverse("event_order", args=[shop.slug])).content.decode()
    token = re.search(r'name="once" value="([^"]+)"', page).group(1)
    data = {"name": "Ada", "email": "ada@example.com", f"quantity_{shop.paid.pk}": "2", "once": token}
    first = client.post(reverse("event_order", args=[shop.slug]), data)
    assert first.status_code == 303
    # Back, and send again (even changed): the first order, not a second one.
    again = client.post(
        reverse("event_order", args=[shop.slug]), {**data, f"quantity_{shop.paid.pk}": "3"}, follow=True
    )
    assert again.redirect_chain == [(first["Location"], 303)]
    assert "sent already" in again.content.decode()
    assert Order.objects.count() == 1


@pytest.mark.parametrize("token", [None, "", "forged", "x" * 5000])
def test_a_form_without_its_token_places_nothing(shop, token):
    data = {"name": "Ada", "email": "ada@example.com", f"quantity_{shop.paid.pk}": "2"}
    if token is not None:
        data["once"] = token
    answer = Client().post(reverse("event_order", args=[shop.slug]), data)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "too old or was not sent by this site" in html
    fresh = re.search(r'name="once" value="([^"]+)"', html).group(1)
    assert fresh != token
    assert not Order.objects.exists()
    # The page it answers carries a good token: sent again, it places the order.
    assert Client().post(reverse("event_order", args=[shop.slug]), {**data, "once": fresh}).status_code == 303
    assert Order.objects.count() == 1


def test_a_refused_page_keeps_its_token_and_an_old_token_is_refused(shop, monkeypatch):
    client = Client()
    page = client.get(reverse("event_order", args=[shop.slug])).content.decode()
    token = re.search(r'name="once" value="([^"]+)"', page).group(1)
    data = {"name": "Ada", "email": "ada@example.com", f"quantity_{shop.paid.pk}": "99", "once": token}
    refused = client.post(reverse("event_order", args=[shop.slug]), data)
    assert refused.status_code == 200
    assert f'name="once" value="{token}"' in refused.content.decode()
    assert (
        client.post(reverse("event_order", args=[shop.slug]), {**data, f"quantity_{shop.paid.pk}": "2"}).status_code
        == 303
    )
    assert Order.objects.count() == 1
    # A token older than 12 hours (its record is kept 24) is refused.
    now = time.time()
    monkeypatch.setattr("django.core.signing.time.time", lambda: now - 13 * 3600)
    old = new_form_token()
    monkeypatch.undo()
    data = {**data, f"quantity_{shop.paid.pk}": "1", "once": old}
    answer = client.post(reverse("event_order", args=[shop.slug]), data)
    assert answer.status_code == 200
    assert "too old" in answer.content.decode()
    assert Order.objects.count() == 1


def test_the_pages_that_carry_a_form_token_are_never_shared(shop):
    # Two buyers served one copy of a page would share its token: the second one's order
    # would answer with the first one's (its secret link). No shared cache may keep them.
    for name in ("event_public", "event_order"):
        answer = Client().get(reverse(name, args=[shop.slug]))
        assert 'name="once"' in answer.content.decode()
        assert answer["Cache-Control"] == "private, no-cache", name
