"""Event scopes, checked (the idea of pretalx's scoped managers).

While a request is handled, the code knows which event it works in: none yet
(``UNSCOPED``: the admin, pages outside any event, a request before it entered its
event) or the one ``events.scope.enter_event`` entered. A query of an event-owned model
(``events.models.EventOwnedQuerySet``) says which event it is scoped to
(``for_event(event)``, or a related manager of the event: ``event.tracks.all()``).

With strict checking on, evaluating a query of an event-owned model inside an event's
scope that is not scoped to that event raises ``ScopeError``: the query forgot its event
(or reads another's). Strict checking is on only when ``settings.EVENTDESK_STRICT_SCOPES``
is true (the tests set it; production leaves it off and never raises), and only while
``ScopeMiddleware`` handles a request, or inside ``strict()``.

This module knows nothing of events (core imports no domain app): a scope is an event id.
"""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.conf import settings
from django.urls import NoReverseMatch, reverse

#: The scope of code that works in no one event (the admin, pages outside events).
UNSCOPED = object()


class ScopeError(Exception):
    """A query of an event-owned model ran, in an event's scope, without that event."""


@dataclass(frozen=True)
class _State:
    strict: bool
    event_id: object = UNSCOPED  # an event id, or UNSCOPED
    pinned: bool = False  # enter() leaves the scope alone (admin requests)


_state = contextvars.ContextVar("eventdesk_scope", default=None)


def _event_id(event):
    return getattr(event, "pk", event)


def current():
    """The current scope: an event id, ``UNSCOPED``, or ``None`` (no scope set)."""
    state = _state.get()
    return None if state is None else state.event_id


def is_strict():
    state = _state.get()
    return state is not None and state.strict


@contextmanager
def _set(state):
    token = _state.set(state)
    try:
        yield
    finally:
        _state.reset(token)


@contextmanager
def scope(event):
    """Work in ``event`` (an Event or its id); strictness is left as it is."""
    state = _state.get() or _State(strict=False)
    with _set(replace(state, event_id=_event_id(event), pinned=False)):
        yield


@contextmanager
def unscoped():
    """Work in no one event: any query of event-owned models is allowed."""
    state = _state.get() or _State(strict=False)
    with _set(replace(state, event_id=UNSCOPED)):
        yield


@contextmanager
def strict(on=True):
    """Turn strict checking on (or off) inside the block (tests)."""
    state = _state.get() or _State(strict=on)
    with _set(replace(state, strict=on)):
        yield


def enter(event):
    """Set the scope to ``event`` for the rest of the request (``events.scope.enter_event``).

    Does nothing outside a scoped request (``ScopeMiddleware`` undoes it at the end) and
    in a pinned one (the admin)."""
    state = _state.get()
    if state is not None and not state.pinned:
        _state.set(replace(state, event_id=_event_id(event)))


def check(model, scoped_to):
    """Raise ``ScopeError`` if a query of ``model`` scoped to ``scoped_to`` (an event id
    or None) may not run in the current scope."""
    state = _state.get()
    if state is None or not state.strict or state.event_id is UNSCOPED:
        return
    if scoped_to is None:
        raise ScopeError(
            f"A query of {model._meta.label} names no event (use .for_event(event)) inside the "
            f"scope of event {state.event_id}."
        )
    if scoped_to != state.event_id:
        raise ScopeError(
            f"A query of {model._meta.label} for event {scoped_to} inside the scope of event {state.event_id}."
        )


def _admin_prefix():
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        return None


class ScopeMiddleware:
    """With ``settings.EVENTDESK_STRICT_SCOPES`` (the tests), checks the scopes of each
    request: it starts unscoped (pinned so for the admin) until it enters its event."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not getattr(settings, "EVENTDESK_STRICT_SCOPES", False):
            return self.get_response(request)
        prefix = _admin_prefix()
        admin = prefix is not None and request.path.startswith(prefix)
        with _set(_State(strict=True, event_id=UNSCOPED, pinned=admin)):
            return self.get_response(request)
