"""Enforcement for pages: a view names its service; the operation follows from its kind.

Order of answers: anonymous → log-in page; missing event, or a draft the user holds no
role in (``checks.hides_event``) → 404; not allowed → 403.
Objects are always looked up through ``self.event``, so another event's object is 404.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.generic import CreateView, DeleteView, UpdateView

from events.models import Event
from permissions import checks


class EventPermissionMixin:
    """Loads ``self.event`` from the URL and checks the user may do the view's operation.

    ``service``: a service name ("track", ...) or ``None`` for the event itself.
    ``operation``: "create", "read", "update", "delete" (or "manage_roles" on the
    event); when not set it follows from the generic view the class extends, else
    from the HTTP method (safe methods read, others update).
    """

    service = None
    operation = None
    event_url_kwarg = "event_id"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            self.event = Event.objects.get(pk=kwargs[self.event_url_kwarg])
        except Event.DoesNotExist:
            raise Http404("No such event.") from None
        if checks.hides_event(request.user, self.event):
            raise Http404("No such event.")  # as if it did not exist
        if not self.has_permission():
            raise PermissionDenied("Your role in this event does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def get_operation(self):
        if self.operation:
            return self.operation
        for view_class, operation in ((CreateView, "create"), (UpdateView, "update"), (DeleteView, "delete")):
            if isinstance(self, view_class):
                return operation
        return "read" if self.request.method in ("GET", "HEAD", "OPTIONS") else "update"

    def has_permission(self):
        return checks.may(self.request.user, self.event, self.service, self.get_operation())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["event"] = self.event
        context["perms_in_event"] = checks.event_permissions(self.request.user, self.event)
        return context


class EventObjectMixin(EventPermissionMixin):
    """For views of one model of the event: the queryset is the event's objects only."""

    def get_queryset(self):
        return self.model._default_manager.filter(event=self.event)
