"""The organizer dashboard of one event: overview, settings, delete, and list / create /
edit / delete pages for each of the five resources (tracks, sessions, speakers, sponsors, rooms).

Every view names what it serves (``resource = "track"``, or ``None`` for the event
itself); ``events.views.mixins`` turns that and the view's kind into the one check, so a
URL refuses what its page would not offer. Objects are looked up through the event.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views.generic import CreateView, DeleteView, FormView, ListView, TemplateView, UpdateView

from events import services
from events.forms import RESOURCE_FORMS, DeleteEventForm
from events.models import RESOURCE_MODELS, Session
from events.views.mixins import (
    EventFieldsFormMixin,
    EventObjectMixin,
    EventPermissionMixin,
)


def resource_url(resource, page, event_id, pk=None):
    """The URL of one of a resource's dashboard pages ("list", "create", "update", "delete")."""
    args = [event_id] if pk is None else [event_id, pk]
    return reverse(f"events:{resource}-{page}", args=args)


#: Tabs apps above events add to the dashboard (orders: Tickets, Orders), registered in
#: their ``AppConfig.ready`` with ``add_dashboard_tab``; events knows nothing of them.
DASHBOARD_TABS = {}


def add_dashboard_tab(nav, title, url_name, resource, operation="read"):
    """A tab named ``nav`` (what its pages set as ``nav``), shown to whoever the matrix
    lets do ``operation`` on ``resource``; its URL is ``url_name`` with the event's id."""
    DASHBOARD_TABS[nav] = {"title": title, "url_name": url_name, "resource": resource, "operation": operation}


#: Sections apps above events add to the event's Settings page (orders: its payment
#: instructions), registered in their ``AppConfig.ready`` with ``add_settings_section``.
SETTINGS_SECTIONS = []


def add_settings_section(form_class, save):
    """A section of the Settings page: ``form_class(data, event=event)`` (its ``title``
    heads it; its field names must not be the event's), saved with the event's fields,
    in their transaction, by ``save(event, actor=user, **cleaned_data)`` (which raises
    ``ValidationError`` to refuse). Shown and saved under the event's read and update."""
    if (form_class, save) not in SETTINGS_SECTIONS:
        SETTINGS_SECTIONS.append((form_class, save))


class DashboardMixin:
    """What every dashboard page shows: the event, its navigation, and the answers of
    the user's (cached) permissions in it, as ``can`` (``can.track.create``).
    ``nav`` names the tab the page belongs to. A rejected form shows its errors (200,
    as Django's forms do: the browser must not report the page as a failed load)."""

    nav = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        perms = context["perms_in_event"]
        context["can"] = perms.can
        context["nav"] = self.nav
        context["resource_nav"] = [
            {
                "name": name,
                "title": model._meta.verbose_name_plural.capitalize(),
                "url": resource_url(name, "list", self.event.pk),
                "active": name == getattr(self, "resource", None),
            }
            for name, model in RESOURCE_MODELS.items()
            if perms.can[name]["read"]
        ]
        context["extra_nav"] = [
            {
                "name": nav,
                "title": tab["title"],
                "url": reverse(tab["url_name"], args=[self.event.pk]),
                "active": nav == self.nav,
            }
            for nav, tab in DASHBOARD_TABS.items()
            if perms.allows(tab["resource"], tab["operation"])
        ]
        return context


# --- the event itself ----------------------------------------------------------------


class DashboardView(DashboardMixin, EventPermissionMixin, TemplateView):
    """Overview: how many of each resource the event has, with the links the user may use."""

    operation = "read"
    nav = "overview"
    template_name = "events/dashboard/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = services.resource_counts(self.event)
        can = context["can"]
        context["resource_cards"] = [
            {
                "name": name,
                "title": model._meta.verbose_name_plural.capitalize(),
                "count": counts[name],
                "list_url": resource_url(name, "list", self.event.pk) if can[name]["read"] else None,
                "create_url": resource_url(name, "create", self.event.pk) if can[name]["create"] else None,
                "create_label": f"Add {model._meta.verbose_name}",
            }
            for name, model in RESOURCE_MODELS.items()
        ]
        return context


class EventSettingsView(EventFieldsFormMixin, DashboardMixin, EventPermissionMixin, FormView):
    """The event's own fields, changed through ``events.services.update_event``: reading
    the page needs the event's read, saving its update (the matrix's ``event`` row); a
    role that may only read sees the fields disabled and no Save button."""

    nav = "settings"
    template_name = "events/dashboard/settings.html"
    success_message = "Saved the event's settings."

    def get_success_url(self):
        return reverse("events:settings", args=[self.event.pk])

    @cached_property
    def sections(self):
        """The forms of the sections other apps add (``add_settings_section``), bound when posted."""
        data = self.request.POST if self.request.method == "POST" else None
        forms = [(form_class(data, event=self.event), save) for form_class, save in SETTINGS_SECTIONS]
        if not self.request.event_permissions.allows_event("update"):
            for form, _ in forms:
                for field in form.fields.values():
                    field.disabled = True
        return forms

    def get_context_data(self, **kwargs):
        return super().get_context_data(sections=[form for form, _ in self.sections], **kwargs)

    def form_valid(self, form):
        if not all(section.is_valid() for section, _ in self.sections):
            return self.form_invalid(form)
        return super().form_valid(form)

    def form_invalid(self, form):
        for section, _ in self.sections:
            section.is_valid()  # its errors show too
        return super().form_invalid(form)

    @transaction.atomic
    def save(self, form):
        super().save(form)
        for section, save in self.sections:
            save(self.event, actor=self.request.user, **section.cleaned_data)


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
        services.delete_event(self.event, actor=self.request.user)
        messages.success(self.request, f"Deleted the event “{name}”.")
        return HttpResponseRedirect(reverse("events:mine"))


# --- the five resources (tracks, sessions, ...) ---------------------------------------


class ResourceMixin(DashboardMixin, EventObjectMixin):
    """A page of one resource (tracks, ...); ``resource`` (set per URL) picks the model and the form."""

    resource = None
    context_object_name = "object"

    @cached_property
    def model(self):
        return RESOURCE_MODELS[self.resource]

    def get_template_names(self):
        return [f"events/dashboard/{self.resource}_{self.page}.html", f"events/dashboard/resource_{self.page}.html"]

    def get_success_url(self):
        return resource_url(self.resource, "list", self.event.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meta = self.model._meta
        context.update(
            resource=self.resource,
            resource_title=meta.verbose_name,
            resource_title_plural=meta.verbose_name_plural.capitalize(),
            resource_can=context["can"][self.resource],
            list_url=self.get_success_url(),
            create_url=resource_url(self.resource, "create", self.event.pk),
            update_url_name=f"events:{self.resource}-update",
            delete_url_name=f"events:{self.resource}-delete",
        )
        return context


class ResourceFormMixin(ResourceMixin):
    """Create and edit: the form knows the event; events.services saves."""

    def get_form_class(self):
        return RESOURCE_FORMS[self.resource]

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
            self.object = services.save_resource(obj, actor=self.request.user, **many_to_many)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message.format(name=self.object))
        return HttpResponseRedirect(self.get_success_url())


class ResourceListView(ResourceMixin, ListView):
    page = "list"
    paginate_by = 50

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.model is Session:
            queryset = queryset.select_related("track", "microlocation").prefetch_related("speakers")
        return queryset


class ResourceCreateView(ResourceFormMixin, CreateView):
    page = "form"
    success_message = "Added “{name}”."


class ResourceUpdateView(ResourceFormMixin, UpdateView):
    page = "form"
    success_message = "Saved “{name}”."


class ResourceDeleteView(ResourceMixin, DeleteView):
    page = "confirm_delete"

    def form_valid(self, form):
        name = str(self.object)
        services.delete_resource(self.object, actor=self.request.user)
        messages.success(self.request, f"Deleted “{name}”.")
        return HttpResponseRedirect(self.get_success_url())


def resource_urlpatterns():
    """The four pages of each resource, ``events:<resource>-<page>``, under the event's
    dashboard: ``tracks/``, ``tracks/new/``, ``tracks/<pk>/edit/``, ``tracks/<pk>/delete/``."""
    patterns = []
    for name in RESOURCE_MODELS:
        prefix = f"<int:event_id>/dashboard/{name}s/"
        patterns += [
            path(prefix, ResourceListView.as_view(resource=name), name=f"{name}-list"),
            path(f"{prefix}new/", ResourceCreateView.as_view(resource=name), name=f"{name}-create"),
            path(f"{prefix}<int:pk>/edit/", ResourceUpdateView.as_view(resource=name), name=f"{name}-update"),
            path(f"{prefix}<int:pk>/delete/", ResourceDeleteView.as_view(resource=name), name=f"{name}-delete"),
        ]
    return patterns
