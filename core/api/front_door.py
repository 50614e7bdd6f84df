"""The API's front door: anonymous reads answered from the cache before Django runs.

A public answer (``core.api.public``) is the same for every anonymous client, and whether
it is still current is known from a few tokens in the cache (an event's counters
generation, ``events.counters``). Django still costs every request its whole stack
(handler, middleware, URL resolving, DRF's request set-up) in a worker thread. This ASGI
middleware, in front of Django, answers what it can from the event loop with two cache
reads and no query; everything else goes on to Django unchanged.

How it learns: a request that names nobody (no ``Authorization`` header, no session
cookie) goes on to Django with an empty ``core.api.public.PublicAnswerNote`` (made by
``note_request``, in the request's ASGI scope; views reach it only through
``core.api.public.note_of``). A view that answers it with a public answer fills it in
(``core.api.public.remember``): the ETag, the cache tokens the answer depends on and
their values, and, where time alone changes it (a ticket's sales window), the moment it
stops being current. When Django's answer (200 or 304, no cookie set) has gone out, the front
door stores a *memo* under the request (scheme, host and forwarding headers, path, query
string, ``Accept``): that ETag, those tokens and the headers Django sent.

How it answers: the same request again finds the memo, then reads the tokens (and, for a
200, the answer's bytes, stored by ``core.api.public.cached_answer``) in one round trip.
Every token must still hold its value and the moment must not have passed; then
``If-None-Match`` naming the tag gets a 304, any other request the stored bytes with
Django's headers. Anything missing, changed or unexpected sends the request on to
Django. A change of an event gives it a new generation at once and again after commit,
so a memo made before a change never answers after it: no stale 304.

``FRONT_DOOR_ANSWERS`` counts the answers given here, by kind (for tests and the bench).
"""

import hashlib
import logging
import time
from collections import Counter

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.http import parse_etags

from core.api.public import answer_key, note_request

logger = logging.getLogger(__name__)

#: How long a memo stays (a new token or tag replaces it anyway).
MEMO_TIMEOUT = 60 * 60
#: Request headers a public answer may depend on (besides the path and query string).
KEYED_HEADERS = (b"host", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-port", b"accept")
#: Headers of Django's answer not kept in a memo: the front door sets them per answer
#: (the last two only for bench/public_sync.py, ``core.api.public.QueryCountMiddleware``).
UNKEPT_HEADERS = frozenset({b"content-length", b"date", b"server", b"x-query-count", b"x-answer"})
FRONT_DOOR_ANSWERS = Counter()

_cache = None


def shared_cache():
    """The default cache, one backend for the whole process. (``django.core.cache.cache``
    is one per thread and, in async code, one per task: each request would open its own
    Redis connections.)"""
    global _cache  # noqa: PLW0603
    if _cache is None:
        _cache = caches.create_connection(DEFAULT_CACHE_ALIAS)
    return _cache


@receiver(setting_changed)
def _cache_settings_changed(setting, **kwargs):
    global _cache  # noqa: PLW0603
    if setting == "CACHES":
        _cache = None


def _headers(scope):
    """The request's headers by lower-case name, repeated ones joined as Django joins them."""
    found = {}
    for name, value in scope.get("headers", ()):
        name = name.lower()
        if name in found:
            value = found[name] + (b"; " if name == b"cookie" else b",") + value
        found[name] = value
    return found


def _names_somebody(headers):
    """``core.api.public.is_anonymous``, negated, on the raw ASGI headers (Django's request
    does not exist yet here)."""
    if b"authorization" in headers:
        return True
    cookie = headers.get(b"cookie")
    if not cookie:
        return False
    session = settings.SESSION_COOKIE_NAME.encode()
    return any(part.strip().split(b"=", 1)[0] == session for part in cookie.split(b";"))


def _holds_nul(scope, headers):
    """A NUL in the path, the query string (raw or ``%00``) or a header: Django refuses
    the request (``core.middleware.RefuseNulMiddleware``), never a memo."""
    query = scope.get("query_string", b"")
    return (
        "\x00" in scope["path"]
        or b"\x00" in query
        or b"%00" in query
        or any(b"\x00" in value for value in headers.values())
    )


def _memo_key(scope, headers):
    parts = [
        scope.get("scheme", "http").encode(),
        (scope.get("root_path", "") + scope["path"]).encode("utf-8", "surrogatepass"),
        scope.get("query_string", b""),
        *(headers.get(name, b"") for name in KEYED_HEADERS),
    ]
    return "api:memo:" + hashlib.blake2b(b"\0".join(parts), digest_size=16).hexdigest()


def _client_has(headers, etag):
    value = headers.get(b"if-none-match")
    if not value:
        return False
    tags = parse_etags(value.decode("latin-1"))
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


class PublicAnswers:
    """ASGI middleware around Django's HTTP application, for paths under ``prefix``."""

    def __init__(self, app, prefix="/api/"):
        self.app = app
        self.prefix = prefix
        self.bench = settings.BENCH_QUERY_COUNT

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(self.prefix)
        ):
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        if _names_somebody(headers) or _holds_nul(scope, headers):
            return await self.app(scope, receive, send)
        try:
            key = _memo_key(scope, headers)
            answer = await self._stored_answer(key, headers)
        except Exception:  # the cache away: Django answers (and says what is wrong)
            logger.exception("The API's front door could not read the cache")
            return await self.app(scope, receive, send)
        if answer is not None:
            await self._send(send, scope, *answer)
            return None
        scope, note = note_request(scope)
        await self.app(scope, receive, self._learning(send, key, note))
        return None

    async def _stored_answer(self, key, headers):
        """``(status, headers, body, kind)`` when the memo is current, else ``None``."""
        memo = (await shared_cache().aget_many([key])).get(key)
        if memo is None or (memo["until"] is not None and time.time() >= memo["until"]):
            return None
        not_modified = _client_has(headers, memo["etag"])
        if not not_modified and not memo["has_body"]:
            return None
        body_key = answer_key(memo["etag"])
        wanted = list(memo["depends"]) if not_modified else [*memo["depends"], body_key]
        found = await shared_cache().aget_many(wanted)
        if any(found.get(name) != value for name, value in memo["depends"].items()):
            return None
        if not_modified:
            return 304, memo["headers"], b"", "304"
        body = found.get(body_key)
        return None if body is None else (200, memo["headers"], body, "cached")

    async def _send(self, send, scope, status, headers, body, kind):
        FRONT_DOOR_ANSWERS[kind] += 1
        if status == 200:
            headers = [*headers, (b"content-length", str(len(body)).encode())]
        else:  # a 304 carries no representation metadata (RFC 9110, 15.4.5)
            headers = [(name, value) for name, value in headers if name != b"content-type"]
        if self.bench:
            headers += [(b"x-query-count", b"0"), (b"x-answer", kind.encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    def _learning(self, send, key, note):
        """``send``, noting Django's answer; once it is out, its memo is stored if a view
        filled in the ``note`` and the answer is one to repeat."""
        answer = {}

        async def learning_send(message):
            await send(message)
            if message["type"] == "http.response.start":
                answer.update(status=message["status"], headers=message.get("headers", []))
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                await self._memorize(key, note, answer)

        return learning_send

    async def _memorize(self, key, note, answer):
        if note.etag is None or answer.get("status") not in (200, 304):
            return
        headers = [(name.lower(), value) for name, value in answer["headers"]]
        names = {name for name, _ in headers}
        if b"set-cookie" in names or (b"etag", note.etag.encode()) not in headers:
            return
        memo = {
            "etag": note.etag,
            "depends": note.depends,
            "until": note.until,
            "has_body": answer["status"] == 200,
            "headers": [(name, value) for name, value in headers if name not in UNKEPT_HEADERS],
        }
        try:
            await shared_cache().aset(key, memo, MEMO_TIMEOUT)
        except Exception:
            logger.exception("The API's front door could not store a memo")
