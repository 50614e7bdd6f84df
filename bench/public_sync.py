"""Public sync at conference scale: attendee apps polling ``versions/`` and refetching what changed.

Makes a scratch PostgreSQL database (``eventdesk_public_bench`` by default), starts the
production-like stack of deploy/stack.py on loopback (nginx in front of two daphne
processes, the cache and channel layer on Redis at ``--redis-url`` under a fresh key
prefix), seeds a published event (200 sessions, 10 tracks, 10 rooms, 100 speakers, 20
sponsors, 50 ticket types) and then:

1. **in the application** (Django's test client in this process, on the same database
   and Redis): the cost of an anonymous 304 of ``tickets/`` (50 ticket types) beside
   today's authenticated 304 (a token) of the same list, and the anonymous 304 through
   the ASGI application as daphne calls it (answered by the front door);
2. **polling, 304 against 304**: ``versions/`` with a current ``If-None-Match``, as fast
   as the load generator can ask, for ``--seconds``: first with the organizer's token
   (today's authenticated 304), then anonymously (the public 304, answered by the API's
   front door, ``core.api.front_door``). With ``wrk`` installed (``apt-get install wrk``;
   a C load generator that costs the shared cores far less than Python) it asks, over
   ``--wrk-connections`` connections; without it N simulated apps of the Python client do;
3. **public sync**: N anonymous apps poll ``versions/`` and, when a counter moved, refetch
   the lists that changed (``If-None-Match`` with their last tag) while an organizer edits
   a session every ``--edit-every`` seconds (through the ORM in this process, committed).

The apps share ``--connections`` keep-alive HTTP/1.1 connections (raw asyncio; nginx
allows 1,024 per worker). With ``BENCH_QUERY_COUNT`` set the servers add ``X-Query-Count``
and ``X-Answer`` (304, cached, built) to each answer: the report gives, per kind, the
count, p50 and p99 latency and SQL queries, and the serializations per change per list
(answers ``built`` per list and tag; 1 when only the first client paid).

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/public_sync.py            # 1,000 apps
    .venv/bin/python bench/public_sync.py --apps 300 --seconds 10 --redis-url redis://127.0.0.1:6379/0
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from django_scopes import scopes_disabled
from scratch_db import drop_database, recreate_database  # bench/, the script's own folder

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

try:  # a faster event loop for the client, when installed (not a requirement)
    import uvloop
except ImportError:
    uvloop = None

LISTS = ("tracks", "sessions", "speakers", "sponsors", "microlocations", "tickets")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/eventdesk_public_bench")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--apps", type=int, default=1000, help="simulated attendee apps (default 1000)")
    parser.add_argument("--connections", type=int, default=200, help="keep-alive connections they share")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each HTTP phase (default 20)")
    parser.add_argument("--edit-every", type=float, default=3.0, help="seconds between two edits (default 3)")
    parser.add_argument("--in-app", type=int, default=2000, help="requests of each kind timed in-process")
    parser.add_argument("--wrk-connections", type=int, default=64, help="connections of wrk (default 64)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--pgbouncer",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="daphnes reach PostgreSQL through PgBouncer (default: when pgbouncer is installed)",
    )
    return parser.parse_args()


# --- the scratch database -----------------------------------------------------------------


@scopes_disabled()  # the bench's own data, outside any request
def seed():
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from accounts.tokens import issue_token
    from events.models import Event, Microlocation, Session, Speaker, Sponsor, Track
    from events.services import create_event
    from tickets.models import Ticket

    organizer = User.objects.create_user(email="organizer@bench.example", password=uuid.uuid4().hex)
    starts = timezone.now() + timedelta(days=30)
    event = create_event(organizer, name="Bench conference", starts_at=starts, ends_at=starts + timedelta(days=3))
    tracks = Track.objects.bulk_create([Track(event=event, name=f"Track {n}") for n in range(10)])
    rooms = Microlocation.objects.bulk_create([Microlocation(event=event, name=f"Room {n}") for n in range(10)])
    speakers = Speaker.objects.bulk_create(
        [Speaker(event=event, name=f"Speaker {n}", email=f"s{n}@bench.example", bio="Bio " * 40) for n in range(100)]
    )
    Sponsor.objects.bulk_create([Sponsor(event=event, name=f"Sponsor {n}", level="gold") for n in range(20)])
    sessions = Session.objects.bulk_create(
        [
            Session(
                event=event,
                title=f"Talk {n}",
                abstract="<p>" + "Abstract " * 60 + "</p>",
                track=tracks[n % 10],
                microlocation=rooms[n % 10],
                starts_at=starts + timedelta(minutes=30 * (n // 10)),
                ends_at=starts + timedelta(minutes=30 * (n // 10) + 25),
            )
            for n in range(200)
        ]
    )
    for n, session in enumerate(sessions):
        session.speakers.add(speakers[n % 100], speakers[(n + 1) % 100])
    Ticket.objects.bulk_create(
        [Ticket(event=event, type="free", name=f"Ticket {n}", quantity=100, position=n) for n in range(50)]
    )
    Event.objects.filter(pk=event.pk).update_and_bump(state=Event.State.PUBLISHED)
    return event.pk, issue_token(organizer)[1], sessions[0].pk


# --- in the application -----------------------------------------------------------------------


def in_application(event_id, token, count):
    from django.test import Client

    url = f"/api/v1/events/{event_id}/tickets/"
    results = {}
    for label, headers in (("anonymous", {}), ("authenticated (token)", {"HTTP_AUTHORIZATION": f"Token {token}"})):
        client = Client()
        tag = client.get(url, **headers)["ETag"]
        for _ in range(50):
            assert client.get(url, HTTP_IF_NONE_MATCH=tag, **headers).status_code == 304
        times = []
        for _ in range(count):
            start = time.perf_counter()
            client.get(url, HTTP_IF_NONE_MATCH=tag, **headers)
            times.append((time.perf_counter() - start) * 1000)
        results[label] = times
    return results


def at_the_front_door(event_id, count):
    """The anonymous 304 of ``tickets/`` through the ASGI application daphne runs
    (config.asgi), in this process: the first request goes to Django, which teaches the
    front door; the others are answered by it. Milliseconds per answer."""
    from config.asgi import application

    path = f"/api/v1/events/{event_id}/tickets/"

    async def call(headers):
        sent = []
        never = asyncio.Event()
        requests = iter([{"type": "http.request", "body": b"", "more_body": False}])

        async def receive():
            try:
                return next(requests)
            except StopIteration:
                await never.wait()

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"testserver"), *headers],
        }
        await application(scope, receive, send)
        return sent[0]["status"], {name.lower(): value for name, value in sent[0]["headers"]}

    async def measure():
        status, headers = await call([])
        assert status == 200, (status, headers)
        tag = headers[b"etag"]
        times = []
        for n in range(count + 50):
            start = time.perf_counter()
            status, _ = await call([(b"if-none-match", tag)])
            if n >= 50:
                times.append((time.perf_counter() - start) * 1000)
            assert status == 304
        return times

    return asyncio.run(measure())


# --- HTTP -------------------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection (Content-Length or chunked answers)."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, path, headers):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        self.writer.write("\r\n".join(lines).encode())
        # The status line and headers in one read (not a readline each): the client shares
        # the cores with the servers, so its own work per answer is kept small.
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        answer_headers = {}
        for line in head[1:]:
            if line:
                name, _, value = line.partition(":")
                answer_headers[name.strip().lower()] = value.strip()
        if "content-length" in answer_headers:
            body = await self.reader.readexactly(int(answer_headers["content-length"]))
        elif answer_headers.get("transfer-encoding") == "chunked":
            body = b""
            while size := int((await self.reader.readline()).strip(), 16):
                body += await self.reader.readexactly(size)
                await self.reader.readline()
            await self.reader.readline()
        else:
            body = b""
        if answer_headers.get("connection") == "close":
            self.writer.close()
            self.writer = None
        return status, answer_headers, body


class Recorder:
    def __init__(self):
        self.latency = defaultdict(list)
        self.queries = defaultdict(list)
        self.built = Counter()  # (list path, tag) -> answers built
        self.statuses = Counter()
        self.requests = 0

    def record(self, path, status, headers, elapsed):
        self.requests += 1
        self.statuses[status] += 1
        kind = headers.get("x-answer", "other")
        kind = {"304": "304", "cached": "200 from cache", "built": "200 rebuilt"}.get(kind, f"other ({status})")
        self.latency[kind].append(elapsed * 1000)
        self.queries[kind].append(int(headers.get("x-query-count", "-1")))
        if headers.get("x-answer") == "built":
            self.built[(path, headers.get("etag"))] += 1


async def run_apps(base, apps, connections, seconds, event_id, token=None, edit=None, edit_every=None):
    parts = urlsplit(base)
    pool = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Connection(parts.hostname, parts.port))
    recorder = Recorder()
    deadline = time.monotonic() + seconds
    prefix = f"/api/v1/events/{event_id}"
    auth = {"Authorization": f"Token {token}"} if token else {}

    async def get(path, etag):
        connection = await pool.get()
        try:
            headers = {**auth, **({"If-None-Match": etag} if etag else {})}
            start = time.perf_counter()
            status, answer_headers, body = await connection.request(path, headers)
            recorder.record(path, status, answer_headers, time.perf_counter() - start)
            return status, answer_headers, body
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError):
            connection.writer = None
            recorder.statuses["error"] += 1
            return None, {}, b""
        finally:
            pool.put_nowait(connection)

    async def app():
        tags, versions = {}, {}
        while time.monotonic() < deadline:
            status, headers, body = await get(f"{prefix}/versions/", tags.get("versions"))
            if status == 200:
                tags["versions"] = headers.get("etag")
                new = json.loads(body)
                if token is None:
                    for name in LISTS:
                        if versions.get(f"{name}_ver") != new.get(f"{name}_ver"):
                            path = f"{prefix}/{name}/?page_size=500"
                            status, list_headers, _ = await get(path, tags.get(path))
                            if status == 200:
                                tags[path] = list_headers.get("etag")
                versions = new

    async def organizer():
        n = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(edit_every)
            n += 1
            await asyncio.to_thread(edit, n)

    start = time.monotonic()
    tasks = [asyncio.create_task(app()) for _ in range(apps)]
    if edit is not None:
        tasks.append(asyncio.create_task(organizer()))
    await asyncio.gather(*tasks)
    return recorder, time.monotonic() - start


def wrk(url, headers, seconds, connections):
    """``wrk`` asking for ``url`` with ``headers`` for ``seconds``: requests per second,
    p50 and p99 in ms, and the answers that were neither 2xx nor 3xx, or socket errors."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}

    def latency(percent):
        found = re.search(rf"^\s+{percent}(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if found is None:
            raise ValueError(f"no {percent}% latency in wrk's output:\n{output}")
        number, unit = found.groups()
        return float(number) * units[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "bad": int(bad.group(1)) if bad else 0,
        "errors": errors.group(1) if errors else "none",
    }


def check_answer(base, path, headers, expected):
    """One request with the Python client: its status and ``X-Answer`` (304, cached,
    built) and ``X-Query-Count``, so that what wrk then repeats is known."""
    parts = urlsplit(base)

    async def ask():
        connection = Connection(parts.hostname, parts.port)
        status, answer_headers, _ = await connection.request(path, headers)
        connection.writer.close()
        return status, answer_headers.get("x-answer"), answer_headers.get("x-query-count")

    status, kind, queries = run(ask())
    print(f"one request first: {status}, X-Answer {kind}, X-Query-Count {queries}")
    assert (status, kind) == expected, (status, kind)


def polling(args, base, event_id, token, versions_tag, public_tag):
    """Phase 2: the authenticated 304 and the anonymous 304 of ``versions/``, one after the other."""
    path = f"/api/v1/events/{event_id}/versions/"
    rates = {}
    for label, headers in (
        ("authenticated (token)", {"Authorization": f"Token {token}", "If-None-Match": versions_tag}),
        ("anonymous", {"If-None-Match": public_tag}),
    ):
        print(f"\n## Polling versions/ with a current If-None-Match: {label}")
        check_answer(base, path, headers, (304, "304"))
        if shutil.which("wrk"):
            result = wrk(base + path, headers, args.seconds, args.wrk_connections)
            print(
                f"wrk, {args.wrk_connections} connections, {args.seconds:.0f} s: {result['requests']} requests, "
                f"**{result['rps']:.0f} req/s**, p50 {result['p50']:.2f} ms, p99 {result['p99']:.2f} ms, "
                f"answers not 2xx/3xx: {result['bad']}, socket errors: {result['errors']}"
            )
            rates[label] = result["rps"]
        else:
            recorder, elapsed = run(
                run_apps(base, args.apps, args.connections, args.seconds, event_id, token=token if token else None)
            )
            report(f"{label}, Python client", recorder, elapsed)
            rates[label] = recorder.requests / elapsed
    ratio = rates["anonymous"] / rates["authenticated (token)"]
    print(f"\nanonymous 304 / authenticated 304, requests per second: **{ratio:.1f}x**")


def run(coroutine):
    return uvloop.run(coroutine) if uvloop else asyncio.run(coroutine)


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * fraction))] if values else float("nan")


def report(title, recorder, elapsed, edits=None):
    print(f"\n## {title}: {recorder.requests} requests in {elapsed:.1f} s = {recorder.requests / elapsed:.0f} req/s")
    print(f"statuses: {dict(recorder.statuses)}")
    print("| kind | answers | p50 ms | p99 ms | SQL queries (mean / max) |")
    print("| --- | --- | --- | --- | --- |")
    for kind, times in sorted(recorder.latency.items()):
        queries = recorder.queries[kind]
        print(
            f"| {kind} | {len(times)} | {percentile(times, 0.5):.2f} | {percentile(times, 0.99):.2f} | "
            f"{statistics.mean(queries):.2f} / {max(queries)} |"
        )
    if recorder.built:
        per_list = Counter()
        for (path, _tag), count in recorder.built.items():
            per_list[path.split("/")[-2]] += count
        builds = list(recorder.built.values())
        print(
            f"serializations per (list, tag): mean {statistics.mean(builds):.2f}, max {max(builds)} "
            f"over {len(builds)} (list, tag) pairs; by list: {dict(per_list)}; edits: {edits}"
        )


def current_tags(base, event_id, token):
    """The ETags of ``versions/`` for the organizer and for the public."""
    parts = urlsplit(base)
    path = f"/api/v1/events/{event_id}/versions/"

    async def ask():
        connection = Connection(parts.hostname, parts.port)
        _, private, _ = await connection.request(path, {"Authorization": f"Token {token}"})
        _, public, _ = await connection.request(path, {})
        connection.writer.close()
        return private["etag"], public["etag"]

    return run(ask())


def main():
    args = parse_args()
    prefix = f"bench-public-{uuid.uuid4().hex[:8]}"
    os.environ.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CHANNEL_LAYER_PREFIX=prefix,
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY") or uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DEBUG="false",
    )
    recreate_database(args.database_url)
    from deploy.stack import Stack, pgbouncer_path

    pgbouncer = pgbouncer_path() is not None if args.pgbouncer is None else args.pgbouncer
    stack = Stack(processes=2, run_dir=tempfile.mkdtemp(prefix="eventdesk-public-bench-"), pgbouncer=pgbouncer)
    stack.daphne_env = {**stack.daphne_env, "BENCH_QUERY_COUNT": "1"}  # keeps PgBouncer's DATABASE_URL
    try:
        stack.start()
        import django

        django.setup()
        event_id, token, session_id = seed()
        print(
            f"# bench/public_sync.py: {args.apps} apps, {args.connections} connections, "
            f"{args.seconds:.0f} s phases, PgBouncer {'on' if pgbouncer else 'off'}, "
            f"client loop {'uvloop' if uvloop else 'asyncio'}"
        )

        in_app = in_application(event_id, token, args.in_app)
        print("\n## In the application (Django test client, tickets/ of 50 ticket types, 304)")
        in_app["anonymous, at the front door (ASGI, as daphne calls it)"] = at_the_front_door(event_id, args.in_app)
        for label, times in in_app.items():
            print(f"{label}: p50 {percentile(times, 0.5):.3f} ms, p99 {percentile(times, 0.99):.3f} ms")

        versions_tag, public_tag = current_tags(stack.url, event_id, token)
        polling(args, stack.url, event_id, token, versions_tag, public_tag)

        from django.db import connection

        from events.models import Session

        edits = []

        @scopes_disabled()  # (a thread starts with no scope: as a request would, it names its own)
        def edit(n):
            session = Session.objects.get(pk=session_id)
            session.title = f"Talk 0, moved ({n})"
            session.save()
            edits.append(n)
            connection.close()  # this worker thread's own connection

        lock = threading.Lock()

        def locked_edit(n):
            with lock:
                edit(n)

        recorder, elapsed = run(
            run_apps(
                stack.url,
                args.apps,
                args.connections,
                args.seconds,
                event_id,
                edit=locked_edit,
                edit_every=args.edit_every,
            )
        )
        report("Anonymous sync (versions/ + changed lists) while an organizer edits", recorder, elapsed, len(edits))
    finally:
        stack.stop()
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
