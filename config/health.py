"""/healthz: does this process reach the database, the channel layer and the cache? And
how long have the background tasks waited for a worker?"""

import asyncio
import logging
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Min, Q
from django.http import JsonResponse
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from core.cache import required

logger = logging.getLogger(__name__)
TIMEOUT = 3.0


def _database_ok():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _cache_ok():
    """Does the cache store and give back a value? (Asked inside ``required()``: Redis
    unreachable raises, where a page's read would only miss.)"""
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    with required():
        cache.set(key, value, 10)
        found = cache.get(key)
        cache.delete(key)
    return found == value


def _queue():
    """``{"ready": n, "oldest_ready_age": seconds or None}``: the tasks a worker could run
    now, and how long the one waiting longest has waited (since it was queued, or since
    its ``run_after`` for a deferred one, such as an order's expiry). None when the
    backend is not the database's (another backend reports through its own tools)."""
    backend = task_backends["default"]
    if not isinstance(backend, DatabaseBackend):
        return None
    never = Q(run_after=get_date_max())  # not deferred: waiting since it was queued
    found = (
        DBTaskResult.objects.ready()
        .filter(backend_name=backend.alias)
        .aggregate(
            ready=Count("pk"),
            queued=Min("enqueued_at", filter=never),
            due=Min("run_after", filter=~never),
        )
    )
    since = min((t for t in (found["queued"], found["due"]) if t is not None), default=None)
    age = None if since is None else max(0, round((timezone.now() - since).total_seconds()))
    return {"ready": found["ready"], "oldest_ready_age": age}


async def _channel_layer_ok():
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    message = {"type": "healthz.ping", "nonce": uuid.uuid4().hex}
    await layer.send(channel, message)
    return await layer.receive(channel) == message


#: The checks failing now in this process: a failure is logged when it starts, not on
#: every poll (a load balancer asks every few seconds through the whole outage).
_failing = set()


async def _check(name, coroutine):
    try:
        ok = await asyncio.wait_for(coroutine, TIMEOUT)
    except Exception:
        if name not in _failing:
            _failing.add(name)
            logger.exception("health check %s failed (logged again only after it has passed)", name)
        return "unavailable"
    if name in _failing:
        _failing.discard(name)
        logger.warning("health check %s passes again", name)
    return "ok" if ok else "unavailable"


async def healthz(request):
    """200 ``{"database": "ok", "channel_layer": "ok", "cache": "ok", "tasks": "ok",
    "queue": {"ready": 0, "oldest_ready_age": null}}``; 503 naming what does not answer.

    ``queue``: the background tasks ready to run and the wait in seconds of the oldest
    (``_queue``). A queue that waits is reported, not unhealthy (a burst of e-mails
    drains in a moment): ``tasks`` is ``"behind"``, a 503, only when the oldest waited
    longer than ``EVENTDESK_QUEUE_MAX_AGE`` (unset: never), which says no worker runs
    (or too few) without taking the web processes out of a load balancer's pool for it
    unless the operator chose so; ``"unavailable"`` when the queue could not be read."""
    result = {
        "database": await _check("database", sync_to_async(_database_ok, thread_sensitive=True)()),
        "channel_layer": await _check("channel_layer", _channel_layer_ok()),
        "cache": await _check("cache", sync_to_async(_cache_ok)()),
    }
    read = {}

    async def read_queue():
        read["queue"] = await sync_to_async(_queue, thread_sensitive=True)()
        return True

    result["tasks"] = await _check("tasks", read_queue())
    queue = read.get("queue")
    limit = settings.EVENTDESK_QUEUE_MAX_AGE
    if queue and limit is not None and (queue["oldest_ready_age"] or 0) > limit:
        result["tasks"] = "behind"
    status = 200 if all(value == "ok" for value in result.values()) else 503
    result["queue"] = queue
    response = JsonResponse(result, status=status)
    response["Cache-Control"] = "no-store"
    # (Not Django's "Service Unavailable" line on every poll, config.logging.Chosen503s:
    # _check logged the failure.)
    return response
