"""An event's version counters in the cache, for public answers that need no query.

The cache (Redis when ``REDIS_URL`` is set, local memory otherwise) keeps, per event,
what its public ETags are made of: the version counters, its state (published or not),
time zone and slug. Every change of counters goes through ``EventQuerySet.update``,
which calls ``forget``: the event gets a new *generation* token at once and again after
the transaction commits. An entry is good only while its generation is the current one,
so an entry read from the database before a change committed (by another process, at
the same moment) is never taken for current: a stale 304 cannot happen. A miss (or a
stale entry) costs one query and refills the cache, except inside a transaction (what
it reads could still be rolled back).

``published_generation()`` changes with any change of any event: the tag of the list of
published events.

A generation is read with the cache's epoch (``core.cache``: a new one after every
outage of Redis) and is the pair of both: a generation token that a lost write (Redis
down when a change committed) left behind never validates an entry made before the
outage. While the cache is down a generation is ``None``: counters come from the
database, nothing is cached and nothing is taken for current.
"""

import uuid

from django.core.cache import cache
from django.db import transaction

from core.cache import EPOCH_KEY, announcing, epoch_of
from core.transactions import in_transaction

#: What a public ETag of the event depends on (read with one query on a miss).
#: The version counters every event carries, bumped in the transaction of each change.
VERSION_COUNTERS = (
    "event_ver",
    "tracks_ver",
    "sessions_ver",
    "speakers_ver",
    "sponsors_ver",
    "microlocations_ver",
    "tickets_ver",
)
FIELDS = ("id", "slug", "state", "timezone", "created_at", *VERSION_COUNTERS)
#: Entries expire after a day without a change (a deleted event's with them).
TIMEOUT = 24 * 60 * 60
PUBLISHED_KEY = "ev:published:gen"


def generation_key(event_id):
    """The cache key of the event's generation token."""
    return f"ev:{event_id}:gen"


def _entry_key(event_id):
    return f"ev:{event_id}:counters"


def forget(event_ids):
    """The counters of these events (ids) change: entries read before are stale, now and
    once the transaction commits (when other processes can read the change)."""
    event_ids = list(event_ids)
    if not event_ids:
        return
    if in_transaction():
        # A Redis that refuses writes (full, read-only) but still answers the other
        # processes' reads: the change cannot be announced, so it is refused (503, rolled
        # back) rather than stored unseen (core.cache.announcing).
        with announcing():
            _new_generation(event_ids)
    else:
        _new_generation(event_ids)
    transaction.on_commit(lambda: _new_generation(event_ids))


def _new_generation(event_ids):
    token = uuid.uuid4().hex
    cache.set_many({**{generation_key(pk): token for pk in event_ids}, PUBLISHED_KEY: token}, TIMEOUT)


def _joined(epoch, token):
    return None if epoch is None or token is None else f"{epoch}.{token}"


def _generation(key, found):
    """The generation under ``key`` (made if missing) with the epoch: ``found`` is a
    ``get_many`` answer that asked for both."""
    epoch, token = epoch_of(found, cache), found.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, TIMEOUT)
        token = cache.get(key)
    return _joined(epoch, token)


def depends(key, generation):
    """The cache keys, with their values, that ``generation`` (of ``key``: an event's
    ``generation_key`` or ``PUBLISHED_KEY``) was read from: what a front-door memo must
    find unchanged (``core.api.public.remember``). Empty when it is unknown."""
    if generation is None:
        return {}
    epoch, token = generation.split(".", 1)
    return {EPOCH_KEY: epoch, key: token}


def current_generation(event_id):
    """The event's generation now (``None`` if the cache has none or is down)."""
    key = generation_key(event_id)
    found = cache.get_many([EPOCH_KEY, key])
    return _joined(found.get(EPOCH_KEY), found.get(key))


def published_generation():
    """A token that changes whenever any event changes (no query); ``None`` while the
    cache is down."""
    return _generation(PUBLISHED_KEY, cache.get_many([EPOCH_KEY, PUBLISHED_KEY]))


def counters(event_id):
    """``FIELDS`` of the event (a dict) from the cache, else from the database (one query,
    then cached); ``None`` when there is no such event."""
    gen_key, entry_key = generation_key(event_id), _entry_key(event_id)
    found = cache.get_many([EPOCH_KEY, gen_key, entry_key])
    generation, entry = _joined(found.get(EPOCH_KEY), found.get(gen_key)), found.get(entry_key)
    if generation is not None and entry is not None and entry["generation"] == generation:
        return entry
    if generation is None:
        generation = _generation(gen_key, found)
    from events.models import Event  # noqa: PLC0415  (events.models calls forget)

    entry = Event.objects.filter(pk=event_id).values(*FIELDS).first()
    if entry is None:
        return None
    entry["generation"] = generation
    if generation is not None and not in_transaction():
        cache.set(entry_key, entry, TIMEOUT)
    return entry


def event_from(entry):
    """An ``Event`` carrying only ``FIELDS`` (enough for tags, filters and states; never saved)."""
    from events.models import Event  # noqa: PLC0415

    event = Event(**{name: entry[name] for name in FIELDS})
    event._state.adding = False
    event._state.db = "default"
    event.from_counters = True
    event.counters_generation = entry["generation"]
    return event
