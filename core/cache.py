"""The Redis cache backend: Django's cache API (``BaseCache``) on redis-py's public API,
with one Redis client per server, native async reads and writes for the API's front
door (``core.api.front_door``), and a cache that may be down without taking the site
with it.

It stores what Django's own ``RedisCache`` stores (the same keys, pickled values, plain
integers as Redis integers), but keeps one ``redis.Redis`` per server instead of making
one for every cache call (its constructor fills a table of about 170 response callbacks
each time: profiling showed that to be half of the cache's cost on the anonymous API's
cached answers). A ``redis.Redis`` only holds its connection pool and is safe to share
between threads. ``aget_many`` and ``aset`` talk to Redis from the event loop itself
(``redis.asyncio``, one client per loop) instead of running the sync ones in a worker
thread: same keys, same serialization, so the sync and async sides read each other's
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
import pickle
import random
import re
import threading
import time
import uuid
import weakref

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.utils.module_loading import import_string
from redis import asyncio as aioredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError, OutOfMemoryError, ReadOnlyError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

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
    return isinstance(error, ResponseError) and _redis_answer(error).startswith("MISCONF")


def _redis_answer(error):
    """Redis's own error text: in a pipeline, the error's text starts "Command # 1 (...)
    of pipeline caused error: ", naming the command with the bytes it stored."""
    return str(error).rsplit("caused error: ", 1)[-1]


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

    def went_down(self, error, backend, *, refusing=False):
        """Note ``error``: Redis out of reach, or, ``refusing``, refusing writes."""
        with self.lock:
            if refusing:
                self.refusing = True
            if self.down:
                return
            self.down = True
        if refusing:
            logger.warning(
                "The cache (Redis at %s) refuses writes (%s): answering without it, refusing changes, "
                "and trying again every %s s.",
                self.location,
                _redis_answer(error),
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
                backend._store_epoch()
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


class PickleSerializer:
    """How values are stored: pickled, except plain integers, stored as Redis integers so
    that ``INCR`` works on them (what Django's own Redis backend stores, so either reads
    the other's values)."""

    protocol = pickle.HIGHEST_PROTOCOL

    def dumps(self, value):
        if type(value) is int:  # not bool, not an int subclass
            return value
        return pickle.dumps(value, self.protocol)

    def loads(self, data):
        try:
            return int(data)
        except ValueError:
            return pickle.loads(data)  # noqa: S301 (the cache's own values, written above)


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
    backend._health.went_down(error, backend, refusing=True)
    return True


#: The ``miss`` of an operation that has no answer without Redis (``incr``): it raises
#: ``CacheUnavailable`` even outside ``required()``.
_NO_MISS = object()
#: ``OPTIONS`` the async client takes too (the others are the sync pool's: its classes,
#: parser, retry policy).
ASYNC_CONNECTION_OPTIONS = (
    "socket_connect_timeout",
    "socket_timeout",
    "socket_keepalive",
    "client_name",
    "username",
    "password",
    "health_check_interval",
)


class RedisCache(BaseCache):
    """Django's cache API (``BaseCache``) on redis-py: ``LOCATION`` is one Redis URL or
    several (separated by ``,`` or ``;``: writes go to the first, reads to one of the
    others, as with Django's backend); ``OPTIONS`` are redis-py's connection-pool options
    (``max_connections``, ``socket_timeout``, ``client_name``...; ``DEFAULT_OPTIONS``
    unless given), plus ``pool_class`` (a redis-py pool class or its dotted path;
    ``redis.ConnectionPool`` by default). Every operation that cannot reach Redis is a
    miss (see the module's docstring); ``aget_many`` and ``aset`` talk to Redis from the
    event loop."""

    def __init__(self, server, params):
        super().__init__(params)
        self.servers = re.split("[;,]", server) if isinstance(server, str) else list(server)
        options = {**DEFAULT_OPTIONS, "retry": Retry(NoBackoff(), 0), **params.get("OPTIONS", {})}
        pool_class = options.pop("pool_class", redis.ConnectionPool)
        self.pool_class = import_string(pool_class) if isinstance(pool_class, str) else pool_class
        self.pool_options = options
        self.serializer = PickleSerializer()
        #: One client per server (index in ``servers``): a ``redis.Redis`` only holds its
        #: connection pool and is safe to share between threads.
        self._clients = {}
        self._clients_lock = threading.Lock()
        self._async_clients = weakref.WeakKeyDictionary()
        self._health = _health_of((*self.servers, self.key_prefix, self.version))

    @property
    def down(self):
        """Whether this process takes the cache for down now (every operation a miss)."""
        return self._health.down

    # --- clients ------------------------------------------------------------------

    def client(self, *, write=False):
        """The ``redis.Redis`` client of the server to write to (the first) or to read
        from (one of the others, if there are others)."""
        index = 0 if write or len(self.servers) == 1 else random.randint(1, len(self.servers) - 1)  # noqa: S311
        client = self._clients.get(index)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(index)
                if client is None:
                    pool = self.pool_class.from_url(self.servers[index], **self.pool_options)
                    client = self._clients[index] = redis.Redis(connection_pool=pool)
        return client

    def async_client(self):
        """A ``redis.asyncio`` client of the first server for the running event loop: a
        ``BlockingConnectionPool`` of ``max_connections`` (``ASYNC_MAX_CONNECTIONS`` unless
        given) where a request waits ``ASYNC_POOL_WAIT`` for a free connection."""
        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            options = {name: self.pool_options[name] for name in ASYNC_CONNECTION_OPTIONS if name in self.pool_options}
            pool = aioredis.BlockingConnectionPool.from_url(
                self.servers[0],
                max_connections=self.pool_options.get("max_connections", ASYNC_MAX_CONNECTIONS),
                timeout=ASYNC_POOL_WAIT,
                retry=AsyncRetry(NoBackoff(), 0),
                **options,
            )
            client = self._async_clients[loop] = aioredis.Redis(connection_pool=pool)
        return client

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        """Seconds for Redis's ``EX`` (``None``: no expiry; 0 or less: delete), not
        ``BaseCache``'s absolute moment."""
        if timeout == DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return None if timeout is None else max(0, int(timeout))

    def _lenient(self, miss, operation, *args):
        """``operation(*args)``, or, Redis out of reach (or refusing writes), ``miss``
        (inside ``required()``: ``CacheUnavailable``)."""
        if self._health.down:
            if miss is _NO_MISS:
                raise CacheUnavailable
            return unavailable(miss, refusing=self._health.refusing)
        try:
            return operation(*args)
        except (*CACHE_ERRORS, *REFUSALS) as error:
            refusing = _failed(self, error)
            if miss is _NO_MISS:
                raise CacheUnavailable from error
            return unavailable(miss, refusing=refusing)

    def _store_epoch(self):
        """A new epoch, straight to Redis (the recovery thread: errors are its to handle)."""
        key = self.make_and_validate_key(EPOCH_KEY)
        self.client(write=True).set(key, self.serializer.dumps(uuid.uuid4().hex), ex=EPOCH_TIMEOUT)

    # --- Django's cache API -------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._lenient(False, self._add, key, value, self.get_backend_timeout(timeout))

    def _add(self, key, value, timeout):
        client = self.client(write=True)
        value = self.serializer.dumps(value)
        if timeout == 0:
            added = bool(client.set(key, value, nx=True))
            if added:
                client.delete(key)
            return added
        return bool(client.set(key, value, ex=timeout, nx=True))

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._lenient(default, self._get, key, default)

    def _get(self, key, default):
        value = self.client().get(key)
        return default if value is None else self.serializer.loads(value)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._lenient(None, self._set, key, value, self.get_backend_timeout(timeout))

    def _set(self, key, value, timeout):
        client = self.client(write=True)
        if timeout == 0:
            client.delete(key)
        else:
            client.set(key, self.serializer.dumps(value), ex=timeout)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._lenient(False, self._touch, key, self.get_backend_timeout(timeout))

    def _touch(self, key, timeout):
        client = self.client(write=True)
        return bool(client.persist(key) if timeout is None else client.expire(key, timeout))

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._lenient(False, lambda: bool(self.client(write=True).delete(key)))

    def get_many(self, keys, version=None):
        made = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not made:
            return {}
        return self._lenient({}, self._get_many, made)

    def _get_many(self, made):
        values = self.client().mget(list(made))
        return self._loaded(made, values)

    def _loaded(self, made, values):
        loads = self.serializer.loads
        return {made[key]: loads(value) for key, value in zip(made, values, strict=True) if value is not None}

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._lenient(False, lambda: bool(self.client().exists(key)))

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._lenient(_NO_MISS, self._incr, key, delta)

    def _incr(self, key, delta):
        client = self.client(write=True)
        if not client.exists(key):
            raise ValueError(f"Key '{key}' not found.")
        return client.incr(key, delta)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        made = {self.make_and_validate_key(key, version=version): value for key, value in data.items()}
        return self._lenient(list(data), self._set_many, made, self.get_backend_timeout(timeout))

    def _set_many(self, made, timeout):
        pipeline = self.client(write=True).pipeline()
        pipeline.mset({key: self.serializer.dumps(value) for key, value in made.items()})
        if timeout is not None:  # MSET sets no expiry: one EXPIRE per key
            for key in made:
                pipeline.expire(key, timeout)
        pipeline.execute()
        return []

    def delete_many(self, keys, version=None):
        keys = [self.make_and_validate_key(key, version=version) for key in keys]
        if keys:
            self._lenient(None, lambda: self.client(write=True).delete(*keys))

    def clear(self):
        """Empties the Redis database (every key, as Django's backend does)."""
        return self._lenient(False, lambda: bool(self.client(write=True).flushdb()))

    # --- from the event loop (the API's front door) ----------------------------------

    async def aget_many(self, keys, version=None):
        made = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not made:
            return {}
        if self._health.down:
            return unavailable({})
        try:
            values = await self.async_client().mget(list(made))
        except (*CACHE_ERRORS, *REFUSALS) as error:
            _failed(self, error)
            return unavailable({})
        return self._loaded(made, values)

    async def aset(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if self._health.down:
            return unavailable()
        client = self.async_client()
        try:
            if timeout == 0:
                await client.delete(key)
            else:
                await client.set(key, self.serializer.dumps(value), ex=timeout)
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
