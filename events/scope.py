"""The one way into an event: pages, the API (and any event-scoped consumer) enter an
event through ``enter_event``, which loads it once per request and answers 404 when it
is missing or when ``permissions.checks.can_view_event`` says the user may not see it (a
draft does not exist for someone without a role in it). The rest of the request works
in the event's scope (django-scopes, ``core.request_scope``): every query of a per-event
model is filtered to the event; before it, such a query raises ``ScopeError``.

It sets ``request.event`` and ``request.event_permissions`` (what the user may do in
it, ``permissions.checks.event_permissions``: one query, asked only when something reads
it, and then kept for the rest of the request).
"""

from django.http import Http404
from django.utils.functional import SimpleLazyObject

from core.request_scope import enter_scope
from events.models import Event
from permissions import checks


def enter_event(request, *, event_id=None, slug=None, annotations=None):
    """Load the event named by ``event_id`` or ``slug`` (with ``annotations`` read in the
    same query, e.g. what the ETags need), check the user may see it, and set
    ``request.event`` and ``request.event_permissions``. Returns the event.

    ``request`` may be a Django request or a DRF one (the attributes are set on the
    Django request, which the DRF request reads through).
    """
    if (event_id is None) == (slug is None):
        raise TypeError("Name the event by event_id or by slug.")
    events = Event.objects.annotate(**annotations) if annotations else Event.objects.all()
    try:
        event = events.get(**({"pk": event_id} if slug is None else {"slug": slug}))
    except (Event.DoesNotExist, ValueError, TypeError):
        raise Http404("No such event.") from None
    user = request.user
    if not checks.can_view_event(user, event):
        raise Http404("No such event.")  # as if it did not exist
    target = getattr(request, "_request", request)
    target.event = event
    target.event_permissions = SimpleLazyObject(lambda: checks.event_permissions(user, event))
    enter_scope(request, event=event)  # the rest of the request works in this event
    return event
