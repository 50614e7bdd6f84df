"""Enforcement for the API, on the same checks as the pages (permissions.checks).

A viewset names ``service`` (or ``None`` for the event itself) and takes the event
from the URL kwarg ``event_id``. The operation follows from the HTTP method.
"""

from django.http import Http404
from rest_framework.permissions import SAFE_METHODS, BasePermission

from events.models import Event
from permissions import checks

METHOD_OPERATIONS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


def operation_for(method):
    return "read" if method in SAFE_METHODS else METHOD_OPERATIONS.get(method, "update")


class EventServicePermission(BasePermission):
    """Allows the request when the user's role in the event permits the operation.

    Sets ``view.event`` (404 when the event does not exist, or is a draft the user holds
    no role in: ``checks.hides_event``).
    """

    message = "Your role in this event does not allow this."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        event = getattr(view, "event", None)
        if event is None:
            try:
                event = Event.objects.get(pk=view.kwargs["event_id"])
            except (Event.DoesNotExist, ValueError, TypeError):
                raise Http404("No such event.") from None
            view.event = event
        if checks.hides_event(request.user, event):
            raise Http404("No such event.")
        operation = getattr(view, "operation", None) or operation_for(request.method)
        return checks.may(request.user, event, getattr(view, "service", None), operation)
