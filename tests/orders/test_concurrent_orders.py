"""Never oversold: 50 buyers race for the last 10 seats through real servers (two
daphne processes on the test database, SQLite or PostgreSQL), each buyer in its own
thread with its own connection, all let go at once. Exactly 10 are sold, every other
buyer is told 409 with what is left, and nothing answers 500."""

import json
import threading
import urllib.error
import urllib.request
from collections import Counter

from django.db.models import Sum

from events.models import Event
from orders.models import Order, OrderLine
from orders.services import Line, place_order
from tests.factories import TicketFactory

BUYERS = 50
LEFT = 10


def post_json(url, payload):
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, body.decode(errors="replace")


def test_fifty_buyers_race_for_the_last_ten_seats(start_daphne, make_event, organizer):
    event = make_event(organizer)
    Event.objects.filter(pk=event.pk).update(state="published")
    event.refresh_from_db()
    ticket = TicketFactory(event=event, name="Last seats", quantity=40 + LEFT, max_order=40)
    place_order(event, actor=None, name="Early", email="early@example.com", lines=[Line(ticket.pk, 40)])

    env = {"EVENTDESK_ORDER_RATE": "100000/min"}
    servers = [start_daphne(**env), start_daphne(**env)]
    barrier = threading.Barrier(BUYERS, timeout=60)
    results = [None] * BUYERS

    def buy(index):
        url = f"{servers[index % 2].url}/api/v1/events/{event.pk}/orders/"
        barrier.wait()
        results[index] = post_json(
            url,
            {
                "name": f"Buyer {index}",
                "email": f"b{index}@example.com",
                "lines": [{"ticket": ticket.pk, "quantity": 1}],
            },
        )

    threads = [threading.Thread(target=buy, args=(index,)) for index in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)

    statuses = Counter(status for status, _ in results)
    assert statuses == {201: LEFT, 409: BUYERS - LEFT}, (statuses, [r for r in results if r[0] not in (201, 409)])
    for status, body in results:
        if status == 409:
            assert body["ticket"] == ticket.pk
            assert body["available"] == 0
    sold = OrderLine.objects.filter(ticket=ticket, order__state__in=Order.HOLDING).aggregate(n=Sum("quantity"))["n"]
    assert sold == ticket.quantity  # exactly the quantity: never more
    assert Order.objects.filter(event=event).count() == 1 + LEFT
