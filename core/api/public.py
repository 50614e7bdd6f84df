"""Public answers of the API: what an anonymous client may see, shared by every client.

A public answer is the same for everyone who gets it, so it is kept in the cache (Redis
when ``REDIS_URL`` is set, local memory otherwise) under its ETag: after a change the
first client to ask pays for reading and serializing the rows; the others get the stored
bytes without a query. Only one client builds each answer at a time (the others wait a
moment for its bytes), so a change costs one serialization per list however many
clients refetch it at once. With the cache down (Redis unreachable) every answer is built
from the database (``core.cache``).

Public answers say ``Cache-Control: public, no-cache`` (any cache may keep them, and
revalidates them every time) and ``Vary: Authorization, Cookie`` (a logged-in client
may get another representation).

``BENCH_QUERY_COUNT`` (an environment variable, for ``bench/public_sync.py`` only) makes
``QueryCountMiddleware`` add ``X-Query-Count`` and ``X-Answer`` (304, cached, built) to
answers.
"""

import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer

from core.cache import CacheUnavailable, required
from core.transactions import in_transaction

#: How long a built answer stays in the cache, in seconds (a newer ETag replaces it anyway).
ANSWER_TIMEOUT = 60 * 60
#: How long a client waits for another one building the same answer before building it too.
BUILD_WAIT = 3.0
#: Answers built (serialized) by this process, by view name: what tests and the bench count.
SERIALIZATIONS = Counter()


def is_anonymous(request):
    """A request that names nobody: no ``Authorization`` header and no session cookie.
    Telling it needs no query (nothing reads the session or looks up a token)."""
    return "HTTP_AUTHORIZATION" not in request.META and settings.SESSION_COOKIE_NAME not in request.COOKIES


def answer_key(etag):
    """The cache key of the answer's bytes (read by the front door too)."""
    return f"api:answer:{etag}"


def stored_answer(etag):
    """The bytes of the answer tagged ``etag``, if some client had it built (else ``None``)."""
    return cache.get(answer_key(etag))


# --- The front door's contract with the views ---------------------------------------


@dataclass(slots=True)
class PublicAnswerNote:
    """What a view tells the API's front door (``core.api.front_door``) about the public
    answer it gave one request. The door makes one, empty, for each anonymous request it
    sends on to Django (``note_request``); a view giving that request a public answer
    fills it in (``remember``); once Django's answer is out, the door memoizes it if
    ``etag`` is set. Nothing else reads or writes it."""

    #: The ETag of the public answer given; ``None``: no public answer (nothing memoized).
    etag: str | None = None
    #: Cache keys with the values they held when the answer was made: the answer is
    #: current while each still holds its value (an event's generation, the epoch...).
    depends: dict[str, object] = field(default_factory=dict)
    #: When time alone makes the answer stale (a ticket's sales window; epoch seconds),
    #: or ``None``.
    until: float | None = None


#: The ASGI scope's key of a request's ``PublicAnswerNote`` (ASGI's way for a middleware
#: to hand something to the application: ``note_request`` puts it, ``note_of`` reads it).
_NOTE_KEY = "eventdesk.public_answer_note"


def note_request(scope):
    """``(scope, note)``: a copy of the ASGI ``scope`` carrying a new, empty
    ``PublicAnswerNote``, and that note (the front door's, for a request it sends on)."""
    note = PublicAnswerNote()
    return {**scope, _NOTE_KEY: note}, note


def note_of(request):
    """The ``PublicAnswerNote`` of Django's (or DRF's) ``request``, or ``None`` for a
    request the front door did not send (logged in, or not under ASGI)."""
    scope = getattr(request, "scope", None)
    return None if scope is None else scope.get(_NOTE_KEY)


def remember(request, etag, depends, until=None):
    """Tell the API's front door (``core.api.front_door``) that ``request`` got the public
    answer tagged ``etag``, current while each cache key of ``depends`` holds its value
    and, if ``until`` (epoch seconds) is given, until then. Nothing for a request the
    front door did not send, nor for an answer that depends on no key (nothing the door
    could check)."""
    note = note_of(request)
    if note is not None and depends:
        note.etag, note.depends, note.until = etag, dict(depends), until


def json_answer(content, etag, kind):
    response = HttpResponse(content, content_type="application/json")
    response["ETag"] = etag
    response.public_answer = kind
    return response


def cached_answer(etag, build, name):
    """The answer tagged ``etag``: from the cache, or ``build()`` (returning the data to
    render) run by one client at a time, its bytes stored for the others."""
    content = stored_answer(etag)
    if content is not None:
        return json_answer(content, etag, "cached")
    if in_transaction():
        return json_answer(_render(build, name), etag, "built")
    lock = f"api:building:{etag}"
    try:
        with required():
            locked = cache.add(lock, 1, timeout=int(BUILD_WAIT) + 2)
    except CacheUnavailable:  # the cache down: nobody to wait for, nowhere to store
        return json_answer(_render(build, name), etag, "built")
    if not locked:
        # Someone else builds it: wait for their bytes, a moment at most.
        deadline = time.monotonic() + BUILD_WAIT
        while time.monotonic() < deadline:
            time.sleep(0.005)
            content = stored_answer(etag)
            if content is not None:
                return json_answer(content, etag, "cached")
    try:
        content = stored_answer(etag)  # built while this client was getting the lock?
        if content is not None:
            return json_answer(content, etag, "cached")
        content = _render(build, name)
        cache.set(answer_key(etag), content, ANSWER_TIMEOUT)
    finally:
        cache.delete(lock)
    return json_answer(content, etag, "built")


def _render(build, name):
    SERIALIZATIONS[name] += 1
    return JSONRenderer().render(build())


class QueryCountMiddleware:
    """For the benchmark only (``BENCH_QUERY_COUNT`` set; config.settings adds it then):
    ``X-Query-Count`` (SQL queries the answer took) and ``X-Answer`` (``304``, ``cached``,
    ``built``, or ``other``) on each answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connections["default"].execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        kind = getattr(response, "public_answer", None)
        response["X-Answer"] = "304" if response.status_code == 304 else (kind or "other")
        return response


class PublicReadsMixin:
    """For a viewset with ``ConditionalRequestMixin`` (put this one before it): when the
    view has decided that the answer is the public one (``self.public``, set while checking
    permissions), ``list`` and ``retrieve`` are answered from the cache by ETag, with the
    ``public_serializer_class``.

    A public tag is made without reading any row (``list_version()``; an object's public
    tag is its id with the version of its whole list, ``public_object_version()``), from
    values the view keeps in the cache, so a 304 or a stored answer needs no query. The
    tag also names the scheme and host (the answer's links carry them).
    """

    public = False
    public_serializer_class = None

    def get_serializer_class(self):
        if self.public:
            return self.public_serializer_class
        return super().get_serializer_class()

    def visibility(self):
        if self.public:
            return ("public", self.request.scheme, self.request.get_host())
        return super().visibility()

    def public_object_version(self):
        return ("public", self.list_version())

    def public_depends(self):
        """The cache keys, with their values, that a public answer of this view is current
        with (``{}``: none the front door could check, so it does not answer for it)."""
        return {}

    def public_until(self):
        """When time alone makes a public answer of this view stale (epoch seconds), or ``None``."""
        return None

    def tell_front_door(self, etag):
        remember(self.request, etag, self.public_depends(), self.public_until())

    def answer_name(self):
        return f"{type(self).__name__}.{self.action}"

    def list(self, request, *args, **kwargs):
        if not self.public:
            return super().list(request, *args, **kwargs)
        if self.paginator is not None and hasattr(self.paginator, "check_query"):
            self.paginator.check_query(request)  # garbage paging: 400 before any tag
        etag = self.list_etag()
        self.tell_front_door(etag)
        if self.client_has(etag):
            return self.not_modified(etag)
        return cached_answer(etag, self.build_list, self.answer_name())

    def build_list(self):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        if page is None:
            return self.get_serializer(queryset, many=True).data
        return self.get_paginated_response(self.get_serializer(page, many=True).data).data

    def retrieve(self, request, *args, **kwargs):
        if not self.public:
            return super().retrieve(request, *args, **kwargs)
        etag = self.object_etag(self.object_id(), self.public_object_version())
        self.tell_front_door(etag)
        if self.client_has(etag):
            return self.not_modified(etag)
        return cached_answer(etag, self.build_object, self.answer_name())

    def build_object(self):
        return self.get_serializer(self.get_object()).data
