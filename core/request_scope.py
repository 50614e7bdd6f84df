"""Each request's event scope (django-scopes, as pretix and pretalx use it), in production
as in tests.

Every per-event model's default manager is a ``django_scopes.ScopedManager`` (``event``,
or ``order__event``, ...). ``ScopeMiddleware`` runs every request in
``django_scopes.scope()``: scopes enabled, no event yet. A query of a per-event model then
raises ``django_scopes.ScopeError`` until the request enters its event
(``events.scope.enter_event`` calls ``enter_scope``), and from then on every such query
is filtered to that event, until the response is rendered. A page or API view that
forgets its event fails loudly instead of reading every event's rows.

Code that works across events says so with ``django_scopes.scopes_disabled()``: the admin
(``core.admin_site.AdminSite.admin_view``), management commands, background tasks, "my
events" pages and the signals that fan out.

This module knows nothing of events (core imports no domain app): it enters whatever
dimensions it is given.
"""

from contextlib import ExitStack

from django_scopes import scope

#: The request attribute holding the request's scopes (an ``ExitStack``).
_ATTRIBUTE = "_event_scopes"


class ScopeMiddleware:
    """Runs the request with scopes enabled and no event; ``enter_scope`` enters one for
    the rest of it (the view, and the rendering of its response)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with ExitStack() as scopes:
            scopes.enter_context(scope())  # enabled, whatever the caller's state: no event
            setattr(request, _ATTRIBUTE, scopes)
            try:
                return self.get_response(request)
            finally:
                delattr(request, _ATTRIBUTE)


def enter_scope(request, **dimensions):
    """Enter the scope ``dimensions`` (``event=event``) for the rest of ``request``.

    ``request`` is a Django request, or a DRF one (read through to Django's). Outside
    ``ScopeMiddleware`` (a request built by hand, in tests) the caller's scope is left as it
    is."""
    target = getattr(request, "_request", request)
    scopes = getattr(target, _ATTRIBUTE, None)
    if scopes is not None:
        scopes.enter_context(scope(**dimensions))
