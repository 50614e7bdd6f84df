"""The event's activity log (``/events/<id>/dashboard/activity/``): who changed what in
it, newest first, filtered by the kind of object and by person. For whoever may read the
event (``checks.may(user, event, None, "read")``), each person the entries they may read,
their personal data redacted (``events.activity_log``, the rule the API shares); times in
the event's time zone. The entries are written by the services
(``activity.services.log_action``)."""

import datetime
import re

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.views.generic import ListView

from events import activity_log
from events.views.dashboard import DashboardMixin
from events.views.mixins import EventPermissionMixin


class ActivityFilters(forms.Form):
    """``?type=<app_label.model>&person=<user id>``: the kinds and people of the entries
    the person reads only; anything else is a 400 with the form's errors."""

    type = forms.ChoiceField(required=False, label="Object type")
    person = forms.ChoiceField(required=False, label="Person")

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        type_ids = entries.exclude(content_type=None).order_by().values_list("content_type", flat=True).distinct()
        types = sorted(
            (f"{ct.app_label}.{ct.model}", str(ct.model_class()._meta.verbose_name).capitalize())
            for ct in ContentType.objects.filter(pk__in=list(type_ids))
            if ct.model_class() is not None
        )
        self.fields["type"].choices = [("", "Everything"), *sorted(types, key=lambda choice: choice[1])]
        actor_ids = entries.exclude(actor=None).order_by().values_list("actor", flat=True).distinct()
        people = get_user_model().objects.filter(pk__in=list(actor_ids)).order_by("full_name", "email")
        self.fields["person"].choices = [("", "Everyone"), *((str(user.pk), user.get_full_name()) for user in people)]

    def filter(self, entries):
        data = self.cleaned_data
        if data.get("type"):
            app_label, model = data["type"].split(".")
            entries = entries.filter(content_type__app_label=app_label, content_type__model=model)
        if data.get("person"):
            entries = entries.filter(actor_id=int(data["person"]))
        return entries


class ActivityView(DashboardMixin, EventPermissionMixin, ListView):
    """The event's activity, 50 entries a page."""

    operation = "read"
    nav = "activity"
    paginate_by = 50
    template_name = "events/dashboard/activity.html"

    def get(self, request, *args, **kwargs):
        self.reader = activity_log.reader(request.user, self.event)
        entries = self.reader.entries()
        self.filters = ActivityFilters(request.GET or None, entries=entries)
        if self.filters.is_bound and not self.filters.is_valid():
            self.object_list = entries.none()
            return self.render_to_response(self.get_context_data(), status=400)
        self.queryset = self.filters.filter(entries) if self.filters.is_bound else entries
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return self.queryset.select_related("content_type")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filters"] = self.filters
        query = self.request.GET.copy()
        query.pop("page", None)
        context["filter_query"] = query.urlencode()
        context["object_list"] = self.reader.shown(context["object_list"])
        if context.get("page_obj") is not None:
            context["page_obj"].object_list = context["object_list"]
        for entry in context["object_list"]:
            entry.shown_changes = [
                (name, self.shown(old), self.shown(new)) for name, (old, new) in entry.changes.items()
            ]
        return context

    def shown(self, value):
        """A logged value for people: times (stored in ISO 8601, UTC) in the event's time
        zone, lists joined, nothing as a dash."""
        if value is None or value == []:
            return "—"
        if isinstance(value, list):
            return ", ".join(map(str, value))
        if isinstance(value, str) and ISO_DATETIME.match(value):
            try:
                moment = datetime.datetime.fromisoformat(value)
            except ValueError:
                return value
            if moment.tzinfo is not None:
                return moment.astimezone(self.event.tzinfo).strftime("%a %d %b %Y, %H:%M")
        return value


ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
