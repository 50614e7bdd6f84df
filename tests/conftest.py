"""Shared fixtures of every test: users and events (built by tests/factories.py), API
clients, live servers (daphne in a subprocess), the browser.

Every test hashes passwords with the fast MD5 hasher (the live servers too, see
tests/live_settings.py), except those marked ``production_hasher``, which test the hash
itself. Under pytest-xdist each worker has its own test database (pytest-django) and its
own Redis key prefix, new for every run, so workers never hear each other's pushes and no
run meets the counts an earlier one left in Redis.

Tests that need something this machine may lack (Chromium, Redis, nginx) skip with a
reason on a developer's machine and fail in CI (``CI`` set), where all must run.
"""

import contextlib
import os
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from accounts.tokens import issue_token
from core.transactions import not_the_applications
from events.models import Event
from orders.services import set_sales_settings
from permissions.services import grant_role
from tests.factories import EventFactory, TicketFactory, UserFactory
from tests.utils import ARTIFACTS, CHROMIUM, PASSWORD, DaphneServer, require, server_env
from tests.utils import run_tasks as run_ready_tasks
from tickets.models import Ticket

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Every xdist worker imports the ~100 test modules through pytest's assertion rewriting.
# Where PYTHONDONTWRITEBYTECODE is set (some containers set it) none of that is cached,
# and each worker of each run rewrites and compiles them all again: ~8 s of CPU each.
# The test run keeps its bytecode (__pycache__/, ignored by git) whatever the setting.
sys.dont_write_bytecode = False


def pytest_configure(config):
    # Workers share Redis: keys and channel groups (user_<id>, with ids counted in each
    # worker's own database) get a prefix per worker, passed on to subprocesses. And per
    # run: what a live server counted in Redis (log-in attempts, e-mails per mailbox and
    # hour) must not carry over into the next run within the hour, nor into `make run`.
    # (xdist's workers inherit the run's id and base from the controller's environment.)
    run = os.environ.setdefault("EVENTDESK_TEST_RUN", uuid.uuid4().hex[:8])
    base = os.environ.setdefault("EVENTDESK_TEST_KEY_BASE", django_settings.REDIS_KEY_PREFIX)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    prefix = f"{base}-{run}-{worker}"
    os.environ["CHANNEL_LAYER_PREFIX"] = django_settings.REDIS_KEY_PREFIX = prefix
    for layer in django_settings.CHANNEL_LAYERS.values():
        if "prefix" in layer.get("CONFIG", {}):
            layer["CONFIG"]["prefix"] = prefix
    for cache in django_settings.CACHES.values():
        if "KEY_PREFIX" in cache:
            cache["KEY_PREFIX"] = prefix


@pytest.hookimpl(trylast=True)  # after pytest-django's ordering
def pytest_collection_modifyitems(config, items):
    """``make test`` runs pytest-xdist with ``--dist loadfile``: each test file runs on one
    worker, so a module's fixtures (a whole server stack: nginx, PgBouncer, several
    daphnes) are made once. (``--dist loadgroup`` with per-module
    groups did this before; under pytest 9.2 it no longer groups anything, pytest-xdist
    issue 1386.) The browser and server modules come first: xdist hands the files out in
    this order, so the browser modules follow each other on a worker (one Chromium for
    them, ``Chromium``) and the longest units start early, leaving the short files to
    even out the end."""
    items.sort(key=lambda item: not (item.get_closest_marker("e2e") or item.get_closest_marker("integration")))


@pytest.fixture(autouse=True)
def _across_events():
    """A test's own code (its fixtures, factories and checks) works across events: it runs
    with django-scopes' scopes disabled. A request through a test client does not: it
    starts in a scope of no event (``core.request_scope``), as in production, and a page
    that queries an event's rows without entering the event raises ``ScopeError``. A test
    of code that runs outside requests (a command, a task) enters ``scope()`` itself."""
    with scopes_disabled():
        yield


def _in_a_test_transaction(request):
    """Does the test run in a transaction of its own (pytest-django's ``db``)?"""
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        return False
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        return not marker.kwargs.get("transaction", marker.args[0] if marker.args else False)
    return "db" in request.fixturenames


@pytest.fixture(autouse=True)
def _test_transaction_is_not_the_applications(request):
    """A test's wrapping transaction (never committed) is not the application's: the
    cache, which keeps nothing read inside one of the application's
    (``core.transactions.in_transaction``), is told so once it is open."""
    if _in_a_test_transaction(request):
        request.getfixturevalue("db")
    with not_the_applications():
        yield


@pytest.fixture(autouse=True)
def _fast_passwords(request, settings):
    """Users are made by the hundred; the strength of the hash is not what tests test."""
    if not request.node.get_closest_marker("production_hasher"):
        settings.PASSWORD_HASHERS = FAST_HASHERS


# --- users and events -------------------------------------------------------------------


@pytest.fixture
def make_user(db):
    """``make_user(email=None, password=PASSWORD, **fields)``: a new user (tests.factories.UserFactory)."""

    def make(email=None, password=PASSWORD, **fields):
        if email is not None:
            fields["email"] = email
        return UserFactory(password=password, **fields)

    return make


@pytest.fixture
def user(make_user):
    return make_user("someone@example.com")


@pytest.fixture
def organizer(make_user):
    return make_user("organizer@example.com", full_name="Olga Organizer")


@pytest.fixture
def admin_user(make_user):
    return make_user("admin@example.com", is_admin=True)


@pytest.fixture
def super_admin(make_user):
    return make_user("super@example.com", is_super_admin=True)


@pytest.fixture
def make_event(db):
    """``make_event(owner, **fields)``: a draft a month ahead, ``owner`` its Organizer
    (tests.factories.EventFactory, through events.services.create_event)."""

    def make(owner, **fields):
        return EventFactory(owner=owner, **fields)

    return make


@pytest.fixture
def event(make_event, organizer):
    return make_event(organizer)


@pytest.fixture
def shop(event):
    """``event``, published, with a free, a paid (10.00, 10 seats), a donation and a hidden ticket."""
    Event.objects.filter(pk=event.pk).update(state="published")
    event.refresh_from_db()
    set_sales_settings(event, payment_instructions="Pay to IBAN DE00 1234.")
    event.free = TicketFactory(event=event, name="Community", quantity=100)
    event.paid = TicketFactory(event=event, name="Regular", paid=True, quantity=10, max_order=5)
    event.donation = TicketFactory(event=event, name="Supporter", type=Ticket.Type.DONATION, quantity=50)
    event.hidden = TicketFactory(event=event, name="Speaker", quantity=20, hidden=True)
    return event


@pytest.fixture
def user_with_role(make_user):
    """``user_with_role(event, "moderator")``: a new user holding that role in the event."""

    def make(event, role, **kwargs):
        person = make_user(**kwargs)
        grant_role(event, person, role)
        return person

    return make


@pytest.fixture
def person_as(event, organizer, make_user, user_with_role, super_admin):
    """``person_as("moderator")``: someone of that kind for ``event``; ``None`` for anonymous.

    Kinds: the four roles, "no_role" (logged in, no role in the event), "admin",
    "super_admin", "anonymous".
    """

    def make(who):
        if who == "anonymous":
            return None
        if who == "organizer":
            return organizer
        if who == "super_admin":
            return super_admin
        if who == "admin":
            return make_user(is_admin=True)
        if who == "no_role":
            return make_user()
        return user_with_role(event, who)

    return make


# --- API clients ------------------------------------------------------------------------


@pytest.fixture
def api_client(db):
    """``api_client(user)``: a client sending ``Authorization: Token <key>`` for ``user``
    (``None``: anonymous), as a mobile client would."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            _, key = issue_token(user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def as_organizer(api_client, organizer):
    return api_client(organizer)


@pytest.fixture
def organizer_client(client, organizer):
    """Django's test client, logged in as ``organizer`` (for pages)."""
    client.force_login(organizer)
    return client


@pytest.fixture
def run_tasks(db):
    """Runs every ready background task in the test (``tests.utils.run_tasks``): the
    e-mails and fan-outs an action queued happen when the test calls it, as a worker
    would do them after the commit."""
    return run_ready_tasks


#: Where the tests keep uploads: in memory, so that code reaching a file by a path under
#: MEDIA_ROOT (instead of the storage API, config.storage) finds nothing and fails, as it
#: would with an object store. Tests with a server in another process (``live_url``,
#: ``start_daphne``) share a folder on disk with it instead.
IN_MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
ON_DISK = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": IN_MEMORY}


# --- the test database -----------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete():
    """Tests that commit (live servers, threads) have the database emptied after them by
    Django's ``flush``; on PostgreSQL it is one TRUNCATE of every table, which takes about
    130 ms however little they hold. DELETE FROM each table empties these small tables in
    a few ms. The order does not matter: Django makes PostgreSQL's foreign keys deferred,
    checked when the flush's transaction commits, by then on empty tables. (Sequences are
    not reset either way; a flush that asks for it still truncates.)"""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no psycopg: no PostgreSQL here
        yield
        return
    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate


@pytest.fixture(scope="session", autouse=True)
def _drop_the_test_database_at_once(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end the connections other processes and
    threads of the tests left to it (a PgBouncer's pool, a server's or a thread's
    connection): PostgreSQL's DROP DATABASE would wait 5 s for them, then fail and
    leave the database behind. (Torn down before ``django_db_setup``, which it needs.)"""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
    connection.close()


# --- live servers -----------------------------------------------------------------------


@pytest.fixture
def start_daphne(transactional_db, settings):
    """``start_daphne(**env)`` starts a daphne process on the test database; stopped after."""
    ARTIFACTS.mkdir(exist_ok=True)
    settings.STORAGES = {**settings.STORAGES, "default": ON_DISK}  # MEDIA_ROOT, shared with the servers
    servers = []

    def start(**extra_env):
        server = DaphneServer(server_env(settings, **extra_env))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def _shared_daphne(django_db_setup, tmp_path_factory):
    """One daphne process per test process, for every test that only needs a live server
    (``live_url``): started once instead of once per test. Its media folder is its own;
    the tests that use it look there (``live_url`` points ``MEDIA_ROOT`` at it). Stopped
    before the test database is dropped (it depends on ``django_db_setup``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    media_root = tmp_path_factory.mktemp("live-media")
    server = DaphneServer(server_env(django_settings, MEDIA_ROOT=str(media_root)))
    server.media_root = media_root
    yield server
    server.stop()


@pytest.fixture
def live_url(_shared_daphne, transactional_db, settings):
    """The base URL of a daphne process (HTTP + websockets) on the test database: shared
    by the test process's tests (each test's data is committed, and flushed after it)."""
    if _shared_daphne.process.poll() is not None:
        pytest.fail(f"the shared daphne process exited:\n{_shared_daphne.output()}")
    settings.MEDIA_ROOT = _shared_daphne.media_root
    settings.STORAGES = {**settings.STORAGES, "default": ON_DISK}
    return _shared_daphne.url


# --- the browser ------------------------------------------------------------------------


class Chromium:
    """One Chromium per test process, started by the first browser test and kept for the
    browser tests after it (xdist hands the browser modules out first, so they mostly
    follow each other). Playwright's sync API keeps an event loop running in this
    thread while it lives: it is stopped before any test that is not a browser test, so
    that asyncio tests (and ``asyncio.run``) have the thread to themselves."""

    def __init__(self):
        self.playwright = None
        self.browser = None
        self.pages = None  # its PagePool

    def get(self):
        if self.browser is None:
            require(Path(CHROMIUM).exists(), f"{CHROMIUM} is not installed (apt-get install chromium)")
            from playwright.sync_api import sync_playwright

            # Django's ORM (used by the test itself and its database teardown) is still
            # synchronous here, beside Playwright's running event loop.
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
            )
            self.pages = PagePool(self.browser)
        return self.browser

    def stop(self):
        if self.browser is not None:
            with contextlib.suppress(Exception):
                self.browser.close()
            self.playwright.stop()
            self.playwright = self.browser = self.pages = None


CHROMIUM_OF_THIS_PROCESS = Chromium()


def pytest_runtest_setup(item):
    if "browser" not in item.fixturenames:
        CHROMIUM_OF_THIS_PROCESS.stop()


def pytest_sessionfinish(session):
    CHROMIUM_OF_THIS_PROCESS.stop()


@pytest.fixture
def browser():
    """Chromium (``Chromium``: one per test process, kept across browser tests)."""
    return CHROMIUM_OF_THIS_PROCESS.get()


class PagePool:
    """A Chromium's pages kept for the next browser test: a new page costs Chromium a
    renderer process and cold caches (about 0.9 CPU-seconds with its first page load),
    a kept one a navigation. Each page has a context of its own (its cookies); a page
    given back is emptied as a new one would be: other tabs closed, routes removed,
    storage and cookies cleared, at ``about:blank``, at its size again. One that cannot
    be emptied is closed. (A test that installs Playwright's clock, which cannot be taken
    back, makes a context of its own.)

    Every context prefers reduced motion: Bootstrap (5.3) then opens and closes its
    modals and collapses without their transitions, so no step waits for an animation."""

    def __init__(self, browser):
        self.browser = browser
        self.idle = {}

    def take(self, base_url, viewport, **options):
        key = (base_url, tuple(sorted(viewport.items())), tuple(sorted(options.items())))
        idle = self.idle.setdefault(key, [])
        if idle:
            return key, idle.pop()
        context = self.browser.new_context(base_url=base_url, viewport=viewport, reduced_motion="reduce", **options)
        context.set_default_timeout(15_000)
        return key, context.new_page()

    def give_back(self, key, page):
        viewport = dict(key[1])
        context = page.context

        def leave(dialog):  # "Leave the page?" (unsaved edits): yes
            dialog.accept()

        try:
            for other in context.pages:
                if other is not page:
                    other.close()
            page.unroute_all(behavior="ignoreErrors")
            page.on("dialog", leave)
            try:
                page.evaluate("() => { try { localStorage.clear(); sessionStorage.clear(); } catch (e) {} }")
                page.goto("about:blank")
            finally:
                page.remove_listener("dialog", leave)
            context.clear_cookies()
            page.set_viewport_size(viewport)
        except Exception:  # a page or context in a state not worth mending
            with contextlib.suppress(Exception):
                context.close()
            return
        self.idle[key].append(page)


@pytest.fixture
def open_page_at(browser, live_url):
    """``open_page_at(viewport, **context options)``: a page of its own (cookies too) on
    the live server, from Chromium's ``PagePool``; given back after the test."""
    pool = CHROMIUM_OF_THIS_PROCESS.pages
    taken = []

    def open_page(viewport, **options):
        key, page = pool.take(live_url, viewport, **options)
        taken.append((key, page))
        return page

    yield open_page
    for key, page in taken:
        pool.give_back(key, page)


@pytest.fixture
def new_page(open_page_at):
    """``new_page()``: a page of its own (cookies too) at 1280×900 on the live server."""
    return lambda: open_page_at({"width": 1280, "height": 900})


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    require(bool(url), "REDIS_URL is not set (CI sets it to the local Redis)")
    return url


@pytest.fixture(scope="session")
def nginx_bin():
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    require(path is not None, "nginx is not installed (apt-get install nginx-light)")
    return path


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A cache of its own for every test (log-in attempt counts must not carry over)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
