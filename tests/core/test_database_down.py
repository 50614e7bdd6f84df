"""No database connection to be had (core.unavailable): pages, the API and websockets answer
503 with Retry-After (a socket closes with 1013), logged once per outage, not per request;
any other database error stays a logged 500."""

import asyncio
import contextlib
import json
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import psycopg2
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import DatabaseError, OperationalError, connection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from core.unavailable import CLOSE_TRY_AGAIN_LATER, is_connection_failure
from events.models import Event, Track
from orders.models import Order
from tests.factories import TicketFactory
from tests.utils import BASE_DIR, free_port

#: Requests a process answers while its database refuses connections (a subprocess).
REQUESTS = """
import django, json
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
answers = []
for method, path, data in [
    ("get", "/e/some-event/", None),
    ("get", "/api/v1/events/1/tracks/", None),
    ("get", "/api/v1/events/1/", None),
    ("post", "/accounts/login/", {"username": "ada@example.com", "password": "secret"}),
    ("post", "/api/v1/auth/token/", {"email": "ada@example.com", "password": "secret"}),
]:
    json_body = {"content_type": "application/json"} if path.startswith("/api/") else {}
    answer = getattr(client, method)(path, data, **json_body)
    answers.append([path, answer.status_code, answer.get("Retry-After"), answer["Content-Type"],
                    answer.content.decode()])
print(json.dumps(answers))
"""


def test_a_database_that_refuses_connections_is_503_logged_once():
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{free_port()}/none",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", REQUESTS], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    for path, status, retry_after, content_type, body in answers:
        assert status == 503, (path, body)
        assert int(retry_after) >= 1
        if path.startswith("/api/"):
            assert content_type == "application/json"
            assert "unavailable" in json.loads(body)["detail"]
        else:
            assert content_type.startswith("text/html")
            assert "Briefly unavailable" in body
    assert result.stderr.count("The database cannot be reached") == 1, result.stderr
    assert "Service Unavailable" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db(transaction=True)
def test_another_database_error_is_not_an_outage():
    # SQLite: an OperationalError ("no such table"); PostgreSQL: a ProgrammingError.
    with pytest.raises(DatabaseError) as raised, connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table_at_all")
    assert not is_connection_failure(raised.value)
    assert not is_connection_failure(OperationalError("database is locked"))


def test_a_connection_lost_before_a_commit_is_an_outage_and_under_one_is_not():
    # PgBouncer's query_wait_timeout (no server connection to give) and a server stopping
    # reach Django as a lost connection: a 500 each, with a traceback. Lost under a COMMIT,
    # whether it was stored is unknown: that stays a logged 500.
    lost = "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally"

    def query():
        raise OperationalError(lost)

    def _commit():
        query()

    for call, outage in [(query, True), (_commit, False)]:
        with pytest.raises(OperationalError) as raised:
            call()
        assert is_connection_failure(raised.value) is outage


# --- PostgreSQL out of connections ----------------------------------------------------


@pytest.fixture
def limited_role(transactional_db):
    """A PostgreSQL role that may hold one connection at a time (CONNECTION LIMIT 1)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no connections to run out of")
    with postgres_role("h6_limited", "CONNECTION LIMIT 1") as name:
        yield name


@contextlib.contextmanager
def postgres_role(prefix, options="", *then):
    """A PostgreSQL role made for the test (its name: ``prefix`` and a random tail) that
    may read and write every table, with ``options`` and the statements ``then`` (``{name}``
    stands for it); its connections are ended and it is dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    settings = connection.settings_dict
    admin = psycopg2.connect(
        host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432, user=settings["USER"], dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} LOGIN {options}")
        cursor.execute(f"GRANT pg_read_all_data, pg_write_all_data TO {name}")
        for statement in then:
            cursor.execute(statement.format(name=name))
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [name])
            cursor.execute(f"DROP ROLE {name}")
        admin.close()


def fetch(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_postgresql_out_of_connections_is_503_then_back(limited_role, start_daphne, event, organizer):
    Event.objects.filter(pk=event.pk).update(state="published")
    event.refresh_from_db()
    Track.objects.create(event=event, name="Main track")
    session = SessionStore()
    session["_auth_user_id"] = str(organizer.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = organizer.get_session_auth_hash()
    session.create()
    settings = connection.settings_dict
    url = f"postgres://{limited_role}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    server = start_daphne(DATABASE_URL=url)
    page, api = f"{server.url}/e/{event.slug}/", f"{server.url}/api/v1/events/{event.pk}/tracks/"
    assert fetch(page)[0] == 200

    holder = psycopg2.connect(url)  # the role's one connection
    try:
        for _ in range(3):
            status, headers, body = fetch(page)
            assert (status, headers["Retry-After"]) == (503, "5"), body
            assert headers["Content-Type"].startswith("text/html")
            assert b"Briefly unavailable" in body
            status, headers, body = fetch(api)
            assert (status, headers["Retry-After"]) == (503, "5"), body
            assert json.loads(body)["detail"]

        async def socket_close_code():
            async with connect(
                f"ws://127.0.0.1:{server.port}/ws/notifications/",
                origin=server.url,
                additional_headers={"Cookie": f"sessionid={session.session_key}"},
                proxy=None,
                open_timeout=10,
            ) as socket:
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(socket.recv(), 10)
                return socket.close_code

        assert asyncio.run(socket_close_code()) == CLOSE_TRY_AGAIN_LATER
    finally:
        holder.close()

    assert fetch(page)[0] == 200
    assert fetch(api)[0] == 200
    log = server.output()
    assert log.count("The database cannot be reached") == 1, log
    assert "too many connections" in log
    assert log.count("The database answers again") == 1, log
    assert "Traceback" not in log, log


@pytest.fixture
def read_only_role(transactional_db):
    """A PostgreSQL role whose transactions are read-only, as on a standby after a failover."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with postgres_role("h6_read_only", "", "ALTER ROLE {name} SET default_transaction_read_only = on") as name:
        yield name


def test_a_read_only_database_answers_changes_503_and_reads_go_on(read_only_role, start_daphne, event):
    # A standby after a failover refuses every write (SQLSTATE 25006, an InternalError):
    # each change answered 500 with a traceback.
    Event.objects.filter(pk=event.pk).update(state="published")
    ticket = TicketFactory(event=event)
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    server = start_daphne(DATABASE_URL=f"postgres://{read_only_role}@{host}:{port}/{settings['NAME']}")
    order = {"name": "Ada", "email": "ada@example.com", "lines": [{"ticket": ticket.pk, "quantity": 1}]}
    for _ in range(3):
        assert fetch(f"{server.url}/e/{event.slug}/")[0] == 200
        request = urllib.request.Request(
            f"{server.url}/api/v1/events/{event.pk}/orders/",
            data=json.dumps(order).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as answer:
                status, headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        assert (status, headers["Retry-After"]) == (503, "5"), body
        assert json.loads(body)["detail"]
    assert not Order.objects.exists()
    log = server.output()
    assert log.count("The database refuses writes") == 1, log
    assert "Traceback" not in log, log
