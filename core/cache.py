"""The Redis cache backend, with one Redis client per connection pool, and native async
reads and writes for the API's front door (``core.api.front_door``).

Django's ``RedisCache`` makes a new ``redis.Redis`` object for every cache call; its
constructor fills a table of about 170 response callbacks each time, which profiling
showed to be half of the cache's cost on the anonymous API's cached answers (a 304 of
``versions/`` makes one ``get_many``). A ``redis.Redis`` object only holds its connection
pool and is safe to share between threads, so this backend makes one per pool and
reuses it; the commands sent and the answers are the same.

Django's async cache methods run the sync ones in a worker thread. ``aget_many`` and
``aset`` here talk to Redis from the event loop itself (``redis.asyncio``, one client per
loop): same keys, same serialization, so the sync and async sides read each other's
values.
"""

import asyncio
import weakref

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._async_clients = weakref.WeakKeyDictionary()

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client

    def get_async_client(self):
        """A ``redis.asyncio`` client of the first server, for the running event loop."""
        from redis import asyncio as aioredis  # noqa: PLC0415  (only where an event loop asks)

        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            client = self._async_clients[loop] = aioredis.Redis.from_url(self._servers[0])
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    async def aget_many(self, keys, version=None):
        made = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not made:
            return {}
        values = await self._cache.get_async_client().mget(list(made))
        loads = self._cache._serializer.loads
        return {made[key]: loads(value) for key, value in zip(made, values, strict=True) if value is not None}

    async def aset(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        client = self._cache.get_async_client()
        if timeout == 0:
            await client.delete(key)
        else:
            await client.set(key, self._cache._serializer.dumps(value), ex=timeout)
