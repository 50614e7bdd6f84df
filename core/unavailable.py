"""503 with ``Retry-After`` when what an answer needs is out of reach for a moment: no free
database connection (PostgreSQL's or PgBouncer's limit, or the server refusing), or the
cache that shared counts live in (``core.cache.CacheUnavailable``).

``ServiceUnavailableMiddleware`` (near the top of ``MIDDLEWARE``) turns them into the
answer in pages; the API's exception handler (``core.api.errors``) does it for DRF's
views, which catch exceptions before any middleware; ``guard_websockets`` (``config.asgi``)
closes a socket that meets them with ``CLOSE_TRY_AGAIN_LATER`` (4503). The answer is made without
the database: no template, no context processor, no session or user.

Only a failure to *connect* is a 503: any other ``OperationalError`` is a bug or a broken
query, a 500 that is logged as usual. A database that cannot be reached is logged once
(an error), not for every request it refuses, and once more when a statement goes
through again.
"""

import logging
import threading

from django.db import DatabaseError, OperationalError
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse

from core.cache import CacheUnavailable
from core.views import API_PREFIX, answers_json

logger = logging.getLogger(__name__)

#: Seconds a client is told to wait (``Retry-After``).
RETRY_AFTER = 5
MESSAGE = "The service is briefly unavailable. Please try again in a moment."
PAGE = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Briefly unavailable · Eventdesk</title></head>"
    "<body><h1>Briefly unavailable</h1><p>{message}</p>"
    "<p>Nothing was changed. Try again in a few seconds.</p></body></html>\n"
)
#: What the database server or PgBouncer says when it has no connection to give (some
#: are sent after connecting: PgBouncer's pool waits, then gives up).
_REFUSALS = (
    "too many clients",
    "too many connections",
    "remaining connection slots are reserved",
    "no more connections allowed",
    "query_wait_timeout",
    "server login has been failing",
    "pgbouncer cannot connect to server",
    "the database system is starting up",
    "the database system is shutting down",
)
#: SQLSTATEs of the same: too_many_connections, cannot_connect_now.
_REFUSAL_CODES = frozenset({"53300", "57P03"})
#: A connection lost under a statement (libpq's words, the server's when it is stopped or
#: fails over): PgBouncer's own refusals often come as these, as it closes the socket
#: right after its error (query_wait_timeout: the pool had no server connection to give
#: for query_wait_timeout seconds), which loses the error. The server rolls back what the
#: lost connection had not committed; a lost COMMIT is not one of these (its fate is
#: unknown, a logged 500).
_LOST = (
    "server closed the connection unexpectedly",
    "terminating connection due to administrator command",
    "could not receive data from server",
    "could not send data to server",
    "ssl connection has been closed unexpectedly",
    "connection reset by peer",
)
#: admin_shutdown, crash_shutdown.
_LOST_CODES = frozenset({"57P01", "57P02"})


def is_connection_failure(error):
    """Is ``error`` a database that could not be reached (connecting failed, it refused a
    connection, or the connection was lost before a commit), rather than a failing query?"""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__ or error
    if getattr(cause, "pgcode", None) in _REFUSAL_CODES:
        return True
    text = str(cause).lower()
    if any(refusal in text for refusal in _REFUSALS):
        return True
    frames = []
    traceback = error.__traceback__
    while traceback is not None:
        frames.append(traceback.tb_frame.f_code.co_name)
        traceback = traceback.tb_next
    if "get_new_connection" in frames:
        return True
    lost = getattr(cause, "pgcode", None) in _LOST_CODES or any(words in text for words in _LOST)
    return lost and "_commit" not in frames


class _Outage:
    """A service's state as this process saw it (the database's, unless told otherwise):
    logged once when it goes (at ``level``), and once when it is back."""

    def __init__(
        self,
        failing="The database cannot be reached (%s): answering 503 until it can.",
        back="The database answers again.",
        level=logging.ERROR,
    ):
        self.down = False
        self.lock = threading.Lock()
        self.failing = failing
        self.back = back
        self.level = level

    def failed(self, error):
        with self.lock:
            if self.down:
                return
            self.down = True
        logger.log(self.level, self.failing, str(error).strip())

    def connected(self):
        if not self.down:
            return
        with self.lock:
            if not self.down:
                return
            self.down = False
        logger.warning(self.back)


database = _Outage()
#: A server that refuses to write (a standby after a failover, a database set
#: read-only): reads go on; a change is a 503, rolled back, until a write goes through.
read_only = _Outage(
    "The database refuses writes (%s): answering 503 to changes until it takes them.",
    "The database takes writes again.",
)
#: SQLSTATE read_only_sql_transaction.
_READ_ONLY_CODE = "25006"
_WRITES = ("INSERT", "UPDATE", "DELETE")


def is_read_only(error):
    """Is ``error`` a write the database server refused as read-only?"""
    return isinstance(error, DatabaseError) and getattr(error.__cause__, "pgcode", None) == _READ_ONLY_CODE


def _answered(execute, sql, params, many, context):
    """A statement that went through: the database is back, if it was not (a connection
    alone says nothing behind PgBouncer, which accepts one whatever is behind it)."""
    result = execute(sql, params, many, context)
    if database.down:
        database.connected()
    if read_only.down and isinstance(sql, str) and sql.lstrip()[:6].upper() in _WRITES:
        read_only.connected()
    return result


@receiver(connection_created)
def _database_answers(sender, connection, **kwargs):
    if _answered not in connection.execute_wrappers:
        # First: connection.execute_wrapper() pops the last one when its block ends.
        connection.execute_wrappers.insert(0, _answered)


def is_unavailable(error):
    """Is ``error`` one that answers 503 (noting a database outage, once)?"""
    if isinstance(error, CacheUnavailable):
        return True
    if is_read_only(error):
        read_only.failed(error)
        return True
    if is_connection_failure(error):
        database.failed(error)
        return True
    return False


def response_for(request):
    """The 503 itself: JSON wherever the answers are JSON (``core.views.answers_json``:
    the API, a view marked JSON-only such as the banner upload, a script), in the
    endpoint's error format; else a small page."""
    if request.path_info.startswith(API_PREFIX):
        response = JsonResponse({"detail": MESSAGE}, status=503)
    elif answers_json(request):
        response = JsonResponse({"status": "error", "error": MESSAGE, "detail": MESSAGE}, status=503)
    else:
        response = HttpResponse(PAGE.format(message=MESSAGE), status=503, content_type="text/html; charset=utf-8")
    return quiet(response)


def quiet(response):
    """``response`` (a 503) with ``Retry-After`` and kept by no cache. (Django does not
    log it as a server error on every request, ``config.logging.Chosen503s``: the
    outage was logged once.)"""
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class ServiceUnavailableMiddleware:
    """503 with ``Retry-After`` for a view (or its template) that met an unreachable
    database or a required cache that is down; nothing else changes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_unavailable(exception):
            return response_for(request)
        return None


#: The close code of a socket that met an outage: "try again later" (RFC 6455's 1013,
#: which daphne may not send, moved into the application's range). The bell retries
#: (static/js/notifications.js stops only on 4401 and 4402).
CLOSE_TRY_AGAIN_LATER = 4503


#: The channel layer as this process's sockets saw it: logged when it fails, not for
#: every socket the bells open again and again meanwhile, and once when one gets through.
channel_layer = _Outage(
    "Websockets meet an unreachable channel layer (%s): closing them with 4503.",
    "Websockets reach the channel layer again.",
    level=logging.WARNING,
)


def guard_websockets(app):
    """ASGI middleware for websockets: a socket whose set-up or consumer meets an
    unreachable database or cache (``is_unavailable``, or Redis errors of the channel
    layer) is closed with ``CLOSE_TRY_AGAIN_LATER`` instead of an error."""
    from core.cache import CACHE_ERRORS  # noqa: PLC0415

    async def guarded(scope, receive, send):
        state = {"accepted": False, "closed": False}

        async def watching_send(message):
            if message["type"] == "websocket.accept":
                state["accepted"] = True
                channel_layer.connected()  # consumers join their groups before accepting
            elif message["type"] == "websocket.close":
                state["closed"] = True
            await send(message)

        try:
            return await app(scope, receive, watching_send)
        except Exception as error:
            if not (is_unavailable(error) or isinstance(error, CACHE_ERRORS)):
                raise
            if isinstance(error, CACHE_ERRORS):
                channel_layer.failed(error)
            if not state["closed"]:
                if not state["accepted"]:
                    await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})
            return None

    return guarded
