"""API ETags: how much cheaper a 304 is than the full answer it stands for.

Makes a scratch PostgreSQL database (``eventdesk_bench`` by default), migrates it, seeds
an event with 200 sessions (each with a track, a room and two speakers) and an
organizer's API token, starts one daphne process on loopback, then times, one request
after the other on one keep-alive connection:

1. ``GET /api/v1/events/<id>/sessions/?page_size=200``: the full 200 answer;
2. the same GET with ``If-None-Match`` and the tag of (1): the 304 answer.

It prints requests per second for each and their ratio (the aim of issue 6: a 304 at
least 5 times cheaper), and, for scale, the same for a URL the API does not have (a
JSON 404 without any query: what daphne and Django's middleware cost by themselves).
Every loop is bounded and everything stays on loopback.

With ``--pgbouncer`` daphne connects through a PgBouncer in transaction pooling mode,
started by the benchmark on a loopback port with deploy/stack.py's functions (the
``deploy/stack.py --pgbouncer`` setup); seeding and the counts still go directly.

    .venv/bin/python bench/api_etag.py                       # postgres://postgres@127.0.0.1:5432/eventdesk_bench
    .venv/bin/python bench/api_etag.py --pgbouncer           # the same through PgBouncer (apt-get install pgbouncer)
    .venv/bin/python bench/api_etag.py --database-url postgres://me@127.0.0.1:5432/other --sessions 500
"""

import argparse
import http.client
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django_scopes import scopes_disabled
from scratch_db import drop_database, recreate_database  # bench/, the script's own folder

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/eventdesk_bench",
        help="a PostgreSQL database to (re)create for the run (default: %(default)s)",
    )
    parser.add_argument("--sessions", type=int, default=200, help="sessions in the event (default 200)")
    parser.add_argument("--full", type=int, default=300, help="full answers timed (default 300)")
    parser.add_argument("--not-modified", type=int, default=3000, help="304 answers timed (default 3000)")
    parser.add_argument("--warm-up", type=int, default=50, help="untimed requests of each kind first (default 50)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=0,
        help="CONN_MAX_AGE of the server, seconds (default 0, the project's default)",
    )
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="daphne connects through a PgBouncer (transaction pooling) started on loopback",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def sessions_opened(url):
    """How many connections the server has opened to the database so far (PostgreSQL's count)."""
    import psycopg2

    time.sleep(1.5)  # the statistics are flushed about once a second
    connection = psycopg2.connect(urlunsplit(urlsplit(url)._replace(query="")))
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        (count,) = cursor.fetchone()
    connection.close()
    return count


@scopes_disabled()  # the bench's own data, outside any request
def seed(sessions):
    """Migrate, then an organizer with a token and an event with ``sessions`` sessions."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from accounts.models import User
    from accounts.tokens import issue_token
    from events.models import Microlocation, Session, Speaker, Track
    from events.services import create_event

    call_command("migrate", verbosity=0)
    organizer = User.objects.create_user("bench@example.com", "bench-password-1")
    starts = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    event = create_event(
        organizer, name="Bench Conf", starts_at=starts, ends_at=starts + timedelta(days=3), timezone="Europe/Berlin"
    )
    tracks = [Track.objects.create(event=event, name=f"Track {n}") for n in range(5)]
    rooms = [Microlocation.objects.create(event=event, name=f"Room {n}") for n in range(8)]
    speakers = [Speaker.objects.create(event=event, name=f"Speaker {n}") for n in range(100)]
    for n in range(sessions):
        begins = starts + timedelta(minutes=20 * (n // len(rooms)))
        session = Session.objects.create(
            event=event,
            title=f"Talk number {n}: what we learned",
            abstract="An abstract of a few sentences, as a real schedule would carry. " * 3,
            track=tracks[n % len(tracks)],
            microlocation=rooms[n % len(rooms)],
            starts_at=begins,
            ends_at=begins + timedelta(minutes=15),
        )
        session.speakers.set([speakers[n % 100], speakers[(n * 7 + 1) % 100]])
    _, token = issue_token(organizer)
    connections.close_all()
    return event.pk, token


def timed(connection, path, headers, count, expect):
    """Send ``count`` GETs; return the seconds each took and the last response's body size."""
    durations, size = [], 0
    for _ in range(count):
        begin = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        durations.append(time.perf_counter() - begin)
        if response.status != expect:
            raise RuntimeError(f"expected {expect}, got {response.status}: {body[:300]!r}")
        size = len(body)
    return durations, size


def describe(name, durations, size):
    total = sum(durations)
    rate = len(durations) / total
    p50 = statistics.median(durations) * 1000
    p99 = statistics.quantiles(durations, n=100)[98] * 1000
    print(f"{name:<22} {rate:8.1f} requests/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   body {size:,} bytes")
    return rate


def main():
    args = parse_args()
    from deploy.stack import PgBouncer
    from tests.utils import DaphneServer  # the same daphne process the live-server tests start

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    name = recreate_database(args.database_url)
    print(f"database {name}: migrating and seeding {args.sessions} sessions ...", flush=True)
    event_id, token = seed(args.sessions)

    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        CONN_MAX_AGE=str(args.conn_max_age),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    (BASE_DIR / "test-artifacts").mkdir(exist_ok=True)
    bouncer = server = None
    try:
        if args.pgbouncer:
            bouncer = PgBouncer(args.database_url, run_dir=tempfile.mkdtemp(prefix="eventdesk-bench-pgbouncer-"))
            bouncer.start()
            env.update(bouncer.client_env())
        server = DaphneServer(env)
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        path = f"/api/v1/events/{event_id}/sessions/?page_size={args.sessions}"
        auth = {"Authorization": f"Token {token}"}
        connection.request("GET", path, headers=auth)
        first = connection.getresponse()
        first.read()
        etag = first.getheader("ETag")
        conditional = {**auth, "If-None-Match": etag}

        timed(connection, path, auth, args.warm_up, 200)
        timed(connection, path, conditional, args.warm_up, 304)
        print(f"daphne on 127.0.0.1:{server.port}, CONN_MAX_AGE={args.conn_max_age}, one keep-alive connection")
        if bouncer is not None:
            print(f"database through PgBouncer on 127.0.0.1:{bouncer.port} (transaction pooling)")
        full = describe("200 (full answer)", *timed(connection, path, auth, args.full, 200))
        opened = sessions_opened(args.database_url)
        not_modified = describe("304 (If-None-Match)", *timed(connection, path, conditional, args.not_modified, 304))
        per_request = (sessions_opened(args.database_url) - opened - 1) / args.not_modified
        floor = describe("404 (no query at all)", *timed(connection, "/api/v1/nothing/", auth, args.not_modified, 404))
        print(f"ratio 304 / 200: {not_modified / full:.1f}x as many requests per second")
        print(f"(the server alone, without a query, answers {floor / full:.1f}x as many as the full answer)")
        print(f"PostgreSQL connections opened per 304 request: {per_request:.2f}")
        connection.close()
    finally:
        if server is not None:
            server.stop()
        if bouncer is not None:
            bouncer.stop()
            shutil.rmtree(bouncer.run_dir, ignore_errors=True)
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
