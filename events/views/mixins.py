"""View pieces the dashboard and the wizard share."""

import copy

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.views.generic import CreateView, DeleteView, UpdateView

from events import services
from events.forms import EventSettingsForm
from events.scope import enter_event
from permissions import checks


class EventFieldsFormMixin:
    """A form of the event's own fields (``EventSettingsForm``) on ``self.event``, saved
    through ``events.services.update_event``; then ``success_message`` (if any) and a
    redirect to ``get_success_url()``. A role that may read the event but not update it
    gets the form with every field disabled (and the page shows no Save button)."""

    form_class = EventSettingsForm
    success_message = None

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.request.event_permissions.allows_event("update"):
            for field in form.fields.values():
                field.disabled = True
        return form

    def get_form_kwargs(self):
        # The form works on a copy: a rejected form must not leave its values on
        # self.event, which the page shows.
        return {**super().get_form_kwargs(), "instance": copy.copy(self.event)}

    def save(self, form):
        """Hook: store the valid form."""
        services.update_event(self.event, actor=self.request.user, **form.cleaned_data)

    def form_valid(self, form):
        try:
            self.save(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())


# --- the event from the URL, and the check of the view's operation ----------------------


class EventPermissionMixin:
    """Enters the event of the URL (``events.scope.enter_event``: ``self.event``,
    ``request.event``, ``request.event_permissions``) and checks the user may do the
    view's operation.

    Order of answers: anonymous → log-in page; missing event, or a draft the user may not
    see (``permissions.checks.can_view_event``) → 404; not allowed → 403.

    ``resource``: a resource name ("track", ..., ``permissions.resources``) or ``None``
    for the event itself.
    ``operation``: "create", "read", "update", "delete" (or "manage_roles" on the
    event); when not set it follows from the generic view the class extends, else
    from the HTTP method (safe methods read, others update).
    """

    resource = None
    operation = None
    event_url_kwarg = "event_id"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.event = enter_event(request, event_id=kwargs[self.event_url_kwarg])
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
        return checks.may(self.request.user, self.event, self.resource, self.get_operation())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["event"] = self.event
        context["perms_in_event"] = self.request.event_permissions
        return context


class EventObjectMixin(EventPermissionMixin):
    """For views of one model of the event: the queryset is the event's objects only,
    so another event's object is 404."""

    def get_queryset(self):
        return self.model._default_manager.filter(event=self.event)
