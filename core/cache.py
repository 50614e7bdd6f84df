"""The Redis cache backend, with one Redis client per connection pool, native async
reads and writes for the API's front door (``core.api.front_door``), and a cache that
may be down without taking the site with it.

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

**Redis down.** Every operation that cannot reach Redis (``CACHE_ERRORS``) is, by
default, a miss: reads find nothing, writes store nothing, and callers fall back to the
database. A process that met such an error says so once (a warning), then leaves Redis
alone for ``RETRY_INTERVAL`` between attempts (a down Redis costs no time per request;
short socket timeouts, ``DEFAULT_OPTIONS``, bound the first one). What truly needs Redis
(counts several processes must share: rate limits) asks for it: inside ``required()``
an unreachable cache raises ``CacheUnavailable``, which pages and the API answer 503
with ``Retry-After`` (``core.errors``, ``core.api.errors``).

**Coming back.** Writes lost during an outage may have been invalidations (a new
generation token of an event, ``events.counters``), so what Redis still holds from
before may no longer be current. Whatever must never be taken for current after an
outage is checked against the cache's *epoch* (``EPOCH_KEY``, read in the same round trip
as what it validates: ``epoch_of``). A process that met an outage treats the cache as
down until it has written a new epoch, which it does as soon as Redis answers again (a
thread tries every ``RETRY_INTERVAL``): every entry and memo made before is stale from
that moment, in every process.

**Redis refusing writes.** A Redis that answers but refuses to store (full under the
``noeviction`` policy: OOM; a read-only replica after a failover: READONLY; persistence
failing: MISCONF; ``refuses_writes``) is an outage too: the process treats the cache as
down until its new epoch is written. One thing differs: the others still read the old
generations from it, so a change whose new generation cannot be written would go unseen
by them. Inside ``announcing()`` (``events.counters.forget``, in the change's
transaction) such a refusal raises ``CacheUnavailable``: the change is rolled back and
answered 503, nothing stored.
"""

import asyncio
import contextlib
import contextvars
import logging
import threading
import time
import uuid
import weakref

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError, OutOfMemoryError, ReadOnlyError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: What "Redis cannot be reached" raises (``OSError``: sockets refused, reset, unreachable).
CACHE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
#: What a Redis that answers but refuses to store raises (see ``refuses_writes``).
REFUSALS = (OutOfMemoryError, ReadOnlyError, ResponseError)
#: Seconds between two attempts to reach a Redis that was down (and the ``Retry-After``
#: of what needs it meanwhile).
RETRY_INTERVAL = 1.0
#: Connection options unless ``CACHES["default"]["OPTIONS"]`` says otherwise: a Redis that
#: does not answer costs half a second once, not redis-py's default of waiting for ever
#: (and retrying three times).
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
#: Connections of a process's async client (the API's front door), and how long a
#: request waits for one of them when all are busy: a burst of anonymous requests waits
#: its turn instead of opening a connection each.
ASYNC_MAX_CONNECTIONS = 100
ASYNC_POOL_WAIT = 0.5
#: The cache key of the epoch (see the module's docstring).
EPOCH_KEY = "cache:epoch"
#: How long an epoch is kept (renewed whenever it is missing).
EPOCH_TIMEOUT = None


class CacheUnavailable(Exception):
    """The cache cannot be reached now, and the caller said it needs it (``required()``).
    Nothing was stored; retrying after ``retry_after`` seconds may succeed."""

    retry_after = max(1, round(RETRY_INTERVAL))

    def __init__(self, message="The service is briefly unavailable; try again in a moment."):
        self.message = message
        super().__init__(message)


_required = contextvars.ContextVar("eventdesk_cache_required", default=False)
_announcing = contextvars.ContextVar("eventdesk_cache_announcing", default=False)


def pool_exhausted(error):
    """Is ``error`` this process's own connection pool being full (redis-py's
    ``MaxConnectionsError``, or a blocking pool's wait running out), not Redis out of
    reach? Then that one operation misses: Redis is fine, and taking it for an outage would
    write a new epoch and make every process rebuild every answer (measured: a sync phase
    of the public bench rebuilt each list 50 times per change)."""
    return isinstance(error, MaxConnectionsError) or (
        isinstance(error, RedisConnectionError) and str(error) == "No connection available."
    )


def refuses_writes(error):
    """Is ``error`` Redis refusing to store (OOM, READONLY, MISCONF), not a broken command?"""
    if isinstance(error, (OutOfMemoryError, ReadOnlyError)):
        return True
    # (In a pipeline the text starts "Command # 1 (...) of pipeline caused error: ".)
    return isinstance(error, ResponseError) and str(error).rsplit("caused error: ", 1)[-1].startswith("MISCONF")


@contextlib.contextmanager
def required():
    """Inside, a cache operation that cannot reach the cache raises ``CacheUnavailable``
    instead of missing: for what must not go on without the cache (counts that several
    processes share). A cache that never fails (local memory) never raises."""
    token = _required.set(True)
    try:
        yield
    finally:
        _required.reset(token)


@contextlib.contextmanager
def announcing():
    """Inside, a write that a Redis refusing writes (``refuses_writes``) does not store
    raises ``CacheUnavailable``: for invalidations other processes must see (a new
    generation), which cannot be skipped while they still read the old one."""
    token = _announcing.set(True)
    try:
        yield
    finally:
        _announcing.reset(token)


def unavailable(default=None, *, refusing=False):
    """What a cache operation that could not reach the cache returns: ``default``, or,
    inside ``required()`` (or ``announcing()``, when Redis refuses writes),
    ``CacheUnavailable``."""
    if _required.get() or (refusing and _announcing.get()):
        raise CacheUnavailable
    return default


def epoch_of(found, cache):
    """The cache's epoch from ``found`` (a ``get_many`` answer that asked for
    ``EPOCH_KEY``); set anew if the cache has none. ``None`` when the cache is down: then
    nothing read from it may be taken for current."""
    epoch = found.get(EPOCH_KEY)
    if epoch is None:
        cache.add(EPOCH_KEY, uuid.uuid4().hex, EPOCH_TIMEOUT)
        epoch = cache.get(EPOCH_KEY)
    return epoch


class _Health:
    """Whether one Redis (by location) is reachable, for the whole process (Django makes
    a cache backend per thread and per task)."""

    def __init__(self, place):
        self.location = " ".join(place[:-2])
        self.down = False
        #: Down because Redis refuses writes (it still answers reads, to the others too).
        self.refusing = False
        self.lock = threading.Lock()

    def went_down(self, error, backend):
        with self.lock:
            if refuses_writes(error):
                self.refusing = True
            if self.down:
                return
            self.down = True
        if refuses_writes(error):
            # Not the error's text: a pipeline's names its command, with the stored bytes.
            reason = str(error).rsplit("caused error: ", 1)[-1]
            logger.warning(
                "The cache (Redis at %s) refuses writes (%s): answering without it, refusing changes, "
                "and trying again every %s s.",
                self.location,
                reason,
                RETRY_INTERVAL,
            )
        else:
            logger.warning(
                "The cache (Redis at %s) is unreachable (%s): answering without it, and trying again every %s s.",
                self.location,
                error,
                RETRY_INTERVAL,
            )
        threading.Thread(target=self._come_back, args=(backend,), daemon=True, name="cache-recovery").start()

    def _come_back(self, backend):
        """Until Redis answers: wait, then try writing a new epoch."""
        while True:
            time.sleep(RETRY_INTERVAL)
            try:
                DjangoRedisCache.set(backend, EPOCH_KEY, uuid.uuid4().hex, EPOCH_TIMEOUT)
            except CACHE_ERRORS:
                continue
            except REFUSALS as error:
                if refuses_writes(error):
                    continue
                raise
            self.refusing = False
            self.down = False
            logger.warning("The cache (Redis at %s) answers again: a new epoch is written.", self.location)
            return


_health = {}
_health_lock = threading.Lock()


def _health_of(place):
    """The health of one Redis (its servers) as one installation uses it (key prefix and
    version: each has its epoch)."""
    with _health_lock:
        health = _health.get(place)
        if health is None:
            health = _health[place] = _Health(place)
        return health


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
        from redis.asyncio.retry import Retry  # noqa: PLC0415
        from redis.backoff import NoBackoff  # noqa: PLC0415

        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            timeouts = {
                name: self._pool_options[name]
                for name in ("socket_connect_timeout", "socket_timeout")
                if name in self._pool_options
            }
            pool = aioredis.BlockingConnectionPool.from_url(
                self._servers[0],
                max_connections=self._pool_options.get("max_connections", ASYNC_MAX_CONNECTIONS),
                timeout=ASYNC_POOL_WAIT,
                retry=Retry(NoBackoff(), 0),
                **timeouts,
            )
            client = self._async_clients[loop] = aioredis.Redis(connection_pool=pool)
        return client


def _failed(backend, error):
    """Note ``error`` (one of ``CACHE_ERRORS`` or ``REFUSALS``) of an operation of
    ``backend``: Redis out of reach or refusing writes marks it down (a full pool of this
    process does not, ``pool_exhausted``); any other refusal is a broken command, raised.
    Whether Redis refuses writes."""
    if isinstance(error, CACHE_ERRORS):
        if not pool_exhausted(error):
            backend._health.went_down(error, backend)
        return False
    if not refuses_writes(error):
        raise error
    backend._health.went_down(error, backend)
    return True


def _lenient(name, miss):
    """Django's ``name`` operation, answering ``miss(args, kwargs)`` when Redis cannot be
    reached (or inside ``required()``, raising ``CacheUnavailable``)."""
    operation = getattr(DjangoRedisCache, name)

    def method(self, *args, **kwargs):
        if self._health.down:
            return unavailable(miss(args, kwargs), refusing=self._health.refusing)
        try:
            return operation(self, *args, **kwargs)
        except (*CACHE_ERRORS, *REFUSALS) as error:
            return unavailable(miss(args, kwargs), refusing=_failed(self, error))

    method.__name__ = name
    method.__doc__ = operation.__doc__
    return method


def _incr_unavailable(args, kwargs):
    raise CacheUnavailable


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        from redis.backoff import NoBackoff  # noqa: PLC0415
        from redis.retry import Retry  # noqa: PLC0415

        params = {
            **params,
            "OPTIONS": {**DEFAULT_OPTIONS, "retry": Retry(NoBackoff(), 0), **params.get("OPTIONS", {})},
        }
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
        self._health = _health_of((*self._servers, self.key_prefix, self.version))

    get = _lenient("get", lambda args, kwargs: kwargs.get("default", args[1] if len(args) > 1 else None))
    get_many = _lenient("get_many", lambda args, kwargs: {})
    has_key = _lenient("has_key", lambda args, kwargs: False)
    add = _lenient("add", lambda args, kwargs: False)
    set = _lenient("set", lambda args, kwargs: None)
    set_many = _lenient("set_many", lambda args, kwargs: list(args[0] if args else kwargs["data"]))
    touch = _lenient("touch", lambda args, kwargs: False)
    delete = _lenient("delete", lambda args, kwargs: False)
    delete_many = _lenient("delete_many", lambda args, kwargs: None)
    incr = _lenient("incr", _incr_unavailable)
    clear = _lenient("clear", lambda args, kwargs: False)

    async def aget_many(self, keys, version=None):
        made = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not made:
            return {}
        if self._health.down:
            return unavailable({})
        try:
            values = await self._cache.get_async_client().mget(list(made))
        except (*CACHE_ERRORS, *REFUSALS) as error:
            _failed(self, error)
            return unavailable({})
        loads = self._cache._serializer.loads
        return {made[key]: loads(value) for key, value in zip(made, values, strict=True) if value is not None}

    async def aset(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if self._health.down:
            return unavailable()
        client = self._cache.get_async_client()
        try:
            if timeout == 0:
                await client.delete(key)
            else:
                await client.set(key, self._cache._serializer.dumps(value), ex=timeout)
        except (*CACHE_ERRORS, *REFUSALS) as error:
            _failed(self, error)
            return unavailable()
        return None


class RequiredCache:
    """The default cache, every operation inside ``required()``: for DRF throttles, whose
    counts must be shared by every process or not be kept at all (``cache =
    required_cache`` on the throttle class). Unreachable, it raises ``CacheUnavailable``
    before anything is stored; pages and the API answer 503 with ``Retry-After``."""

    def __getattr__(self, name):
        from django.core.cache import cache  # noqa: PLC0415  (settings may change: read at use)

        operation = getattr(cache, name)
        if not callable(operation):
            return operation

        def call(*args, **kwargs):
            with required():
                return operation(*args, **kwargs)

        return call


required_cache = RequiredCache()
