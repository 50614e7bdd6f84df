"""``/api/v1/events/<event_id>/activity/``: the event's activity log, read only, newest
first, paginated, with ETags (``core.api.etags``). For whoever may read the event
(``checks.may(user, event, None, "read")``): a draft is 404 to the others
(``events.scope.enter_event``), a published event 403 to those without a role. Each
person gets the entries they may read, their personal data redacted as the page does
(``events.activity_log``: one rule for both)."""

from functools import cached_property

from django.db.models import Count, Max
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from activity.api import ActivityEntrySerializer, ActivityFilters
from activity.models import ActivityEntry
from core.api.etags import ConditionalRequestMixin, aggregate_version
from events import activity_log
from events.api import EventResourcePermission, InEventMixin


@extend_schema_view(
    list=extend_schema(
        summary="List the event's activity",
        description="Who changed what in the event, newest first, with the changed fields (`{field: [old, new]}`). "
        "`?type=events.track` and `?person=<user id>` filter it. Only the entries about what the caller may read "
        "(personal data of objects they may not read shown as `(hidden)`). Paginated; the ETag changes with every "
        "new entry the caller may read.",
        parameters=[ActivityFilters],
    )
)
class EventActivityViewSet(InEventMixin, ConditionalRequestMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ActivityEntrySerializer
    permission_classes = [EventResourcePermission]
    resource = None  # the event itself: its "read"
    operation = "read"
    public_serializer_class = None  # never public
    queryset = ActivityEntry.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ActivityEntry.objects.none()
        return self.reader.entries()

    @cached_property
    def reader(self):
        """What this person reads (in the database: pages, counts and the tag agree)."""
        return activity_log.reader(self.request.user, self.event)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else self.reader.shown(page)

    def visibility(self):
        return self.reader.key

    def list(self, request, *args, **kwargs):
        self.filters = ActivityFilters(data=request.query_params)
        self.filters.is_valid(raise_exception=True)
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset):
        return self.filters.filter(super().filter_queryset(queryset))

    def list_version(self):
        # Entries are only ever added: max id and count of the entries this person reads
        # (an entry they may not read changes nothing); an actor whose account is deleted
        # becomes null: the count of actors says so. What they read is in visibility().
        version = aggregate_version(self.reader.entries(), last=Max("id"), count=Count("id"), actors=Count("actor"))
        return (self.event.pk, self.event.created_at, version)
