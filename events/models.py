import secrets
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator, URLValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone as django_timezone
from django.utils.text import slugify
from django_scopes import ScopedManager

from core.timezones import canonical_zones
from core.validators import MAX_TEXT_LENGTH, validate_datetime_range, validate_email_characters, validate_single_line
from events import counters as cached_counters
from events.currencies import validate_currency
from permissions import resources


def timezone_choices():
    # Computed at run time (not a model field's choices): the tz database differs
    # between machines, and a migration must not depend on it. Canonical names only
    # (no deprecated links such as America/Atka); stored values are still any valid zone.
    return [(tz, tz) for tz in canonical_zones()]


def validate_timezone(value):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Unknown time zone: %(value)s", params={"value": value}) from None


# The version counters every event carries (docs/architecture.md, "Conditional requests"),
# named once in events.counters, which keeps them in the cache.
VERSION_COUNTERS = cached_counters.VERSION_COUNTERS


class EventQuerySet(models.QuerySet):
    def of_ids(self, event_ids):
        """These events (ids), known without a query when they are updated."""
        event_ids = list(event_ids)
        events = self.filter(pk__in=event_ids)
        events._known_ids = event_ids
        return events

    def update(self, **kwargs):
        """Django's ``update``; what the cache keeps of these events (``events.counters``:
        their counters, state, slug, ...) is forgotten. It bumps nothing: see
        ``update_and_bump`` and ``bump``."""
        event_ids = getattr(self, "_known_ids", None)
        if event_ids is None:
            event_ids = list(self.order_by().values_list("pk", flat=True))
        rows = super().update(**kwargs)
        cached_counters.forget(event_ids)
        return rows

    def update_and_bump(self, **fields):
        """A bulk change of events' own fields, with their ``event_ver`` bumped (as ``Event.save``)."""
        return self.update(event_ver=F("event_ver") + 1, **fields)

    def bump(self, *counters):
        """Add one to the named version counters of these events."""
        return self.update(**{counter: F(counter) + 1 for counter in counters})


class Event(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    resource_name = resources.EVENT  # the event itself, in the permission matrix

    name = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True, max_length=MAX_TEXT_LENGTH)
    starts_at = models.DateTimeField(null=True, blank=True, validators=[validate_datetime_range])
    ends_at = models.DateTimeField(null=True, blank=True, validators=[validate_datetime_range])
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    location = models.CharField(max_length=300, blank=True, validators=[validate_single_line])
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    background_image = models.ImageField(upload_to="events/backgrounds/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Version counters, bumped in the same transaction as the change they count.
    event_ver = models.PositiveBigIntegerField(default=1, editable=False)
    tracks_ver = models.PositiveBigIntegerField(default=1, editable=False)
    sessions_ver = models.PositiveBigIntegerField(default=1, editable=False)
    speakers_ver = models.PositiveBigIntegerField(default=1, editable=False)
    sponsors_ver = models.PositiveBigIntegerField(default=1, editable=False)
    microlocations_ver = models.PositiveBigIntegerField(default=1, editable=False)
    tickets_ver = models.PositiveBigIntegerField(default=1, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="event_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.name)
        adding = self._state.adding
        if not adding and kwargs.get("update_fields") is None:
            # Counters change only through bump(): a stale instance must never write
            # back an old counter value (that could repeat an ETag).
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in VERSION_COUNTERS
            ]
        with transaction.atomic():
            super().save(*args, **kwargs)
            if not adding:
                self.bump("event_ver")

    def get_absolute_url(self):
        return reverse("event_public", kwargs={"slug": self.slug})

    @property
    def is_published(self):
        return self.state == self.State.PUBLISHED

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.timezone)

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The event must end after it starts."})

    def bump(self, *counters):
        """Add one to the named version counters, in the database and on this instance."""
        Event.objects.of_ids([self.pk]).bump(*counters)
        self.refresh_from_db(fields=counters)


def unique_slug(name):
    base = slugify(name)[:200] or "event"
    slug, n = base, 1
    while Event.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class EventOwnedQuerySet(models.QuerySet):
    """Rows of an event's resources. The default manager is scoped
    (``scoped_manager``): in a request, to the event it entered.

    ``update`` is Django's: it bumps nothing. A change people or ETags must see goes
    through ``Model.save`` (which bumps), or ``update_and_bump``, or ``bulk_update``
    followed by ``bump``."""

    def for_event(self, event):
        return self.filter(event=event)

    def update_and_bump(self, **fields):
        """``update(**fields)``, with each row's ``version`` and its events' counter bumped,
        in one transaction. Returns the number of rows."""
        with transaction.atomic(using=self.db, savepoint=False):
            event_ids = list(self.order_by().values_list("event_id", flat=True).distinct())
            rows = self.update(version=F("version") + 1, **fields)
            if rows:
                bump_counter(self.model.counter, event_ids)
        return rows

    def bump(self):
        """Mark these rows changed (something they show changed elsewhere, or after a
        ``bulk_update``): their ``version`` and their events' counter."""
        return self.update_and_bump()

    def bulk_create(self, objs, *args, **kwargs):
        """Create many at once; their events' counter is bumped in the same transaction."""
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            bump_counter(self.model.counter, {obj.event_id for obj in created})
        return created


def scoped_manager(queryset_class, **dimensions):
    """A ``ScopedManager`` (django-scopes) of ``queryset_class``. The queryset's own methods
    (``for_event``, ``bulk_create``, ...) run on the manager's ``all()``: outside a scope
    they raise ``ScopeError`` as Django's do (not an ``AttributeError``, nor Django's
    plain ``bulk_create``, which would bump nothing)."""
    own = {
        name
        for klass in queryset_class.__mro__[: queryset_class.__mro__.index(models.QuerySet)]
        for name, value in vars(klass).items()
        if callable(value) and not name.startswith("_")
    }

    def proxy(name):
        def method(self, *args, **kwargs):
            return getattr(self.all(), name)(*args, **kwargs)

        method.__name__ = name
        return method

    base = models.Manager.from_queryset(queryset_class)
    manager_class = type(f"{queryset_class.__name__}Manager", (base,), {name: proxy(name) for name in own})
    return ScopedManager(_manager_class=manager_class, **dimensions)


def bump_counter(counter, event_ids):
    """Add one to ``counter`` of the given events (ids)."""
    event_ids = list(event_ids)
    if event_ids:
        Event.objects.of_ids(event_ids).bump(counter)


#: The code of a name taken in the event (ignoring case), see ``name_unique_in_event``.
NAME_TAKEN = "name_taken"


def name_unique_in_event(model_name, noun):
    """Names unique within the event ignoring case (the rule of tickets, too): the
    database's constraint, whose violation model validation reports on the name field
    (``EventOwned.validate_constraints``), for pages, the API and the admin alike."""
    return models.UniqueConstraint(
        Lower("name"),
        "event",
        name=f"{model_name}_name_unique_per_event_ci",
        violation_error_code=NAME_TAKEN,
        violation_error_message=f"This event already has {noun} with this name (names ignore case).",
    )


class EventOwned(models.Model):
    """Something that belongs to one event and is counted by one of its version counters.

    Saving or deleting it bumps its own ``version`` and the event's counter in one
    transaction, whoever does it (pages, API, admin, commands).
    """

    counter = None  # name of the Event version counter, set by each subclass
    resource_name = None  # name in the permission matrix (permissions.resources), for the event's resources

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="%(class)ss")
    version = models.PositiveBigIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(EventOwnedQuerySet, event="event")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic():
            adding, version = self._state.adding, self.version
            if not adding:
                # Incremented in the database, not from this instance's value: two
                # writers holding the same stale instance must never both store
                # version n+1 with different contents (that would repeat an ETag).
                self.version = F("version") + 1
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "version", "updated_at"}
            try:
                super().save(*args, **kwargs)
            except BaseException:
                self.version = version
                raise
            if not adding:
                self.refresh_from_db(fields=["version"])
            bump_counter(self.counter, [self.event_id])

    # Deleting (one object, a queryset, the admin's bulk action, a cascade) bumps the
    # counter in signal handlers (events.signals), which every kind of delete sends.

    def validate_constraints(self, exclude=None):
        """As Django's, but a name taken in the event is the name's error, not the form's.

        (Django's lookups of the constraints use the scoped manager: they run in the
        request's event, or where the caller disabled scopes.)"""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = {}
            for field, messages in error.update_error_dict({}).items():
                for message in messages:
                    taken = getattr(message, "code", None) == NAME_TAKEN
                    errors.setdefault("name" if taken else field, []).append(message)
            raise ValidationError(errors) from None


class Track(EventOwned):
    counter = "tracks_ver"
    resource_name = "track"

    name = models.CharField(max_length=150, validators=[validate_single_line])
    color = models.CharField(
        "colour",  # one spelling wherever a person reads it; the field and API name stay `color`
        max_length=7,
        default="#3366cc",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #rrggbb.")],
    )
    description = models.TextField(blank=True, max_length=MAX_TEXT_LENGTH)
    # The original system's track fields, under its names (the API's too): the address of
    # the track's image (on the web, http or https; nothing is fetched or uploaded) and
    # where in the venue the track takes place.
    track_image_url = models.URLField(
        "image URL",
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"], message="Enter a web address (http or https).")],
    )
    location = models.CharField(max_length=300, blank=True, validators=[validate_single_line])

    class Meta:
        ordering = ["name", "id"]
        constraints = [name_unique_in_event("track", "a track")]

    def __str__(self):
        return self.name


class Microlocation(EventOwned):
    counter = "microlocations_ver"
    resource_name = "microlocation"

    name = models.CharField(max_length=150, validators=[validate_single_line])
    floor = models.IntegerField(null=True, blank=True)
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    class Meta:
        # People read "rooms"; code, URLs and the API keep "microlocation(s)".
        verbose_name = "room"
        verbose_name_plural = "rooms"
        ordering = ["name", "id"]
        constraints = [name_unique_in_event("microlocation", "a room")]

    def __str__(self):
        return self.name


class Speaker(EventOwned):
    counter = "speakers_ver"
    resource_name = "speaker"

    name = models.CharField(max_length=150, validators=[validate_single_line])
    email = models.EmailField(blank=True, validators=[validate_email_characters])
    bio = models.TextField(blank=True, max_length=MAX_TEXT_LENGTH)
    organisation = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    photo = models.ImageField(upload_to="events/speakers/", blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="speaker_profiles",
        help_text="The speaker's account here, if they have one (set when they accept a session invite).",
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Sponsor(EventOwned):
    counter = "sponsors_ver"
    resource_name = "sponsor"

    name = models.CharField(max_length=150, validators=[validate_single_line])
    url = models.URLField(blank=True)
    level = models.CharField(max_length=50, blank=True, validators=[validate_single_line])
    logo = models.ImageField(upload_to="events/sponsors/", blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [name_unique_in_event("sponsor", "a sponsor")]

    def __str__(self):
        return self.name


class Session(EventOwned):
    counter = "sessions_ver"
    resource_name = "session"

    title = models.CharField(max_length=200, validators=[validate_single_line])
    abstract = models.TextField(blank=True, max_length=MAX_TEXT_LENGTH)
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions")
    microlocation = models.ForeignKey(
        Microlocation, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    speakers = models.ManyToManyField(Speaker, blank=True, related_name="sessions")
    starts_at = models.DateTimeField(validators=[validate_datetime_range])
    ends_at = models.DateTimeField(validators=[validate_datetime_range])

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                errors["ends_at"] = "The session must end after it starts."
            event = self.event if self.event_id else None
            if event and event.starts_at and self.starts_at < event.starts_at:
                errors["starts_at"] = "The session must start within the event."
            if event and event.ends_at and self.ends_at > event.ends_at:
                errors["ends_at"] = "The session must end within the event."
        for field in ("track", "microlocation"):
            obj = getattr(self, field)
            if obj is not None and self.event_id and obj.event_id != self.event_id:
                errors[field] = "Choose one of this event's."
        if errors:
            raise ValidationError(errors)


def _session_invite_token():
    return secrets.token_urlsafe(32)


def _session_invite_expiry():
    return django_timezone.now() + timedelta(days=SessionInvite.VALID_DAYS)


class SessionInvite(models.Model):
    """An invitation of an e-mail address to speak at a session (``events.speakers``).

    Answered through a signed link; accepting makes the person one of the session's
    speakers (an existing speaker of the event with that address, or a new one), linked
    to their account if they have one."""

    VALID_DAYS = 14

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField(validators=[validate_email_characters])
    name = models.CharField(
        max_length=150,
        blank=True,
        validators=[validate_single_line],
        help_text="The speaker's name, if the organizer knows it.",
    )
    token = models.CharField(max_length=64, unique=True, default=_session_invite_token, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    speaker = models.ForeignKey(
        Speaker, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Who accepted."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_session_invite_expiry)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(event="session__event")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "email"],
                condition=Q(status="pending"),
                name="sessioninvite_one_pending_per_address",
            )
        ]

    def __str__(self):
        return f"{self.email} invited to speak at {self.session}"

    @property
    def is_expired(self):
        return django_timezone.now() >= self.expires_at


#: The event's resources with the dashboard's generic pages and API viewsets, by name, in
#: the matrix's order; events registers them, then the event itself, as rows of the
#: permission matrix (events.apps). The matrix's other resources (the event, tickets) have
#: pages of their own.
RESOURCE_MODELS = {model.resource_name: model for model in (Track, Session, Speaker, Sponsor, Microlocation)}
DASHBOARD_RESOURCES = tuple(RESOURCE_MODELS)
