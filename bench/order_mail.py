"""Orders while the mail server hangs: how long placing an order takes with an SMTP server
that never answers, against one that answers at once (issue 21, item 3).

Makes a scratch PostgreSQL database (``eventdesk_bench_order_mail`` by default), migrates
it, seeds a published event with one paid ticket, then runs two rounds, each with one
daphne process and one background worker (deploy/stack.py: the production settings,
``DEBUG`` off) whose ``EMAIL_URL`` points at an SMTP server started here on a loopback
port:

- ``working``: a minimal SMTP server that takes every message at once;
- ``hanging``: a server that accepts the connection and never says a word (the worker
  waits ``EMAIL_TIMEOUT``, 20 s, for each e-mail, then gives it up).

In each round one client places ``--orders`` orders one after the other through the API
(one keep-alive connection) and the script prints the answer time's p50 and p95, then
how many e-mails the SMTP server received and how many tasks still wait in the queue.
The order request only queues the e-mail; the worker sends it, so the two rounds should
answer alike while only the worker waits for the hanging server.

    .venv/bin/python bench/order_mail.py                # postgres://postgres@127.0.0.1:5432/eventdesk_bench_order_mail
    .venv/bin/python bench/order_mail.py --orders 300
"""

import argparse
import http.client
import json
import socket
import socketserver
import statistics
import sys
import threading
import time
from pathlib import Path

from order_setup import order_bench_env, seed  # bench/, the script's own folder
from scratch_db import drop_database

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/eventdesk_bench_order_mail",
        help="a PostgreSQL database to (re)create for the run (default: %(default)s)",
    )
    parser.add_argument("--orders", type=int, default=200, help="orders per round (default 200)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


class WorkingSMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: every message is taken at once."""

    def reply(self, line):
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self.reply("220 bench ESMTP")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 bench")
            elif command == "DATA":
                self.reply("354 end with .")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                self.server.received += 1
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:  # MAIL FROM, RCPT TO, RSET, NOOP
                self.reply("250 ok")


class HangingSMTP(socketserver.BaseRequestHandler):
    """Accepts the connection, then says nothing until the bench ends."""

    def handle(self):
        self.server.stop.wait()


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.received = 0
        self.stop = threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self):
        return self.server_address[1]

    def close(self):
        self.stop.set()
        self.shutdown()
        self.server_close()


def waiting_tasks():
    from django.db import connections
    from django_tasks_db.models import DBTaskResult

    count = DBTaskResult.objects.ready().count()
    connections.close_all()
    return count


def place_orders(port, event_id, ticket_id, count, round_name):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    path = f"/api/v1/events/{event_id}/orders/"
    times, statuses = [], []
    for n in range(count):
        body = json.dumps(
            {
                "name": "Buyer",
                "email": f"{round_name}-{n}@example.com",
                "lines": [{"ticket": ticket_id, "quantity": 1}],
            }
        )
        began = time.perf_counter()
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - began) * 1000)
        statuses.append(response.status)
    connection.close()
    return times, statuses


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_round(name, number, handler, base_env, event_id, ticket_id, orders):
    from deploy.stack import Stack

    smtp = SMTPServer(handler)
    env = {**base_env, "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}"}
    stack = Stack(processes=1, env=env, workers=1)
    stack.prepare(migrate=False)
    try:
        stack.start_daphne(stack.daphne_ports[0])
        stack.start_worker(1)
        place_orders(stack.daphne_ports[0], event_id, ticket_id, 10, f"warm{number}")  # warm up
        times, statuses = place_orders(stack.daphne_ports[0], event_id, ticket_id, orders, f"round{number}")
        time.sleep(3)  # the worker's share: a working server has the mail by now
        waiting = waiting_tasks()
        bad = {status for status in statuses if status != 201}
        print(
            f"{name:8} mail server: {orders} orders, p50 {statistics.median(times):.1f} ms, "
            f"p95 {percentile(times, 0.95):.1f} ms, max {max(times):.1f} ms; "
            f"e-mails received {smtp.received}; tasks still waiting {waiting}"
            + (f"; answers other than 201: {sorted(bad)}" if bad else ""),
            flush=True,
        )
        return bad
    finally:
        smtp.close()
        stack.stop()


def main():
    args = parse_args()
    name, env = order_bench_env(args.database_url)
    from deploy.stack import Stack

    print(f"database {name}: migrating, seeding one ticket ...", flush=True)
    Stack(processes=1, env=env, workers=0).prepare(migrate=True)
    event_id, ticket_id = seed(1_000_000)
    socket.setdefaulttimeout(None)
    failed = set()
    try:
        for number, (round_name, handler) in enumerate(
            [("working", WorkingSMTP), ("hanging", HangingSMTP), ("working", WorkingSMTP)]
        ):
            failed |= run_round(round_name, number, handler, env, event_id, ticket_id, args.orders)
    finally:
        if not args.keep:
            drop_database(args.database_url)
    if failed:
        sys.exit(f"FAILED: answers other than 201: {sorted(failed)}")


if __name__ == "__main__":
    main()
