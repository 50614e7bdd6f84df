"""Notification fan-out: how long from notify() until the browser's socket has it.

Starts one daphne process on loopback (its own SQLite file, the Redis at REDIS_URL with
a fresh key prefix), connects N users with one socket each and one more user with
several tabs, then measures:

1. one push at a time to the user with tabs: latency from calling ``notify()`` to
   receipt on each tab (p50 / p99), with the N other users connected;
2. a burst of pushes to random users, back to back: messages delivered per second;
3. one push to all N users (``notify_many_now``, the task of ``notify_many``): time until the last socket has it.

``notify()`` is called the way a Django view under daphne calls it: from a worker
thread whose ``async_to_sync`` runs the channel layer on the main event loop.

Usage (CHANNEL_LAYER_BACKEND picks the channels-redis layer, as in production):

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/notify_fanout.py --users 1000
    CHANNEL_LAYER_BACKEND=channels_redis.core.RedisChannelLayer REDIS_URL=... .venv/bin/python bench/notify_fanout.py

Everything stays on loopback and every loop is bounded; the figures go in bench/README.md.
"""

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

CONNECT_BATCH = 50
TIMEOUT = 30.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("users", nargs="?", type=int, default=1000, help="connected users (default 1000)")
    parser.add_argument("--tabs", type=int, default=10, help="sockets of the measured user (default 10)")
    parser.add_argument("--pushes", type=int, default=200, help="single pushes timed one by one (default 200)")
    parser.add_argument("--burst", type=int, default=500, help="pushes sent back to back (default 500)")
    parser.add_argument("--port", type=int, default=0, help="daphne port (default: a free one)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server (postgres://user@127.0.0.1:5432/postgres) on which to create a scratch database; "
        "default: a scratch SQLite file",
    )
    return parser.parse_args()


class ScratchDatabase:
    """A database made for one run and removed after it: a SQLite file, or one on a PostgreSQL server."""

    def __init__(self, postgres_url=None):
        self.name = f"eventdesk_bench_{uuid.uuid4().hex[:10]}"
        self.postgres_url = postgres_url
        if postgres_url:
            self._postgres("CREATE DATABASE {}")
            self.url = postgres_url.rsplit("/", 1)[0] + "/" + self.name
        else:
            self.path = Path(tempfile.mkdtemp(prefix="eventdesk-bench-")) / "bench.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def _postgres(self, statement):
        import psycopg2
        from psycopg2 import sql

        connection = psycopg2.connect(self.postgres_url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL(statement).format(sql.Identifier(self.name)))
        connection.close()

    def drop(self):
        if self.postgres_url:
            from django.db import connections

            connections.close_all()
            self._postgres("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        else:
            self.path.unlink(missing_ok=True)
            self.path.parent.rmdir()


def configure(database):
    """Environment for this process and daphne: the scratch database and a fresh Redis prefix."""
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    env = {
        "DATABASE_URL": database.url,
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": f"bench-{uuid.uuid4().hex[:10]}",
        "CHANNEL_LAYER_BACKEND": os.environ.get(
            "CHANNEL_LAYER_BACKEND", "channels_redis.pubsub.RedisPubSubChannelLayer"
        ),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return env


def set_up_users(count, tabs_user_email):
    """Users and their logged-in sessions, written straight to the database (fast)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User

    call_command("migrate", verbosity=0)
    users = [User(email=f"bench{n}@example.com") for n in range(count)] + [User(email=tabs_user_email)]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users, batch_size=500)
    users = list(User.objects.order_by("id"))
    store, expiry, sessions = SessionStore(), timezone.now() + timezone.timedelta(days=1), {}
    rows = []
    for user in users:
        key = uuid.uuid4().hex
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expiry))
        sessions[user.pk] = key
    Session.objects.bulk_create(rows, batch_size=500)
    return users, sessions


class Expectations:
    """Futures that resolve when a title has reached every socket expected to receive it."""

    def __init__(self):
        self.pending = {}  # title -> [sockets still to receive it, future]

    def expect(self, title, count):
        future = asyncio.get_running_loop().create_future()
        self.pending[title] = [count, future]
        return future

    def arrived(self, title):
        entry = self.pending.get(title)
        if entry is None:
            return
        entry[0] -= 1
        if entry[0] == 0:
            del self.pending[title]
            entry[1].set_result(None)


EXPECTATIONS = Expectations()


class Socket:
    """One browser tab: a websocket and the times its pushes arrived, by notification title."""

    def __init__(self, user_id):
        self.user_id = user_id
        self.arrivals = {}
        self.connection = None
        self.reader = None

    async def open(self, url, origin, session_key):
        from websockets.asyncio.client import connect

        self.connection = await connect(
            url,
            origin=origin,
            additional_headers={"Cookie": f"sessionid={session_key}"},
            proxy=None,
            compression=None,
            open_timeout=TIMEOUT,
            ping_interval=None,
        )
        first = await asyncio.wait_for(self.connection.recv(), TIMEOUT)
        assert '"WS connected"' in first, first
        self.reader = asyncio.create_task(self.read())

    async def read(self):
        import json

        async for text in self.connection:
            now = time.perf_counter()
            payload = json.loads(text)
            if payload["notifs"]:
                title = payload["notifs"][0]["title"]
                if title not in self.arrivals:
                    self.arrivals[title] = now
                    EXPECTATIONS.arrived(title)

    async def close(self):
        self.reader.cancel()
        await self.connection.close()


async def deliver(sockets, title, send):
    """Call ``send()`` (which pushes ``title``); return (seconds it took, whether all sockets got it)."""
    everywhere = EXPECTATIONS.expect(title, len(sockets))
    sent = time.perf_counter()
    await send()
    returned = time.perf_counter() - sent
    try:
        await asyncio.wait_for(everywhere, TIMEOUT)
    except TimeoutError:
        EXPECTATIONS.pending.pop(title, None)
        return sent, returned, False
    return sent, returned, True


async def deliver_counted(sockets, user):
    """Push once to ``user``'s sockets; returns the SQL statements of notify() and its push."""
    from asgiref.sync import sync_to_async
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.services import notify

    statements = []

    def counted():
        with CaptureQueriesContext(connection) as captured:
            notify(user, "Announcement", "counted", "")
        statements.extend(query["sql"] for query in captured.captured_queries)

    await deliver(sockets, "counted", sync_to_async(counted, thread_sensitive=True))
    return statements


def time_one_commit():
    """Seconds one INSERT of one row takes in autocommit (its commit waits for the WAL flush)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (id integer)")
        started = time.perf_counter()
        cursor.execute("INSERT INTO bench_commit_probe (id) VALUES (1)")
        return time.perf_counter() - started


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ms(seconds):
    return f"{seconds * 1000:.2f} ms"


async def run(args, env, users, sessions, port):
    from asgiref.sync import sync_to_async

    from notifications.services import notify, notify_many_now

    url, origin = f"ws://127.0.0.1:{port}/ws/notifications/", f"http://127.0.0.1:{port}"
    *crowd, tabs_user = users
    crowd_sockets = [Socket(user.pk) for user in crowd]
    tab_sockets = [Socket(tabs_user.pk) for _ in range(args.tabs)]
    started = time.perf_counter()
    everyone = crowd_sockets + tab_sockets
    for first in range(0, len(everyone), CONNECT_BATCH):
        batch = everyone[first : first + CONNECT_BATCH]
        await asyncio.gather(*(socket.open(url, origin, sessions[socket.user_id]) for socket in batch))
    print(f"connected {len(everyone)} sockets in {time.perf_counter() - started:.1f} s")

    # The way a view under daphne calls it: a worker thread, channel layer on this loop.
    notify_async = sync_to_async(notify, thread_sensitive=True)
    notify_many_async = sync_to_async(notify_many_now, thread_sensitive=True)
    await deliver(tab_sockets, "warm-up", lambda: notify_async(tabs_user, "Announcement", "warm-up", ""))

    # 1. Latency of single pushes to the user with tabs. Before each, a bare one-row
    # commit: what the disk's flush costs at that moment (it is in every push, and it
    # is the machine's, not the code's).
    commit_alone = sync_to_async(time_one_commit, thread_sensitive=True)
    await commit_alone()  # creates its table
    queries = await deliver_counted(tab_sockets, tabs_user)
    latencies, in_notify, commits, lost = [], [], [], 0
    for number in range(args.pushes):
        commits.append(await commit_alone())
        title = f"single-{number}"
        sent, returned, complete = await deliver(
            tab_sockets, title, lambda t=title: notify_async(tabs_user, "Announcement", t, "")
        )
        lost += not complete
        in_notify.append(returned)
        latencies += [socket.arrivals[title] - sent for socket in tab_sockets if title in socket.arrivals]

    # 2. Throughput: a burst of pushes to random users (one socket each), back to back.
    targets = [(number, random.choice(crowd_sockets)) for number in range(args.burst)]
    by_pk = {user.pk: user for user in crowd}
    everything = [EXPECTATIONS.expect(f"burst-{number}", 1) for number, _ in targets]
    sent = time.perf_counter()
    for number, socket in targets:
        await notify_async(by_pk[socket.user_id], "Announcement", f"burst-{number}", "")
    await asyncio.wait(everything, timeout=TIMEOUT)
    arrived = [s.arrivals[f"burst-{n}"] for n, s in targets if f"burst-{n}" in s.arrivals]
    burst_seconds = max(arrived, default=sent) - sent

    # 3. One push to all connected users at once.
    sent, returned, complete = await deliver(
        crowd_sockets, "everyone", lambda: notify_many_async(crowd, "Announcement", "everyone", "")
    )
    arrivals = [s.arrivals["everyone"] - sent for s in crowd_sockets if "everyone" in s.arrivals]

    print(f"layer: {env['CHANNEL_LAYER_BACKEND']}; database: {env['DATABASE_URL'].split(':')[0]}")
    print(f"users connected: {len(crowd)} (+1 user with {args.tabs} tabs)")
    print(
        f"single push to {args.tabs} tabs, {args.pushes} pushes: "
        f"p50 {ms(statistics.median(latencies))}, p99 {ms(percentile(latencies, 0.99))}, "
        f"max {ms(max(latencies))}, lost {lost}; of which notify() itself (save, read back, send): "
        f"p50 {ms(statistics.median(in_notify))}"
    )
    print(f"queries of one notify() and its push: {len(queries)} ({'; '.join(q.split()[0] for q in queries)})")
    print(
        f"a one-row INSERT and its commit alone, before each push: p50 {ms(statistics.median(commits))}, "
        f"p99 {ms(percentile(commits, 0.99))}"
    )
    print(
        f"burst of {args.burst} pushes: {len(arrived)}/{args.burst} delivered in {burst_seconds:.2f} s "
        f"= {len(arrived) / burst_seconds:.0f} messages/s"
    )
    print(
        f"push to all {len(crowd)} users: {'all' if complete else len(arrivals)} delivered, "
        f"first {ms(min(arrivals))}, p50 {ms(statistics.median(arrivals))}, last {ms(max(arrivals))} "
        f"(notify_many_now() itself: {ms(returned)})"
    )
    await asyncio.gather(*(socket.close() for socket in everyone))


def main():
    args = parse_args()
    database = ScratchDatabase(args.postgres)
    env = configure(database)

    import django

    django.setup()
    from tests.utils import free_port, wait_for_port

    users, sessions = set_up_users(args.users, "tabs@example.com")
    port = args.port or free_port()
    daphne = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, daphne)
        asyncio.run(run(args, env, users, sessions, port))
    finally:
        daphne.terminate()
        try:
            daphne.wait(10)
        except subprocess.TimeoutExpired:
            daphne.kill()
        database.drop()


if __name__ == "__main__":
    main()
