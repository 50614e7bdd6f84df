"""Redis out of reach (core.cache): reads fall back to the database, what truly needs Redis
(the shared rate limits of log-ins and orders) answers 503 with Retry-After and stores
nothing, pushes after commit are dropped quietly, /healthz says so; and when Redis comes
back, nothing cached before the outage is taken for current (no stale 304)."""

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import time
import uuid

import pytest
from channels.testing import HttpCommunicator
from django.core.cache import caches
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError, OutOfMemoryError, ReadOnlyError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core import cache as core_cache
from core.cache import pool_exhausted, refuses_writes
from events.models import Event, SessionInvite, Track
from notifications.models import Notification
from notifications.services import notify
from orders.models import Order
from tests.factories import SessionFactory, TicketFactory
from tests.utils import PASSWORD, free_port, require, run_tasks, wait_for_port

pytestmark = pytest.mark.django_db(transaction=True)


def redis_cache(location):
    return {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"h6-down-{uuid.uuid4().hex[:8]}",
        }
    }


@pytest.fixture
def redis_down(settings):
    """The cache and the channel layer point at a port nothing listens on."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = redis_cache(url)
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 1}]},
        }
    }
    return url


@pytest.fixture
def published(event):
    Event.objects.filter(pk=event.pk).update(state="published")
    event.refresh_from_db()
    Track.objects.create(event=event, name="Main track")
    event.ticket = TicketFactory(event=event, name="Community", quantity=100)
    return event


def tracks_url(event):
    return f"/api/v1/events/{event.pk}/tracks/"


def test_anonymous_reads_come_from_the_database(client, published, redis_down):
    started = time.monotonic()
    for url in (f"/api/v1/events/{published.pk}/", tracks_url(published), "/api/v1/events/?published=true"):
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.content)
        etag = answer["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert [track["name"] for track in client.get(tracks_url(published)).json()["results"]] == ["Main track"]
    assert time.monotonic() - started < 3  # a down Redis costs one short timeout, not one per call

    # A change while Redis is down: the old tags are not current any more.
    old_list, old_tracks = (
        client.get("/api/v1/events/?published=true")["ETag"],
        client.get(tracks_url(published))["ETag"],
    )
    Track.objects.create(event=published, name="Second track")
    Event.objects.filter(pk=published.pk).update_and_bump(name="Renamed")
    assert client.get(tracks_url(published), HTTP_IF_NONE_MATCH=old_tracks).status_code == 200
    answer = client.get("/api/v1/events/?published=true", HTTP_IF_NONE_MATCH=old_list)
    assert answer.status_code == 200
    assert answer.json()["results"][0]["name"] == "Renamed"


def test_public_pages_are_served(client, published, redis_down):
    assert client.get(f"/e/{published.slug}/").status_code == 200


def test_log_in_needs_its_shared_count_503(client, user, redis_down):
    answer = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert answer.status_code == 503
    assert int(answer["Retry-After"]) >= 1
    assert answer["Content-Type"].startswith("text/html")
    assert "_auth_user_id" not in client.session

    api = client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert api.status_code == 503
    assert int(api["Retry-After"]) >= 1
    assert "detail" in api.json()


def test_the_admin_log_in_needs_the_count_too_503(client, super_admin, redis_down):
    answer = client.post("/admin/login/", {"username": super_admin.email, "password": PASSWORD})
    assert answer.status_code == 503
    assert int(answer["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session


def test_anonymous_orders_wait_for_their_count_503_nothing_stored(client, published, redis_down):
    order = {"name": "Ada", "email": "ada@example.com", "lines": [{"ticket": published.ticket.pk, "quantity": 1}]}
    answer = client.post(f"/api/v1/events/{published.pk}/orders/", order, content_type="application/json")
    assert answer.status_code == 503
    assert int(answer["Retry-After"]) >= 1
    assert answer.json()["detail"]

    page = client.post(f"/e/{published.slug}/order/", {"name": "Ada", "email": "ada@example.com"})
    assert page.status_code == 503
    assert int(page["Retry-After"]) >= 1
    assert not Order.objects.exists()


def test_an_invitation_waits_for_its_mail_count_503_nothing_stored(client, organizer, published, redis_down):
    # Its count per mailbox is in Redis: without it the page said the address "has had as
    # many invitations as it may get in an hour", and the other (expired) ones stayed revoked.
    from permissions.models import RoleInvite  # noqa: PLC0415

    client.force_login(organizer)
    answer = client.post(
        reverse("events:invite-create", args=[published.pk]),
        {"invite-email": "someone@example.com", "invite-role": "moderator"},
    )
    assert answer.status_code == 503
    assert int(answer["Retry-After"]) >= 1
    assert not RoleInvite.objects.exists()
    session = SessionFactory(event=published, title="A talk")
    url = reverse("events:session-invites", args=[published.pk, session.pk])
    answer = client.post(url, {"email": "someone@example.com", "name": ""})
    assert answer.status_code == 503
    assert not SessionInvite.objects.exists()


def test_sending_the_confirmation_link_again_waits_for_its_count_503(client, user, redis_down, mailoutbox):
    # It said "We sent you several links in the last hour".
    user.email_confirmed_at = None
    user.save()
    client.force_login(user)
    answer = client.post(reverse("confirm_email_again"))
    assert answer.status_code == 503
    assert int(answer["Retry-After"]) >= 1
    assert run_tasks() == 0
    assert not mailoutbox


def test_a_change_is_stored_and_its_push_dropped(
    organizer, published, redis_down, django_capture_on_commit_callbacks, caplog
):
    from notifications.services import _pushes  # noqa: PLC0415

    _pushes.failing = False
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            notify(organizer, Notification.Action.values[0], "Hello", "<p>there</p>")
    assert Notification.objects.filter(user=organizer).count() == 3
    # Said once for the outage, not for every change meanwhile.
    assert [record.getMessage() for record in caplog.records].count("Pushes reach the channel layer again.") == 0
    assert len([record for record in caplog.records if "Could not push" in record.getMessage()]) == 1


def test_a_change_through_the_api_succeeds(api_client, organizer, published, redis_down):
    client = api_client(organizer)
    answer = client.patch(tracks_url(published) + f"{published.tracks.get().pk}/", {"name": "Renamed"}, format="json")
    assert answer.status_code == 200, answer.content
    assert published.tracks.get().name == "Renamed"


def test_healthz_says_the_cache_is_down(client, redis_down):
    answer = client.get(reverse("healthz"))
    assert answer.status_code == 503
    assert answer.json()["cache"] == "unavailable"


def test_without_redis_nothing_changes(client, user, published):
    # The default: local memory, which never fails.
    assert client.post(reverse("login"), {"username": user.email, "password": PASSWORD}).status_code == 302


# --- Redis back after an outage ------------------------------------------------------


class OwnRedis:
    """A redis-server of a test's own on a free port (the shared one is never stopped),
    keeping its data on disk at every write (so a restarted one has all it had)."""

    binary = "/usr/bin/redis-server"

    def __init__(self, folder):
        self.port, self.folder = free_port(), folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self):
        arguments = ["--port", str(self.port), "--save", "", "--appendonly", "yes", "--appendfsync", "always"]
        self.process = subprocess.Popen(
            [self.binary, *arguments, "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port, self.process)

    def send_signal(self, number):
        self.process.send_signal(number)

    def kill(self):
        self.process.kill()
        self.process.wait(10)

    def stop(self):
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def own_redis(tmp_path):
    require(os.path.exists(OwnRedis.binary), "redis-server is not installed")
    redis = OwnRedis(tmp_path)
    yield redis
    redis.stop()


def health():
    """The cache backend, whose ``down`` says whether this process takes Redis for down."""
    return caches["default"]


def wait_until(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


async def asgi_get(path, *headers):
    from config.asgi import application  # noqa: PLC0415

    communicator = HttpCommunicator(application, "GET", path, headers=[(b"host", b"localhost"), *headers])
    answer = await communicator.get_response(timeout=10)
    await communicator.wait(timeout=10)
    return answer["status"], dict(answer["headers"]), answer["body"]


@pytest.mark.parametrize("outage", ["paused", "restarted"])
def test_a_change_during_an_outage_is_never_answered_304_after_it(
    client, api_client, organizer, published, own_redis, settings, outage
):
    """Redis keeps its data but cannot be reached (paused: a partition, where reads time
    out; or stopped and started again from its data, where connections are refused); an
    event changes meanwhile, so its new generation is never written. When Redis answers
    again, its old generation and entries must not make the old tag current."""
    settings.CACHES = redis_cache(own_redis.url)
    url = tracks_url(published)
    first = client.get(url)
    etag = first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304  # from the cache

    if outage == "paused":
        own_redis.send_signal(signal.SIGSTOP)
    else:
        own_redis.kill()
    try:
        answer = api_client(organizer).post(url, {"name": "During the outage"}, format="json")
        assert answer.status_code == 201, answer.content
        assert health().down
        during = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert during.status_code == 200
    finally:
        if outage == "paused":
            own_redis.send_signal(signal.SIGCONT)
        else:
            own_redis.start()
    wait_until(lambda: not health().down)

    answer = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200
    assert [track["name"] for track in answer.json()["results"]] == ["During the outage", "Main track"]
    assert client.get(url, HTTP_IF_NONE_MATCH=answer["ETag"]).status_code == 304


@pytest.mark.asyncio
async def test_the_front_door_never_answers_from_a_memo_made_before_an_outage(published, own_redis, settings):
    from asgiref.sync import sync_to_async  # noqa: PLC0415

    settings.CACHES = redis_cache(own_redis.url)
    url = tracks_url(published)
    status, headers, _ = await asgi_get(url)
    assert status == 200
    etag = headers[b"ETag"] if b"ETag" in headers else headers[b"etag"]
    status, _, _ = await asgi_get(url, (b"if-none-match", etag))
    assert status == 304  # the memo is made

    own_redis.send_signal(signal.SIGSTOP)
    try:
        # A change whose new generation cannot be written (Redis unreachable).
        await sync_to_async(Track.objects.create)(event=published, name="During the outage")
        await sync_to_async(Event.objects.filter(pk=published.pk).update)(name="Renamed")
        status, _, _ = await asgi_get(url, (b"if-none-match", etag))
        assert status == 200
    finally:
        own_redis.send_signal(signal.SIGCONT)
    await sync_to_async(wait_until)(lambda: not health().down)

    status, _, body = await asgi_get(url, (b"if-none-match", etag))
    assert status == 200
    assert b"During the outage" in body


@contextlib.contextmanager
def records_of(name):
    """The records that reach the logger ``name``'s handlers inside the block, past its
    filters (caplog misses an async test's)."""
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def logged():
    """The records ``core.unavailable`` logs during the test."""
    with records_of("core.unavailable") as records:
        yield records


@pytest.mark.asyncio
async def test_a_socket_whose_channel_layer_is_down_closes_to_be_retried(client, organizer, redis_down, logged):
    from asgiref.sync import sync_to_async  # noqa: PLC0415
    from channels.layers import channel_layers  # noqa: PLC0415

    from core.unavailable import CLOSE_TRY_AGAIN_LATER  # noqa: PLC0415
    from tests.utils import socket_of_session  # noqa: PLC0415

    channel_layers.backends.clear()  # the layer of the settings above
    from core.unavailable import channel_layer  # noqa: PLC0415

    channel_layer.down = False
    await sync_to_async(client.force_login)(organizer)
    for _ in range(3):  # the bell retries, and so do the other tabs
        socket = socket_of_session(client)
        connected, code = await socket.connect(timeout=10)
        if connected:  # accepted, then closed: the bell sees the code and retries later
            closed = await socket.receive_output(timeout=10)
            assert closed == {"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER}
        else:
            assert code == CLOSE_TRY_AGAIN_LATER
        await socket.wait(timeout=10)
    # Logged once for the outage, not once per socket.
    assert len([record for record in logged if "channel layer" in record.getMessage()]) == 1


# --- Redis answering but refusing writes (full, read-only) ----------------------------


def refuse_writes(redis_url, how):
    import redis  # noqa: PLC0415

    admin = redis.Redis.from_url(redis_url)
    if how == "full":  # maxmemory reached under the noeviction policy: OOM
        admin.config_set("maxmemory-policy", "noeviction")
        admin.config_set("maxmemory", "1")
    else:  # a replica after a failover: READONLY
        admin.execute_command("REPLICAOF", "127.0.0.1", str(free_port()))
    return admin


def accept_writes(admin, how):
    if how == "full":
        admin.config_set("maxmemory", "0")
    else:
        admin.execute_command("REPLICAOF", "NO", "ONE")


@pytest.mark.parametrize("how", ["full", "read-only"])
def test_a_redis_refusing_writes_is_an_outage_not_a_500(
    client, api_client, user, organizer, published, own_redis, settings, how, caplog
):
    """It still answers reads (the other processes' too), so a change whose new generation
    it refuses is refused with it (503, nothing stored) rather than stored unseen; reads
    come from the database; log-ins and orders wait for their counts (503)."""
    settings.CACHES = redis_cache(own_redis.url)
    url = tracks_url(published)
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    admin = refuse_writes(own_redis.url, how)
    try:
        change = api_client(organizer).post(url, {"name": "Refused"}, format="json")
        assert change.status_code == 503, change.content
        assert int(change["Retry-After"]) >= 1
        assert not Track.objects.filter(name="Refused").exists()
        assert health().down
        [warning] = [record.getMessage() for record in caplog.records if record.name == "core.cache"]
        assert "refuses writes" in warning
        assert "MSET" not in warning  # not the refused command with its stored bytes

        page = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
        assert page.status_code == 503
        assert "_auth_user_id" not in client.session
        assert client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).status_code == 503
        order = {"name": "Ada", "email": "ada@example.com", "lines": [{"ticket": published.ticket.pk, "quantity": 1}]}
        answer = client.post(f"/api/v1/events/{published.pk}/orders/", order, content_type="application/json")
        assert answer.status_code == 503
        assert not Order.objects.exists()

        read = client.get(url)  # from the database
        assert read.status_code == 200
        assert [track["name"] for track in read.json()["results"]] == ["Main track"]
    finally:
        accept_writes(admin, how)
    wait_until(lambda: not health().down)
    assert api_client(organizer).post(url, {"name": "Stored"}, format="json").status_code == 201
    answer = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200
    assert [track["name"] for track in answer.json()["results"]] == ["Main track", "Stored"]


@pytest.mark.parametrize(
    ("error", "refusal"),
    [
        (OutOfMemoryError("command not allowed when used memory > 'maxmemory'."), True),
        (ReadOnlyError("You can't write against a read only replica."), True),
        (ResponseError("MISCONF Redis is configured to save RDB snapshots, but it's unable to persist"), True),
        (ResponseError("Command # 1 (MSET a b) of pipeline caused error: MISCONF Redis is configured"), True),
        (ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value"), False),
        (ResponseError("Command # 1 (INCR a) of pipeline caused error: ERR value is not an integer"), False),
    ],
)
def test_what_counts_as_refusing_writes(error, refusal):
    assert refuses_writes(error) is refusal


@pytest.mark.asyncio
async def test_the_channel_layer_losing_redis_is_logged_once_not_every_second(own_redis, logged):
    # channels_redis's receive loop logged a traceback every second for as long as Redis
    # was out of reach, in every process (a day's outage: 86,400 tracebacks each).
    from channels_redis.pubsub import RedisPubSubChannelLayer  # noqa: PLC0415

    from core.unavailable import channel_layer  # noqa: PLC0415

    channel_layer.down = False
    layer = RedisPubSubChannelLayer(hosts=[{"address": own_redis.url, "socket_connect_timeout": 1}])
    try:
        with records_of("channels_redis.pubsub") as passed:  # after the logger's filters: what reaches the log
            await layer.group_add("bell", await layer.new_channel())  # subscribed: the loop reads
            own_redis.kill()
            await asyncio.sleep(3.5)
    finally:
        await layer.flush()
    assert [record.getMessage() for record in passed] == []
    assert len([record for record in logged if "channel layer" in record.getMessage()]) == 1


# --- a full connection pool is no outage ------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "exhausted"),
    [
        (MaxConnectionsError("Too many connections"), True),
        (RedisConnectionError("No connection available."), True),
        (RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."), False),
        (RedisTimeoutError("Timeout reading from socket"), False),
    ],
)
def test_what_counts_as_a_full_pool(error, exhausted):
    assert pool_exhausted(error) is exhausted


@pytest.mark.asyncio
async def test_a_burst_larger_than_the_pool_waits_or_misses_and_is_no_outage(redis_url, settings, monkeypatch):
    # 200 anonymous requests at once at the front door of one process, with a pool of 2
    # connections: each read waits for a connection or, past the wait, misses. Taken for
    # an outage, a burst wrote a new epoch and every answer of every process was rebuilt.
    monkeypatch.setattr(core_cache, "ASYNC_POOL_WAIT", 0.001)
    settings.CACHES = redis_cache(redis_url)
    settings.CACHES["default"]["OPTIONS"] = {"max_connections": 2}
    cache = caches["default"]
    await cache.aset("burst", "value")
    epoch_before = await cache.aget_many([core_cache.EPOCH_KEY])

    with records_of("core.cache") as warnings:
        answers = await asyncio.gather(*(cache.aget_many(["burst"]) for _ in range(200)))

    assert {"burst": "value"} in answers  # the pool served some
    assert {} in answers  # and some found it full: a miss, not an error
    assert not cache.down
    assert await cache.aget_many([core_cache.EPOCH_KEY]) == epoch_before
    assert warnings == []
