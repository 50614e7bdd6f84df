"""Helpers for tests: skipping rules, background tasks, live daphne processes, browser log-in."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from channels.layers import get_channel_layer
from django.db import connection

from deploy.stack import free_port, wait_for_port  # noqa: F401  (re-exported for tests)
from notifications.services import encode, group_name, push_message

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-9"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = BASE_DIR / "test-artifacts"
#: Browser tests keep screenshots only when SCREENSHOTS is set (``make screenshots``).
SCREENSHOTS = bool(os.environ.get("SCREENSHOTS"))

#: The event roles, and every kind of person a permission test walks through.
ROLES = ["organizer", "coorganizer", "track_organizer", "moderator"]
WHO = [*ROLES, "no_role", "anonymous", "admin", "super_admin"]


def require(condition, reason):
    """Skip when ``condition`` is false, except in CI, where everything must run."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def subprocess_database_url():
    """A DATABASE_URL for the test database pytest-django set up, for subprocesses."""
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def server_env(settings, **extra):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=subprocess_database_url(),
        DEBUG="true",
        SERVE_FILES="true",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PYTHONUNBUFFERED="1",
        # Browser tests log in through the page many times a minute from one address.
        EVENTDESK_LOGIN_RATE="10000/min",
        # The test process's password hasher (users made by the test log in there).
        DJANGO_SETTINGS_MODULE="tests.live_settings",
    )
    env.update(extra)
    return env


def run_tasks(backend="default", *, failures_ok=False):
    """Run, here and now, every background task that is ready (the tasks those tasks
    queue too); return how many ran.

    Each goes through django_tasks_db's own worker code: the row is claimed in the
    worker's exclusive transaction and run by ``Worker.run_task`` (signals, result and
    status as ``manage.py db_worker`` records them). Only the worker's loop is not used,
    because it closes "old" connections between tasks, which would close the test's
    connection in the middle of its transaction. A task that raised fails the test
    unless ``failures_ok``. Each runs as in the worker, in no scope: django-scopes
    enabled, no event (whatever the test's own scope), so a task that reads an event's
    rows without saying how (``scope`` or ``scopes_disabled``) fails here too."""
    from django_scopes import scope
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend,
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    ran = 0
    while True:
        with exclusive_transaction():
            result = DBTaskResult.objects.ready().filter(backend_name=backend).get_locked()
            if result is None:
                return ran
            result.claim(worker.worker_id)
        with scope():
            worker.run_task(result)
        ran += 1
        result.refresh_from_db()
        if result.status == "FAILED" and not failures_ok:
            pytest.fail(f"the task {result.task_path} failed:\n{result.traceback}")
        if ran > 1000:
            pytest.fail("more than 1000 tasks: a task queues itself?")


class DaphneServer:
    """One daphne process serving config.asgi on a loopback port."""

    def __init__(self, env, port=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(ARTIFACTS.joinpath(f"daphne-{self.port}.log"), "w+b")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(self.port, self.process)
        except Exception:
            self.stop()
            raise RuntimeError(f"daphne did not start:\n{self.output()}") from None

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def screenshot(page, name, *, relayout=False):
    """Keep a full-page screenshot under test-artifacts/ when SCREENSHOTS is set
    (``make screenshots``); otherwise nothing, unless ``relayout``: then the screenshot is
    taken all the same (and thrown away) for a test that checks the page after the
    relayout a full-page screenshot makes."""
    if SCREENSHOTS:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    elif relayout:
        page.screenshot(full_page=True)


def log_in(page, email, password=PASSWORD):
    """Log in through the log-in page, as a person would (for tests of logging in and
    out; other tests use ``sign_in``)."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def sign_in(context_or_page, user, url):
    """Log ``user`` in to a browser context (or a page's) without the log-in page: a real
    session, made by Django's ``login()`` as the log-in page makes it (``user_logged_in``
    gives it the log-in's id, accounts.sessions), saved in the test database, its cookie
    set for ``url`` (the live server the context will load pages from). Two page loads
    fewer than ``log_in``; the next page the test opens is its first."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    morsel = client.cookies[settings.SESSION_COOKIE_NAME]
    context = getattr(context_or_page, "context", context_or_page)
    context.add_cookies(
        [
            {
                "name": morsel.key,
                "value": morsel.value,
                "url": url,
                "httpOnly": bool(morsel["httponly"]),
                "sameSite": (morsel["samesite"] or "Lax").capitalize(),
            }
        ]
    )


async def assert_next_is_sentinel(*communicators, user, timeout=3):
    """Nothing reached these sockets of ``user`` (open, in the user's group): a sentinel
    sent now to the user's group, the path every push takes, is the next message each
    receives. Unlike waiting a while for nothing, this holds however slow the machine:
    anything sent to them before would arrive first."""
    sentinel = {"meta": f"sentinel {uuid.uuid4().hex}"}
    await get_channel_layer().group_send(group_name(user), push_message(encode(sentinel)))
    for communicator in communicators:
        assert await communicator.receive_json_from(timeout=timeout) == sentinel


async def assert_closed_socket_hears_nothing(closed, *live, user, timeout=3):
    """``closed`` (a socket of ``user`` whose session ended) no longer hears the user's
    group: a sentinel sent to the group reaches ``live`` (the user's open sockets), and by
    then, had ``closed`` still been in the group, the same message would be on its way to
    it too, so a short wait after that proves it is not."""
    await assert_next_is_sentinel(*live, user=user, timeout=timeout)
    assert await closed.receive_nothing(timeout=0.2)


def socket_of_session(client):
    """A websocket through the whole ASGI application, with ``client``'s session cookie."""
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    return WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie)],
    )
