"""Orders: how many orders per second one ticket takes with 20 buyers at once, and how
many seats are oversold (the aim: 0, always).

Makes a scratch PostgreSQL database (``eventdesk_bench_orders`` by default), migrates it,
seeds a published event with one paid ticket of ``--quantity`` seats, starts two daphne
processes with deploy/stack.py (``Stack``: the production settings, ``DEBUG`` off), then
lets ``--buyers`` threads loose at once, each sending ``--attempts`` anonymous orders of
one seat, alternating between the two processes, one keep-alive connection per buyer.
More seats are asked for than there are, so the end of the run is the race for the last
seats. It prints the orders per second (201 answers over the time until the last one),
the refusals (409), anything else (should be none), and the seats oversold (sold minus
quantity, read from the database).

    .venv/bin/python bench/orders.py                 # postgres://postgres@127.0.0.1:5432/eventdesk_bench_orders
    .venv/bin/python bench/orders.py --buyers 20 --attempts 60 --quantity 1000
"""

import argparse
import http.client
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from django_scopes import scopes_disabled
from order_setup import order_bench_env, seed  # bench/, the script's own folder
from scratch_db import drop_database

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/eventdesk_bench_orders",
        help="a PostgreSQL database to (re)create for the run (default: %(default)s)",
    )
    parser.add_argument("--buyers", type=int, default=20, help="concurrent buyers (default 20)")
    parser.add_argument("--attempts", type=int, default=60, help="orders each buyer sends (default 60)")
    parser.add_argument("--quantity", type=int, default=1000, help="seats of the ticket (default 1000)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


@scopes_disabled()
def sold(ticket_id):
    from django.db import connections
    from django.db.models import Sum

    from orders.models import Order, OrderLine

    total = OrderLine.objects.filter(ticket_id=ticket_id, order__state__in=Order.HOLDING).aggregate(n=Sum("quantity"))
    connections.close_all()
    return total["n"] or 0


def buyer(index, ports, event_id, ticket_id, attempts, barrier, results):
    connections = {port: http.client.HTTPConnection("127.0.0.1", port, timeout=60) for port in ports}
    path = f"/api/v1/events/{event_id}/orders/"
    barrier.wait()
    for attempt in range(attempts):
        port = ports[(index + attempt) % len(ports)]
        body = json.dumps(
            {
                "name": f"Buyer {index}",
                "email": f"b{index}-{attempt}@example.com",
                "lines": [{"ticket": ticket_id, "quantity": 1}],
            }
        )
        connection = connections[port]
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        results.append((response.status, time.perf_counter()))
    for connection in connections.values():
        connection.close()


def main():
    args = parse_args()
    from deploy.stack import Stack

    name, env = order_bench_env(args.database_url, EMAIL_URL="dummymail://")  # the confirmations go nowhere
    stack = Stack(processes=2, env=env)
    print(f"database {name}: migrating, seeding one ticket of {args.quantity} seats ...", flush=True)
    stack.prepare(migrate=True)
    event_id, ticket_id = seed(args.quantity)
    try:
        for port in stack.daphne_ports:
            stack.start_daphne(port)
        barrier = threading.Barrier(args.buyers + 1, timeout=60)
        results = []
        threads = [
            threading.Thread(
                target=buyer, args=(i, stack.daphne_ports, event_id, ticket_id, args.attempts, barrier, results)
            )
            for i in range(args.buyers)
        ]
        for thread in threads:
            thread.start()
        barrier.wait()
        begin = time.perf_counter()
        for thread in threads:
            thread.join(600)
        end = time.perf_counter()
        statuses = Counter(status for status, _ in results)
        created = [at for status, at in results if status == 201]
        seats = sold(ticket_id)
        print(f"{args.buyers} buyers × {args.attempts} orders of 1 seat, {args.quantity} seats, 2 daphne processes")
        print(f"answers: {dict(statuses)} in {end - begin:.1f} s")
        if created:
            until = max(created) - begin
            print(f"orders per second: {len(created) / until:.1f} ({len(created)} orders in {until:.1f} s)")
        print(f"seats sold: {seats} of {args.quantity}; oversold: {max(0, seats - args.quantity)}")
        if seats > args.quantity or statuses[201] != seats or set(statuses) - {201, 409}:
            sys.exit("FAILED: oversold, or answers that do not add up")
    finally:
        stack.stop()
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
