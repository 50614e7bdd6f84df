"""A user's log-in sessions: which they are, and ending them.

Changing a user's password ends their other sessions; deactivating or deleting a user
ends all of them (``accounts.signals``). Ending a session deletes it from the session
store and sends ``sessions_ended``, on which the notifications app closes the sockets
opened with it (code 4402, which the bell shows as "logged out").

A session is known to its sockets by an id kept in the session's data (set at log-in):
unlike the session key, which changes with ``update_session_auth_hash`` after a password
change, the id stays the same as long as the log-in does.
"""

import contextvars
import logging
import uuid
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.dispatch import Signal
from django.utils import timezone

logger = logging.getLogger(__name__)

#: The session data key of the log-in's id.
SESSION_ID_KEY = "_eventdesk_session_id"

#: Sent after sessions of a user ended: ``user_id``, and ``keep``, the id of the one
#: session that goes on (``None``: every session of the user ended).
sessions_ended = Signal()

_current_request = contextvars.ContextVar("eventdesk_current_request", default=None)


def current_request_middleware(get_response):
    """Remembers the request being answered, so that a change to the user made while
    answering it (a password change) can keep the session that made it."""

    def middleware(request):
        token = _current_request.set(request)
        try:
            return get_response(request)
        finally:
            _current_request.reset(token)

    return middleware


def current_session_of(user_id):
    """The session of the request being answered, when it is logged in as ``user_id``."""
    request = _current_request.get()
    if request is None or not hasattr(request, "session") or getattr(request, "user", None) is None:
        return None
    if request.user.is_authenticated and request.user.pk == user_id:
        return request.session
    return None


def new_session_id(request):
    """At log-in (``user_logged_in``): the new log-in's id."""
    request.session[SESSION_ID_KEY] = uuid.uuid4().hex


def session_id(session):
    """The id of a session (a log-in); its key for a session from before these ids."""
    if session is None:
        return None
    return session.get(SESSION_ID_KEY) or session.session_key


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_keys_of(user_id):
    """The keys of the user's unexpired sessions in the database.

    Sessions keep the user's id only inside their encoded data, so each one is decoded:
    this reads every unexpired session, which is fine for something as rare as a
    password change (it is not asked on any page view).
    """
    store = _session_store()
    if not hasattr(store, "get_model_class"):  # not a database engine: nothing to list
        return []
    wanted = str(user_id)
    decoder = store()
    rows = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    return [
        key
        for key, data in rows.values_list("session_key", "session_data").iterator(chunk_size=2000)
        if str(decoder.decode(data).get(SESSION_KEY)) == wanted
    ]


def end_sessions(user_id, keep=None):
    """End the user's sessions, except ``keep`` (a session, or None), and say so."""
    store = _session_store()
    keep_key = keep.session_key if keep is not None else None
    for key in session_keys_of(user_id):
        if key != keep_key:
            store(session_key=key).delete()
    try:
        sessions_ended.send(sender=None, user_id=user_id, keep=session_id(keep))
    except Exception:  # the sessions ended all the same; a socket is only a hint
        logger.exception("could not close the sockets of user %s", user_id)
