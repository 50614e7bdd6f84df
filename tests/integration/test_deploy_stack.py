"""The production stack on loopback: nginx (deploy/nginx.conf) in front of two daphne
processes on PostgreSQL and Redis, started by deploy/stack.py as `make prod-local` does."""

import asyncio
import http.server
import json
import os
import re
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from websockets.asyncio.client import connect

from deploy.stack import TEMP_DIRS, Stack, render_nginx_conf
from tests.utils import PASSWORD, require, subprocess_database_url

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running_stack(django_db_setup, redis_url, nginx_bin):
    """The stack, started once for the module's tests (collectstatic, two daphnes, nginx:
    seconds of start-up each time). Its daphnes run the live servers' settings
    (tests/live_settings.py: they outlive the flushes of the test database between tests)."""
    require(connection.vendor == "postgresql", "DATABASE_URL must point at PostgreSQL (CI sets it)")
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": f"stack-{uuid.uuid4().hex[:8]}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The test process logs people in; the servers must accept its session cookies.
        "SECRET_KEY": django_settings.SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "tests.live_settings",
    }
    # Its own temp folder (not tmp_path, which nginx's unprivileged workers cannot enter).
    stack = Stack(processes=2, env=env)
    try:
        stack.prepare(migrate=False)
        assert "syntax is ok" in stack.check_nginx()
        with ThreadPoolExecutor() as pool:  # both daphnes start at once
            list(pool.map(stack.start_daphne, stack.daphne_ports))
        stack.start_nginx()
        stack.start_worker(1)  # the background tasks the requests queue (e-mails)
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(stack.run_dir, ignore_errors=True)


class StackSeenByOneTest:
    """The module's stack as one test sees it: the logs written since the test began."""

    def __init__(self, stack):
        self._stack = stack
        self.url = stack.url
        self.daphne_ports = stack.daphne_ports
        self._access_logs_from = {port: len(stack.access_log(port)) for port in stack.daphne_ports}
        self._nginx_access_log_from = len(stack.nginx_access_log())

    def access_log(self, port):
        return self._stack.access_log(port)[self._access_logs_from[port] :]

    def nginx_access_log(self):
        return self._stack.nginx_access_log()[self._nginx_access_log_from :]

    def stop_daphne(self, port):
        self._stack.stop_daphne(port)


@pytest.fixture
def stack(running_stack, transactional_db):
    """The running stack, both daphnes up; a test that stopped one gets it started again
    after it, with a new nginx (which would otherwise keep steering around it a while)."""
    yield StackSeenByOneTest(running_stack)
    stopped = [port for port in running_stack.daphne_ports if port not in running_stack.daphnes]
    if stopped:
        for port in stopped:
            running_stack.start_daphne(port)
        running_stack.nginx.terminate()
        running_stack.nginx.wait(15)
        running_stack.start_nginx()


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def test_static_files_are_served_by_nginx(stack):
    status, _, body = get(f"{stack.url}/accounts/login/")
    assert status == 200
    css = re.search(rb'href="(/static/vendor/bootstrap-5\.3\.8/bootstrap\.min\.[0-9a-f]{12}\.css)"', body)
    assert css, "pages link hashed static names (ManifestStaticFilesStorage)"
    status, headers, body = get(stack.url + css.group(1).decode())
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert body.startswith(b"@charset") or b"Bootstrap" in body[:200]
    assert css.group(1).decode() in stack.nginx_access_log()
    for port in stack.daphne_ports:
        assert "/static/" not in stack.access_log(port), "daphne never sees a static request"


def test_pages_and_health_go_through_to_daphne(stack):
    for _ in range(4):  # round robin: both processes answer
        status, headers, body = get(f"{stack.url}/healthz")
        assert status == 200
        answer = json.loads(body)
        assert {key: answer[key] for key in ("database", "channel_layer", "cache", "tasks")} == dict.fromkeys(
            ("database", "channel_layer", "cache", "tasks"), "ok"
        )
        assert set(answer["queue"]) == {"ready", "oldest_ready_age"}
    assert all("GET /healthz" in stack.access_log(port) for port in stack.daphne_ports)


def test_redirects_keep_the_forwarded_host_and_port(stack):
    request = urllib.request.Request(f"{stack.url}/events/")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        opener.open(request, timeout=10)
    location = excinfo.value.headers["Location"]
    assert location.startswith("/accounts/login/") or location.startswith(f"{stack.url}/accounts/login/")


def test_one_daphne_down_the_other_answers(stack):
    stack.stop_daphne(stack.daphne_ports[0])
    for _ in range(6):
        status, _, _ = get(f"{stack.url}/accounts/login/")
        assert status == 200


def fetch(url, data=None, method="GET"):
    """(status, headers, body) of any answer, errors included."""
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_nginx_refuses_an_over_large_body_in_the_answers_format(stack):
    # Over client_max_body_size nginx answers itself: JSON where the answers are JSON.
    body = b"x" * (17 * 1024 * 1024)
    status, headers, answer = fetch(f"{stack.url}/api/v1/auth/token/", body, "POST")
    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert json.loads(answer)["detail"]
    status, headers, answer = fetch(f"{stack.url}/events/1/files/bgimage/", body, "POST")
    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert json.loads(answer)["status"] == "error"
    status, headers, _ = fetch(f"{stack.url}/accounts/login/", body, "POST")
    assert status == 413
    assert headers["Content-Type"].startswith("text/html")


def test_no_daphne_answering_is_a_503_with_retry_after(stack):
    # A restart or a crash of every daphne: nginx's 502 page was HTML, without Retry-After.
    for port in stack.daphne_ports:
        stack.stop_daphne(port)
    status, headers, answer = fetch(f"{stack.url}/api/v1/events/")
    assert status == 503
    assert headers["Content-Type"] == "application/json"
    assert int(headers["Retry-After"]) >= 1
    assert json.loads(answer)["detail"]
    status, headers, answer = fetch(f"{stack.url}/events/1/files/bgimage/", b"", "POST")
    assert status == 503
    assert json.loads(answer)["status"] == "error"
    status, headers, _ = fetch(f"{stack.url}/accounts/login/")
    assert status == 503
    assert headers["Content-Type"].startswith("text/html")
    assert int(headers["Retry-After"]) >= 1


def session_of(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def post_form(base_url, form_page, path, session, **data):
    """POST a form as a browser would: fetch the page for the CSRF cookie and token first."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    page = opener.open(urllib.request.Request(base_url + form_page, headers={"Cookie": f"sessionid={session}"}))
    csrf_cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"]).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
    request = urllib.request.Request(
        base_url + path,
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode(),
        headers={"Cookie": f"sessionid={session}; csrftoken={csrf_cookie}"},
        method="POST",
    )
    with opener.open(request, timeout=10) as response:
        return response.status


def test_websocket_through_nginx_receives_a_notification_made_by_the_other_process(stack, event, organizer, user):
    """The socket goes through nginx to one daphne process; the organizer's invitation is
    served by the other; Redis carries the notification across."""
    user_session, organizer_session = session_of(user), session_of(organizer)
    ws_url = stack.url.replace("http://", "ws://") + "/ws/notifications/"

    async def scenario():
        async with connect(
            ws_url,
            origin=stack.url,
            additional_headers={"Cookie": f"sessionid={user_session}"},
            proxy=None,
            open_timeout=15,
        ) as socket:
            hello = json.loads(await asyncio.wait_for(socket.recv(), 15))
            assert hello["meta"] == "WS connected"
            assert hello["notif_count"] == 0
            holder = next(p for p in stack.daphne_ports if "WSCONNECT /ws/notifications/" in stack.access_log(p))
            other = next(p for p in stack.daphne_ports if p != holder)
            roles_page = f"/events/{event.pk}/dashboard/roles/"
            status = await asyncio.to_thread(
                post_form,
                f"http://127.0.0.1:{other}",
                roles_page,
                f"{roles_page}invite/",
                organizer_session,
                **{"invite-email": user.email, "invite-role": "moderator"},
            )
            assert status == 200
            pushed = json.loads(await asyncio.wait_for(socket.recv(), 15))
            return holder, other, pushed

    holder, other, pushed = asyncio.run(scenario())
    assert pushed["meta"] == "New notifications"
    assert pushed["notif_count"] == 1
    assert event.name in pushed["notifs"][0]["title"] + pushed["notifs"][0]["message"]
    assert f"{event.pk}/dashboard/roles/invite/" in stack.access_log(other)
    assert "/dashboard/roles/invite/" not in stack.access_log(holder)


def test_log_in_attempts_count_the_address_nginx_saw(stack, user, settings):
    """A client that writes its own X-Forwarded-For on every attempt is still one address:
    behind nginx only the entry nginx appended counts (accounts.throttling.client_address)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def attempt(forged, password):
        request = urllib.request.Request(
            f"{stack.url}/api/v1/auth/token/",
            data=json.dumps({"email": user.email, "password": password}).encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": forged},
            method="POST",
        )
        try:
            with opener.open(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    limit = int(settings.EVENTDESK_LOGIN_RATE.split("/")[0])
    assert [attempt(f"203.0.113.{n}", "wrong") for n in range(limit)] == [400] * limit
    assert attempt("198.51.100.99", PASSWORD) == 429
    # nginx drops the client's header, so daphne's own view of the client (its access
    # log, filled by --proxy-headers) is not forgeable either.
    logs = "".join(stack.access_log(port) for port in stack.daphne_ports)
    assert "/api/v1/auth/token/" in logs
    assert "203.0.113." not in logs
    assert "198.51.100.99" not in logs


def test_the_password_reset_link_names_the_site_not_the_forged_host(stack, user):
    """Without SITE_URL, behind nginx: a Host naming another port (nginx passes it on as
    X-Forwarded-Host; its own port as X-Forwarded-Port) is refused before any e-mail;
    the honest one gets a link to nginx's own address (core.links)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    port = stack.url.rsplit(":", 1)[1]

    def reset(host):
        headers = {"Host": host}
        page = opener.open(urllib.request.Request(stack.url + "/accounts/password/reset/", headers=headers))
        csrf_cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"]).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
        request = urllib.request.Request(
            stack.url + "/accounts/password/reset/",
            data=urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": user.email}).encode(),
            headers={**headers, "Cookie": f"csrftoken={csrf_cookie}"},
            method="POST",
        )
        try:
            with opener.open(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def mails():
        """What was sent (the console mail backend): by the worker, never by a daphne."""
        daphnes = "".join((stack._stack.run_dir / f"daphne-{p}.log").read_text() for p in stack.daphne_ports)
        assert "/accounts/password/reset/" not in daphnes
        return stack._stack.worker_log(1)

    def sent_after(count, seconds=15):
        deadline = time.monotonic() + seconds
        while mails().count("/accounts/password/reset/") <= count and time.monotonic() < deadline:
            time.sleep(0.1)
        return mails()

    before = mails().count("/accounts/password/reset/")
    assert reset("127.0.0.1:6666") == 400
    assert reset(f"127.0.0.1:{port}") == 200  # the "sent" page, after the redirect
    sent = sent_after(before)  # the worker sends what the request queued
    assert sent.count("/accounts/password/reset/") == before + 1
    assert f"http://127.0.0.1:{port}/accounts/password/reset/" in sent
    assert "://127.0.0.1:6666" not in sent


class _Upstream(http.server.BaseHTTPRequestHandler):
    """A stand-in daphne: /outage answers 503 with Retry-After, as every daphne does for
    what needs a Redis that is down (/healthz, say); /ws/ drops the connection, as daphne
    does a handshake its application did not accept within 5 s; anything else 200."""

    def do_GET(self):
        self.server.hits.append(self.path)
        if self.path.startswith("/ws/"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status = 503 if self.path == "/outage" else 200
        self.send_response(status)
        if status == 503:
            self.send_header("Retry-After", "5")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"no")

    def log_message(self, *args):
        pass


@pytest.fixture
def stand_ins(nginx_bin):
    """deploy/nginx.conf (one worker: one view of the servers' health) in front of two
    stand-in daphnes; yields (nginx's URL, the stand-ins)."""
    upstreams = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream) for _ in range(2)]
    for upstream in upstreams:
        upstream.hits = []
        threading.Thread(target=upstream.serve_forever, daemon=True).start()
    stack = Stack(daphne_ports=[upstream.server_address[1] for upstream in upstreams], env={})
    try:
        for name in TEMP_DIRS:
            (stack.run_dir / "tmp" / name).mkdir(parents=True)
            (stack.run_dir / "tmp" / name).chmod(0o777)
        stack.run_dir.chmod(0o755)
        (stack.run_dir / "tmp").chmod(0o755)
        stack.config_path = stack.run_dir / "nginx.conf"
        config = render_nginx_conf(
            listen_port=stack.port,
            daphne_ports=stack.daphne_ports,
            static_root=stack.static_root,
            media_root=stack.media_root,
            run_dir=stack.run_dir,
        )
        stack.config_path.write_text(config.replace("worker_processes auto;", "worker_processes 1;"))
        stack.start_nginx()
        yield stack.url, upstreams
    finally:
        stack.stop()
        for upstream in upstreams:
            upstream.shutdown()
        shutil.rmtree(stack.run_dir, ignore_errors=True)


def test_a_daphne_503_is_its_answer_not_a_dead_server(stand_ins):
    # nginx counted a daphne's 503 as a failed server (proxy_next_upstream http_503,
    # max_fails=1): one GET /healthz while Redis was down went to every daphne in turn and
    # put them all out, so nginx answered every request, reads that work without Redis
    # included, with its own 503 page.
    url, upstreams = stand_ins
    for _ in range(4):
        status, headers, body = fetch(f"{url}/outage")
        assert (status, headers["Retry-After"], body) == (503, "5", b"no")
        for _ in range(4):
            assert fetch(f"{url}/works")[0] == 200
    hits = [upstream.hits.count("/outage") for upstream in upstreams]
    assert sum(hits) == 4, hits  # each 503 answered once, by one daphne


def test_a_dropped_websocket_handshake_puts_no_daphne_out(stand_ins):
    # Daphne drops a handshake its application has not accepted within 5 s (the session
    # read waiting on a full PgBouncer pool): nginx counted that as a failed server, and
    # one bell reconnecting put every daphne out: pages and the API answered nginx's 503.
    url, _ = stand_ins
    for _ in range(3):
        status, _, _ = fetch(f"{url}/ws/notifications/")
        assert status == 503
        for _ in range(4):
            assert fetch(f"{url}/works")[0] == 200


def raw(stack, request):
    """(status, content type, body) of ``request``, bytes sent as they are (urllib would
    refuse a CR in a header)."""
    with socket.create_connection(("127.0.0.1", int(stack.url.rsplit(":", 1)[1])), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers["Content-Type"], body


def test_what_nginx_refuses_itself_keeps_the_answers_format(stack):
    # A NUL in the path, a CR in a header, an address or a header over nginx's buffers:
    # nginx answers before daphne, and its page was HTML under /api/ and for the upload.
    def ask(target, *headers, method="GET"):
        lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
        return raw(stack, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    long_query = "q=" + "a" * 9000
    for target, headers, status in [
        ("/api/v1/%00/", (), 400),
        ("/api/v1/events/?x=1%00", ("X-Note: a\rb",), 400),
        (f"/api/v1/events/?{long_query}", (), 414),
        ("/api/v1/events/", ("X-Big: " + "b" * 9000,), 400),
    ]:
        answer_status, content_type, body = ask(target, *headers)
        assert (answer_status, content_type) == (status, "application/json"), (target, body)
        assert json.loads(body)["detail"]
    status, content_type, body = ask("/events/1/files/bgimage/", "X-Note: a\rb", method="POST")
    assert (status, content_type) == (400, "application/json")
    assert json.loads(body)["status"] == "error"
    status, content_type, body = ask("/e/%00/")
    assert (status, content_type) == (400, "text/html; charset=utf-8")
    assert b"Bad request" in body
    # Django's own answers pass as they are.
    status, content_type, body = ask("/api/v1/events/1/tracks/?q=%00")
    assert (status, content_type) == (400, "application/json")
    assert b"NUL" in body
