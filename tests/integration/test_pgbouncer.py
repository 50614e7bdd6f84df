"""daphne through PgBouncer in transaction pooling mode (deploy/pgbouncer.ini), as
`deploy/stack.py --pgbouncer` runs it: pages, API reads with ETag and 304, and writes."""

import json
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2
import pytest
from django.db import connection
from django.test import Client

from accounts.tokens import issue_token
from deploy.stack import PgBouncer, Stack, pgbouncer_path, render_pgbouncer_userlist
from events.models import Event
from tests.utils import require, subprocess_database_url

pytestmark = pytest.mark.integration


@pytest.fixture
def pgbouncer(transactional_db):
    require(connection.vendor == "postgresql", "DATABASE_URL must point at PostgreSQL (CI sets it)")
    require(pgbouncer_path() is not None, "pgbouncer is not installed (apt-get install pgbouncer)")
    # Its own temp folder: started by root, pgbouncer runs as nobody, who must reach it.
    bouncer = PgBouncer(subprocess_database_url(), run_dir=tempfile.mkdtemp(prefix="eventdesk-pgbouncer-"))
    bouncer.start()
    yield bouncer
    bouncer.stop()
    shutil.rmtree(bouncer.run_dir, ignore_errors=True)


@pytest.fixture
def server(pgbouncer, start_daphne, settings):
    """One daphne process whose only way to the database is the PgBouncer."""
    return start_daphne(
        **pgbouncer.client_env(),
        DEBUG="false",
        # The test process logs people in; the server must accept its session cookies.
        SECRET_KEY=settings.SECRET_KEY,
    )


def call(url, method="GET", body=None, **headers):
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # 304 and 4xx/5xx
        return error.code, error.headers, error.read()


def test_the_stack_gives_daphne_pgbouncer_and_manage_postgresql(tmp_path):
    require(pgbouncer_path() is not None, "pgbouncer is not installed (apt-get install pgbouncer)")
    direct = "postgres://eventdesk:s%22cret@127.0.0.1:5432/eventdesk"
    stack = Stack(processes=1, run_dir=tmp_path, env={"DATABASE_URL": direct}, pgbouncer=True)
    assert stack.env["DATABASE_URL"] == direct  # migrate, collectstatic, seed_demo
    assert "DATABASE_POOLER" not in stack.env
    assert (
        stack.daphne_env["DATABASE_URL"] == f"postgres://eventdesk:s%22cret@127.0.0.1:{stack.pgbouncer.port}/eventdesk"
    )
    assert stack.daphne_env["DATABASE_POOLER"] == "pgbouncer"
    assert render_pgbouncer_userlist(direct) == '"eventdesk" "s""cret"\n'


def test_the_client_settings_name_pgbouncer(pgbouncer):
    assert pgbouncer.client_env()["DATABASE_POOLER"] == "pgbouncer"
    assert f"@127.0.0.1:{pgbouncer.port}/{connection.settings_dict['NAME']}" in pgbouncer.url
    config = Path(pgbouncer.run_dir, "pgbouncer.ini").read_text()
    assert "pool_mode = transaction" in config
    assert "auth_type = trust" in config  # no password in the test's DATABASE_URL
    assert f"listen_port = {pgbouncer.port}" in config


def test_pages_and_api_etags_work_through_pgbouncer(server, pgbouncer, event, organizer):
    # A page that reads the session, the user and their events.
    client = Client()
    client.force_login(organizer)
    status, _, body = call(f"{server.url}/events/", Cookie=f"sessionid={client.cookies['sessionid'].value}")
    assert status == 200
    assert event.name.encode() in body

    # An API list with its tag; the same GET with the tag is a 304.
    auth = {"Authorization": f"Token {issue_token(organizer)[1]}"}
    url = f"{server.url}/api/v1/events/{event.pk}/tracks/"
    status, headers, body = call(url, **auth)
    assert status == 200, body
    etag = headers["ETag"]
    assert etag.startswith('"')
    assert json.loads(body)["count"] == 0
    status, headers, body = call(url, **auth, **{"If-None-Match": etag})
    assert status == 304
    assert body == b""
    assert headers["ETag"] == etag

    # A write (its transaction on one server connection), then the old tag is stale.
    status, _, body = call(url, "POST", {"name": "Main track"}, **auth)
    assert status == 201, body
    status, headers, body = call(url, **auth, **{"If-None-Match": etag})
    assert status == 200
    assert headers["ETag"] != etag
    assert [track["name"] for track in json.loads(body)["results"]] == ["Main track"]

    # The server has no other way to the database: without PgBouncer it is gone.
    pgbouncer.stop()
    status, _, body = call(f"{server.url}/healthz")
    assert status == 503
    assert b'"database"' in body
    assert b'"database": "ok"' not in body


class _OneConnectionPgBouncer(PgBouncer):
    """deploy/pgbouncer.ini with a pool of one server connection, given up on after 2 s."""

    def prepare(self):
        super().prepare()
        config = self.config_path.read_text()
        config = config.replace("default_pool_size = 20", "default_pool_size = 1")
        config = config.replace("query_wait_timeout = 10", "query_wait_timeout = 2")
        assert "default_pool_size = 1\n" in config
        assert "query_wait_timeout = 2\n" in config
        self.config_path.write_text(config)


def test_pgbouncer_out_of_server_connections_is_503_logged_once(start_daphne, event, settings):
    # PgBouncer's pool full for query_wait_timeout: it answers query_wait_timeout and
    # closes, and libpq reports "server closed the connection unexpectedly" (the error is
    # lost): every page, API read and write answered 500, each with a traceback; and as
    # PgBouncer always accepts the connection, "answers again" would follow each request.
    require(connection.vendor == "postgresql", "DATABASE_URL must point at PostgreSQL (CI sets it)")
    require(pgbouncer_path() is not None, "pgbouncer is not installed (apt-get install pgbouncer)")
    Event.objects.filter(pk=event.pk).update(state="published")
    bouncer = _OneConnectionPgBouncer(
        subprocess_database_url(), run_dir=tempfile.mkdtemp(prefix="eventdesk-pgbouncer-")
    )
    bouncer.start()
    try:
        server = start_daphne(**bouncer.client_env(), DEBUG="false", SECRET_KEY=settings.SECRET_KEY)
        page = f"{server.url}/e/{event.slug}/"
        tracks = f"{server.url}/api/v1/events/{event.pk}/tracks/"
        assert call(page)[0] == 200
        holder = psycopg2.connect(bouncer.url)  # an open transaction holds the pool's one
        holder.cursor().execute("SELECT 1")
        try:
            for _ in range(2):
                status, headers, body = call(page)
                assert (status, headers["Retry-After"]) == (503, "5"), body
                assert b"Briefly unavailable" in body
                status, headers, body = call(f"{tracks}?page=1")
                assert (status, headers["Retry-After"]) == (503, "5"), body
                assert json.loads(body)["detail"]
                status, headers, body = call(
                    f"{server.url}/api/v1/auth/token/", "POST", {"email": "a@example.com", "password": "x"}
                )
                assert (status, headers["Retry-After"]) == (503, "5"), body
        finally:
            holder.close()
        assert call(page)[0] == 200
        assert call(tracks)[0] == 200
        log = server.output()
        assert log.count("The database cannot be reached") == 1, log
        assert log.count("The database answers again") == 1, log
        assert "Traceback" not in log, log
    finally:
        bouncer.stop()
        shutil.rmtree(bouncer.run_dir, ignore_errors=True)
