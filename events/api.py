"""JSON API for events and their resources (tracks, sessions, ...) (``/api/v1/events/...``).

Every object is fetched through its event: the event comes from the URL, and each
queryset is that event's objects only, so another event's object answers 404 and
another event's ids in a body are "does not exist". Permissions are the matrix's
(``EventResourcePermission``, after ``events.scope.enter_event``); ETags and preconditions come from
``core.api.etags``.
"""

from datetime import date
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db.models import Count, F, Max, OuterRef, Prefetch, Subquery, Sum
from django.http import Http404
from django_scopes import scopes_disabled
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated

from core.api.etags import ConditionalRequestMixin, ConditionalWritesMixin, aggregate_version
from core.api.public import PublicReadsMixin, is_anonymous
from core.request_scope import enter_scope
from events import counters, images, public
from events.models import VERSION_COUNTERS, Event, Microlocation, Session, Speaker, Sponsor, Track
from events.scope import enter_event
from events.services import (
    EVENT_FIELDS,
    create_event,
    delete_event,
    delete_resource,
    events_of,
    publish_event,
    save_resource,
    update_event,
)
from permissions import checks

# --- serializers ----------------------------------------------------------------------


class InEventField(serializers.PrimaryKeyRelatedField):
    """The id of one of this event's objects; any other id "does not exist"."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        event = getattr(self.context.get("view"), "event", None)
        if event is None:
            return self.model.objects.none()
        return self.model.objects.for_event(event)


class ImagesBusyError(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = images.ImagesBusy.message
    default_code = "busy"
    wait = 5  # DRF's handler turns it into Retry-After


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "description": "Read: the image's URL, or null. Write: a PNG, JPEG or WebP image as a data URL "
        '(`data:image/png;base64,...`) or base64 text, re-encoded without its metadata; null or "" removes it.',
    }
)
class ImageDataField(serializers.FileField):
    """An image sent in JSON (a speaker's photo, a sponsor's logo), through the same pipeline
    as the background image (``events.images``): refused with a 400 and a message unless
    it is a PNG, JPEG or WebP image within the limits; stored re-encoded, without its
    metadata, under an unguessable name. ``null`` or ``""`` removes the image."""

    default_error_messages = {"invalid": "Send the image as a data URL (data:image/png;base64,...) or base64 text."}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is None or data == "":
            return True, ""  # no image (the column holds "", never NULL)
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            processed = images.process_image(images.decode_payload(data, max_bytes=settings.EVENTDESK_IMAGE_MAX_BYTES))
        except images.InvalidImage as invalid:
            raise serializers.ValidationError(str(invalid), code="invalid_image") from None
        except images.ImagesBusy:
            raise ImagesBusyError() from None
        return ContentFile(processed.content, name=processed.storage_name())


class EventOwnedSerializer(serializers.ModelSerializer):
    """Saves through ``events.services.save_resource``, which validates with the
    model's rules (a ``ValidationError`` there is a 400 with field → messages)."""

    def create(self, validated_data):
        many_to_many = self.pop_many_to_many(validated_data)
        return save_resource(self.Meta.model(**validated_data), actor=self.context["request"].user, **many_to_many)

    def update(self, instance, validated_data):
        many_to_many = self.pop_many_to_many(validated_data)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return save_resource(instance, actor=self.context["request"].user, **many_to_many)

    def pop_many_to_many(self, validated_data):
        names = [field.name for field in self.Meta.model._meta.many_to_many]
        return {name: validated_data.pop(name) for name in names if name in validated_data}


class TrackSessionSerializer(serializers.ModelSerializer):
    """A session as its track lists it: ``{id, title}``."""

    class Meta:
        model = Session
        fields = ["id", "title"]
        read_only_fields = fields


TRACK_FIELDS = ["id", "name", "color", "description", "sessions", "track_image_url", "location", "version"]


class TrackSerializer(EventOwnedSerializer):
    # Its sessions as the original system listed them, ``{id, title}`` (read-only: a
    # session names its track). The track's tags follow the sessions (``sessions_ver``).
    sessions = TrackSessionSerializer(many=True, read_only=True)

    class Meta:
        model = Track
        fields = [*TRACK_FIELDS, "created_at", "updated_at"]


class TrackWithoutSessionsSerializer(TrackSerializer):
    """A track of a draft for someone who may read tracks but not sessions (the default
    matrix's Track Organizer and Moderator): without its sessions, whose titles the
    sessions API refuses them."""

    class Meta(TrackSerializer.Meta):
        fields = [name for name in TrackSerializer.Meta.fields if name != "sessions"]


class MicrolocationSerializer(EventOwnedSerializer):
    class Meta:
        model = Microlocation
        fields = ["id", "name", "floor", "latitude", "longitude", "version", "created_at", "updated_at"]


class SpeakerSerializer(EventOwnedSerializer):
    photo = ImageDataField()

    class Meta:
        model = Speaker
        fields = ["id", "name", "email", "bio", "organisation", "photo", "version", "created_at", "updated_at"]


class SponsorSerializer(EventOwnedSerializer):
    logo = ImageDataField()

    class Meta:
        model = Sponsor
        fields = ["id", "name", "url", "level", "logo", "version", "created_at", "updated_at"]


class SessionSerializer(EventOwnedSerializer):
    # Ids, not nested objects: a session's representation changes only with the
    # session (its version), never with a renamed track or speaker.
    track = InEventField(Track, allow_null=True, required=False)
    microlocation = InEventField(Microlocation, allow_null=True, required=False)
    speakers = InEventField(Speaker, many=True, required=False)

    class Meta:
        model = Session
        fields = [
            "id",
            "title",
            "abstract",
            "track",
            "microlocation",
            "speakers",
            "starts_at",
            "ends_at",
            "version",
            "created_at",
            "updated_at",
        ]


# --- public representations: what anyone may see of a published event -------------------
# (No e-mail address, no role, no hidden ticket, nothing only the dashboard shows.)


class PublicTrackSerializer(serializers.ModelSerializer):
    sessions = TrackSessionSerializer(many=True, read_only=True)

    class Meta:
        model = Track
        fields = TRACK_FIELDS
        read_only_fields = fields


class PublicMicrolocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Microlocation
        fields = ["id", "name", "floor", "latitude", "longitude", "version"]
        read_only_fields = fields


class PublicSpeakerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Speaker
        fields = ["id", "name", "bio", "organisation", "photo", "version"]
        read_only_fields = fields


class PublicSponsorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sponsor
        fields = ["id", "name", "url", "level", "logo", "version"]
        read_only_fields = fields


class PublicSessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "title", "abstract", "track", "microlocation", "speakers", "starts_at", "ends_at", "version"]
        read_only_fields = fields


class PublicEventSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="event_ver", read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "starts_at",
            "ends_at",
            "timezone",
            "location",
            "currency",
            "background_image",
            "version",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    """Saves through ``events.services``: ``create_event`` (the creator becomes Organizer),
    ``update_event``, and ``publish_event`` when ``state`` becomes published (which
    checks that the event is complete)."""

    version = serializers.IntegerField(source="event_ver", read_only=True)

    class Meta:
        model = Event
        # The event's own fields (events.services.EVENT_FIELDS), in the model's order.
        fields = [
            "id",
            *(field.name for field in Event._meta.concrete_fields if field.name in EVENT_FIELDS),
            "background_image",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["slug", "background_image"]

    def create(self, validated_data):
        publish = validated_data.pop("state", None) == Event.State.PUBLISHED
        event = create_event(self.context["request"].user, **validated_data)
        enter_scope(self.context["request"], event=event)  # the rest of the request works in it
        return self.publish(event) if publish else event

    def update(self, instance, validated_data):
        publish = validated_data.get("state") == Event.State.PUBLISHED and not instance.is_published
        if publish:
            del validated_data["state"]
        event = update_event(instance, actor=self.context["request"].user, **validated_data)
        return self.publish(event) if publish else event

    def publish(self, event):
        try:
            return publish_event(event, actor=self.context["request"].user)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"state": error.messages}) from None


class VersionsSerializer(serializers.ModelSerializer):
    """The counters under the original system's names (``event_id``, ``id``, ``session_ver``)
    and ours (``sessions_ver``, kept for current clients)."""

    event_id = serializers.IntegerField(source="id", read_only=True)
    session_ver = serializers.IntegerField(source="sessions_ver", read_only=True)

    class Meta:
        model = Event
        fields = ["event_id", "id", *VERSION_COUNTERS, "session_ver"]
        read_only_fields = fields


# --- the event, from the URL ------------------------------------------------------------


METHOD_OPERATIONS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


def operation_for(method):
    return "read" if method in SAFE_METHODS else METHOD_OPERATIONS.get(method, "update")


class InEventMixin(PublicReadsMixin):
    """For views under ``/events/<event_id>/``: enters the event (``events.scope.enter_event``:
    ``self.event``, ``request.event``, ``request.event_permissions``; 404 when it is missing
    or a draft the user may not see) before the permission check, with whatever the ETags
    need read in the same query.

    Reading a published event, a client whose role may not read the view's resource (or
    nobody logged in) gets the public representation (``public_serializer_class``, answered
    from the cache: ``core.api.public``) instead of a 403. An anonymous client enters the
    event through its cached counters (``events.counters``): no query when they are cached.
    Drafts and writes follow the matrix.
    """

    event_url_kwarg = "event_id"

    def check_permissions(self, request):
        if self.event_url_kwarg in self.kwargs:
            reading = request.method in SAFE_METHODS and self.public_serializer_class is not None
            if reading and (is_anonymous(request) or not request.user.is_authenticated):
                self.enter_public(request)
                return
            if request.user.is_authenticated:
                self.event = enter_event(
                    request, event_id=self.kwargs[self.event_url_kwarg], annotations=self.event_annotations()
                )
                if reading and self.event.is_published and not self.reads_all():
                    self.public = True
                    return
        super().check_permissions(request)

    def enter_public(self, request):
        """Enter a published event from its cached counters (``events.counters``); a draft
        or a missing event is 404."""
        entry = counters.counters(self.kwargs[self.event_url_kwarg])
        if entry is None or entry["state"] != Event.State.PUBLISHED:
            raise Http404("No such event.")
        self.event = counters.event_from(entry)
        target = request._request
        target.event, target.event_permissions = self.event, checks.NOBODY
        enter_scope(request, event=self.event)  # as enter_event does
        self.public = True

    def public_depends(self):
        # An anonymous client's answer is made from the cached counters: current while
        # their generation is (events.counters).
        if getattr(self.event, "from_counters", False):
            return counters.depends(counters.generation_key(self.event.pk), self.event.counters_generation)
        return {}

    def reads_all(self):
        """May the (logged-in) user read the full representation?"""
        return self.request.event_permissions.allows(self.resource, "read")

    def event_annotations(self):
        """Values read with the event row: the requested object's version, when the client
        asks whether its copy is current, so that a 304 needs no query for the row."""
        lookup = self.lookup_url_kwarg or self.lookup_field
        if (
            getattr(self, "model", None) is not None
            and lookup in self.kwargs
            and self.request.method in ("GET", "HEAD")
            and "HTTP_IF_NONE_MATCH" in self.request.META
        ):
            # Built before the request enters the event, and bound to it by OuterRef.
            with scopes_disabled():
                rows = self.model.objects.filter(event=OuterRef("pk"), pk=self.kwargs[lookup])
            return {"etag_object_version": Subquery(rows.values("version")[:1])}
        return {}

    def known_object_version(self):
        return getattr(self.event, "etag_object_version", None)


class EventResourcePermission(BasePermission):
    """The matrix's answer for a view under an event (``InEventMixin`` has entered it):
    the view names its ``resource`` (or ``None`` for the event itself); the operation is
    the view's ``operation`` or follows from the HTTP method. Anonymous: refused (401)."""

    message = "Your role in this event does not allow this."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        operation = getattr(view, "operation", None) or operation_for(request.method)
        return checks.may(request.user, view.event, getattr(view, "resource", None), operation)


class EventResourceViewSet(InEventMixin, ConditionalWritesMixin, viewsets.ModelViewSet):
    """Create, read, update and delete one kind of the event's objects, as the matrix allows."""

    model = None
    permission_classes = [EventResourcePermission]
    lookup_value_converter = "int"

    @property
    def resource(self):
        """The model's name in the permission matrix (for ``EventResourcePermission``)."""
        return self.model.resource_name

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.for_event(self.event)

    def list_version(self):
        # created_at: ids of events that never were (a rolled-back test's) may come again.
        return (self.event.pk, self.event.created_at, getattr(self.event, self.model.counter))

    def perform_create(self, serializer):
        serializer.save(event=self.event)

    def perform_destroy(self, instance):
        delete_resource(instance, actor=self.request.user)


def resource_schema(model):
    """Summaries of the CRUD operations on one kind of the event's objects, for the docs."""
    name, plural, counter = model._meta.verbose_name, model._meta.verbose_name_plural, model.counter
    return extend_schema_view(
        list=extend_schema(
            summary=f"List the event's {plural}",
            description=f"Paginated (`page`, `page_size` ≤ 500). The ETag changes with the event's `{counter}`.",
        ),
        create=extend_schema(summary=f"Create a {name}", description="Answers with its ETag."),
        retrieve=extend_schema(summary=f"Read a {name}", description="The ETag changes with its `version`."),
        update=extend_schema(summary=f"Replace a {name}", description="`If-Match` with a stale ETag answers 412."),
        partial_update=extend_schema(summary=f"Change a {name}", description="`If-Match`: as for PUT."),
        destroy=extend_schema(summary=f"Delete a {name}", description="`If-Match`: as for PUT."),
    )


@resource_schema(Track)
class TrackViewSet(EventResourceViewSet):
    model, serializer_class, public_serializer_class = Track, TrackSerializer, PublicTrackSerializer

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("sessions", queryset=Session.objects.only("id", "track", "title")))
        )

    def get_serializer_class(self):
        serializer_class = super().get_serializer_class()
        if serializer_class is TrackSerializer and not self.shows_sessions():
            return TrackWithoutSessionsSerializer
        return serializer_class

    def shows_sessions(self):
        """Its sessions (id, title) go with a track to whoever may read them: anyone, once
        the event is published (the public schedule lists them); in a draft, who may read
        sessions. (The serializer is part of the tags: the two never share one.)"""
        if getattr(self, "swagger_fake_view", False) or getattr(self, "event", None) is None:
            return True
        return self.event.is_published or self.request.event_permissions.allows(Session, "read")

    def list_version(self):
        # A track lists its sessions (id, title): a session renamed or moved to another
        # track changes it too.
        return (*super().list_version(), self.event.sessions_ver)

    def object_version(self, obj):
        return (obj.version, self.event.sessions_ver)

    def known_object_version(self):
        version = super().known_object_version()
        return None if version is None else (version, self.event.sessions_ver)


@resource_schema(Microlocation)
class MicrolocationViewSet(EventResourceViewSet):
    model, serializer_class = Microlocation, MicrolocationSerializer
    public_serializer_class = PublicMicrolocationSerializer


@resource_schema(Speaker)
class SpeakerViewSet(EventResourceViewSet):
    model, serializer_class, public_serializer_class = Speaker, SpeakerSerializer, PublicSpeakerSerializer


@resource_schema(Sponsor)
class SponsorViewSet(EventResourceViewSet):
    model, serializer_class, public_serializer_class = Sponsor, SponsorSerializer, PublicSponsorSerializer


class SessionFilters(serializers.Serializer):
    track = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    day = serializers.DateField(required=False, help_text="A day in the event's time zone (YYYY-MM-DD).")

    def validate_day(self, value):
        if not date(1, 1, 2) <= value <= date(9999, 12, 30):
            raise serializers.ValidationError("Choose a day between 0001-01-02 and 9999-12-30.")
        return value


@resource_schema(Session)
@extend_schema_view(list=extend_schema(parameters=[SessionFilters]))
class SessionViewSet(EventResourceViewSet):
    """Filterable by ``?track=<id>`` and ``?day=YYYY-MM-DD`` (a day in the event's time zone)."""

    model, serializer_class, public_serializer_class = Session, SessionSerializer, PublicSessionSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related(Prefetch("speakers", queryset=Speaker.objects.only("id")))

    def list(self, request, *args, **kwargs):
        filters = SessionFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        self.filters = filters.validated_data
        return super().list(request, *args, **kwargs)

    def list_version(self):
        # A day is a day in the event's time zone: the answer depends on it too.
        return (*super().list_version(), self.event.timezone)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        filters = getattr(self, "filters", {})
        if "track" in filters:
            queryset = queryset.filter(track_id=filters["track"])
        if "day" in filters:
            queryset = public.starting_on(queryset, filters["day"], self.event.tzinfo)
        return queryset


# --- events ---------------------------------------------------------------------------


class PublishedFilter(serializers.Serializer):
    published = serializers.BooleanField(
        required=False, default=False, help_text="true: the published events, for anyone (no log-in needed)."
    )


@extend_schema_view(
    list=extend_schema(
        summary="List events",
        description="Staff see every event; others the events they hold a role in. `?published=true`: the "
        "published events, for anyone (the public representation). Paginated.",
        parameters=[PublishedFilter],
    ),
    create=extend_schema(summary="Create an event", description="Any logged-in user; they become its Organizer."),
    retrieve=extend_schema(summary="Read an event"),
    update=extend_schema(summary="Replace an event's details"),
    partial_update=extend_schema(summary="Change an event's details"),
    destroy=extend_schema(summary="Delete an event", description="The Organizer's (and the super admin's)."),
)
class EventViewSet(InEventMixin, ConditionalWritesMixin, viewsets.ModelViewSet):
    """Events. Reading, changing and deleting one needs a role in it (docs/architecture.md, "Permissions");
    a published one anyone reads (the public representation), and ``?published=true``
    lists the published events for anyone."""

    serializer_class = EventSerializer
    public_serializer_class = PublicEventSerializer
    lookup_url_kwarg = "event_id"
    lookup_value_converter = "int"

    def get_permissions(self):
        if self.detail:
            return [EventResourcePermission()]
        if self.action == "list" and self.request.method in SAFE_METHODS:
            filters = PublishedFilter(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            if filters.validated_data["published"]:
                self.public = True
                return []
        return [IsAuthenticated()]

    def reads_all(self):
        return self.request.event_permissions.allows_event("read")

    def get_queryset(self):
        if self.public and not self.detail:
            return Event.objects.filter(state=Event.State.PUBLISHED)
        user = self.request.user
        if self.detail or getattr(self, "swagger_fake_view", False) or user.is_staff:
            return Event.objects.all()
        return events_of(user)

    def visibility(self):
        if self.public:
            return super().visibility()
        return "all" if self.request.user.is_staff else f"user:{self.request.user.pk}"

    def list_version(self):
        if self.public and self.published_generation is not None:
            return ("published", self.published_generation)
        # (The cache down: the public list's version is read like anyone's, below.)
        # No counter counts "the events a user sees": an aggregate over them does (one
        # query, however many there are). A role given or taken changes the count and
        # the id sums; an event changed, its event_ver and updated_at.
        return aggregate_version(
            self.get_queryset(),
            count=Count("id"),
            ids=Sum("id"),
            ids_squared=Sum(F("id") * F("id")),
            versions=Sum("event_ver"),
            last_change=Max("updated_at"),
        )

    def known_object_version(self):
        return self.event.event_ver

    def object_version(self, obj):
        return obj.event_ver

    def public_object_version(self):
        return ("public", self.event.created_at, self.event.event_ver)

    @cached_property
    def published_generation(self):
        """The token of the published events' list, read once per request: the tag and the
        front door's memo name the same one."""
        return counters.published_generation()

    def public_depends(self):
        if self.detail:
            return super().public_depends()
        return counters.depends(counters.PUBLISHED_KEY, self.published_generation)

    def get_object(self):
        if self.action == "retrieve" and not getattr(self.event, "from_counters", False):
            return self.event  # read with the permission check
        return super().get_object()

    def perform_destroy(self, instance):
        delete_event(instance, actor=self.request.user)


class VersionsPermission(BasePermission):
    """The counters of an event: for whoever may see it (``permissions.checks.can_view_event``,
    checked by ``InEventMixin`` on the way in: a draft is 404 to the others)."""

    def has_permission(self, request, view):
        return getattr(view, "event", None) is not None


@extend_schema_view(
    retrieve=extend_schema(
        summary="Read an event's version counters",
        description="For clients that sync by version: each counter grows with every change of its kind.",
    )
)
class EventVersionsViewSet(InEventMixin, ConditionalRequestMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """``/events/<event_id>/versions/``: the event's version counters."""

    serializer_class = public_serializer_class = VersionsSerializer
    permission_classes = [VersionsPermission]
    lookup_url_kwarg = "event_id"
    queryset = Event.objects.none()

    def reads_all(self):
        return False  # one representation: the public one (Cache-Control: public) when published

    def known_object_version(self):
        return self.object_version(self.event)

    def object_version(self, obj):
        return (obj.created_at, *(getattr(obj, counter) for counter in VERSION_COUNTERS))

    def public_object_version(self):
        return ("public", self.object_version(self.event))

    def get_object(self):
        return self.event
