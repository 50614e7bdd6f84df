"""The Redis cache backend, with one Redis client per connection pool.

Django's ``RedisCache`` makes a new ``redis.Redis`` object for every cache call; its
constructor fills a table of about 170 response callbacks each time, which profiling
showed to be half of the cache's cost on the anonymous API's cached answers (a 304 of
``versions/`` makes one ``get_many``). A ``redis.Redis`` object only holds its connection
pool and is safe to share between threads, so this backend makes one per pool and
reuses it; the commands sent and the answers are the same.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
