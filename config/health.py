"""/healthz: does this process reach the database, the channel layer and the cache?"""

import asyncio
import logging
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

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
    """200 ``{"database": "ok", "channel_layer": "ok", "cache": "ok"}``; 503 naming what
    does not answer."""
    result = {
        "database": await _check("database", sync_to_async(_database_ok, thread_sensitive=True)()),
        "channel_layer": await _check("channel_layer", _channel_layer_ok()),
        "cache": await _check("cache", sync_to_async(_cache_ok)()),
    }
    status = 200 if all(value == "ok" for value in result.values()) else 503
    response = JsonResponse(result, status=status)
    response["Cache-Control"] = "no-store"
    # (Not Django's "Service Unavailable" line on every poll, config.logging.Chosen503s:
    # _check logged the failure.)
    return response
