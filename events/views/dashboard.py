"""The organizer dashboard of one event: overview, settings, delete, and list / create /
edit / delete pages for each of the five services.

Every view names what it serves (``service = "track"``, or ``None`` for the event
itself); ``events.views.mixins`` turns that and the view's kind into the one check, so a
URL refuses what its page would not offer. Objects are looked up through the event.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views.generic import CreateView, DeleteView, FormView, ListView, TemplateView, UpdateView

from core.views import InvalidFormIsBadRequestMixin
from events import services
from events.forms import SERVICE_FORMS, DeleteEventForm
from events.models import SERVICE_MODELS, Session
from events.views.mixins import (
    EventFieldsFormMixin,
    EventObjectMixin,
    EventPermissionMixin,
)


def service_url(service, page, event_id, pk=None):
    """The URL of one of a service's dashboard pages ("list", "create", "update", "delete")."""
    args = [event_id] if pk is None else [event_id, pk]
    return reverse(f"events:{service}-{page}", args=args)


class DashboardMixin(InvalidFormIsBadRequestMixin):
    """What every dashboard page shows: the event, its navigation, and the answers of
    the user's (cached) permissions in it, as ``can`` (``can.track.create``).
    ``nav`` names the tab the page belongs to. A rejected form answers 400."""

    nav = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        perms = context["perms_in_event"]
        context["can"] = perms.can
        context["nav"] = self.nav
        context["service_nav"] = [
            {
                "name": name,
                "title": model._meta.verbose_name_plural.capitalize(),
                "url": service_url(name, "list", self.event.pk),
                "active": name == getattr(self, "service", None),
            }
            for name, model in SERVICE_MODELS.items()
            if perms.can[name]["read"]
        ]
        return context


# --- the event itself ----------------------------------------------------------------


class DashboardView(DashboardMixin, EventPermissionMixin, TemplateView):
    """Overview: how many of each service the event has, with the links the user may use."""

    operation = "read"
    nav = "overview"
    template_name = "events/dashboard/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = services.service_counts(self.event)
        can = context["can"]
        context["service_cards"] = [
            {
                "name": name,
                "title": model._meta.verbose_name_plural.capitalize(),
                "count": counts[name],
                "list_url": service_url(name, "list", self.event.pk) if can[name]["read"] else None,
                "create_url": service_url(name, "create", self.event.pk) if can[name]["create"] else None,
                "create_label": f"Add {model._meta.verbose_name}",
            }
            for name, model in SERVICE_MODELS.items()
        ]
        return context


class EventSettingsView(EventFieldsFormMixin, DashboardMixin, EventPermissionMixin, FormView):
    """The event's own fields, changed through ``events.services.update_event``."""

    operation = "update"
    nav = "settings"
    template_name = "events/dashboard/settings.html"
    success_message = "Saved the event's settings."

    def get_success_url(self):
        return reverse("events:settings", args=[self.event.pk])


class EventDeleteView(DashboardMixin, EventPermissionMixin, DeleteView):
    """Deletes the event and all it owns, after its name is typed again (Organizer only)."""

    form_class = DeleteEventForm
    nav = "settings"
    template_name = "events/dashboard/event_delete.html"

    def get_object(self, queryset=None):
        return self.event

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "event": self.event}

    def form_valid(self, form):
        name = self.event.name
        services.delete_event(self.event)
        messages.success(self.request, f"Deleted the event “{name}”.")
        return HttpResponseRedirect(reverse("events:mine"))


# --- the five services ---------------------------------------------------------------


class ServiceMixin(DashboardMixin, EventObjectMixin):
    """A page of one service; ``service`` (set per URL) picks the model and the form."""

    service = None
    context_object_name = "object"

    @cached_property
    def model(self):
        return SERVICE_MODELS[self.service]

    def get_template_names(self):
        return [f"events/dashboard/{self.service}_{self.page}.html", f"events/dashboard/service_{self.page}.html"]

    def get_success_url(self):
        return service_url(self.service, "list", self.event.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meta = self.model._meta
        context.update(
            service=self.service,
            service_title=meta.verbose_name,
            service_title_plural=meta.verbose_name_plural.capitalize(),
            service_can=context["can"][self.service],
            list_url=self.get_success_url(),
            create_url=service_url(self.service, "create", self.event.pk),
            update_url_name=f"events:{self.service}-update",
            delete_url_name=f"events:{self.service}-delete",
        )
        return context


class ServiceFormMixin(ServiceMixin):
    """Create and edit: the form knows the event; the service layer saves."""

    def get_form_class(self):
        return SERVICE_FORMS[self.service]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["event"] = self.event
        if kwargs.get("instance") is None:
            kwargs["instance"] = self.model(event=self.event)
        return kwargs

    def form_valid(self, form):
        obj = form.save(commit=False)
        many_to_many = {f.name: form.cleaned_data[f.name] for f in obj._meta.many_to_many if f.name in form.fields}
        try:
            self.object = services.save_service_object(obj, **many_to_many)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message.format(name=self.object))
        return HttpResponseRedirect(self.get_success_url())


class ServiceListView(ServiceMixin, ListView):
    page = "list"
    paginate_by = 50

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.model is Session:
            queryset = queryset.select_related("track", "microlocation").prefetch_related("speakers")
        return queryset


class ServiceCreateView(ServiceFormMixin, CreateView):
    page = "form"
    success_message = "Added “{name}”."


class ServiceUpdateView(ServiceFormMixin, UpdateView):
    page = "form"
    success_message = "Saved “{name}”."


class ServiceDeleteView(ServiceMixin, DeleteView):
    page = "confirm_delete"

    def form_valid(self, form):
        name = str(self.object)
        services.delete_service_object(self.object)
        messages.success(self.request, f"Deleted “{name}”.")
        return HttpResponseRedirect(self.get_success_url())


def service_urlpatterns():
    """The four pages of each service, ``events:<service>-<page>``, under the event's
    dashboard: ``tracks/``, ``tracks/new/``, ``tracks/<pk>/edit/``, ``tracks/<pk>/delete/``."""
    patterns = []
    for name in SERVICE_MODELS:
        prefix = f"<int:event_id>/dashboard/{name}s/"
        patterns += [
            path(prefix, ServiceListView.as_view(service=name), name=f"{name}-list"),
            path(f"{prefix}new/", ServiceCreateView.as_view(service=name), name=f"{name}-create"),
            path(f"{prefix}<int:pk>/edit/", ServiceUpdateView.as_view(service=name), name=f"{name}-update"),
            path(f"{prefix}<int:pk>/delete/", ServiceDeleteView.as_view(service=name), name=f"{name}-delete"),
        ]
    return patterns
