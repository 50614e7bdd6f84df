"""Business rules for events. Views, the API, the admin and commands call these."""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_scopes import scope

from activity.services import Action, changes_between, log_action, removed_values, snapshot
from core.errors import Conflict
from events import image_files, images, speakers
from events.models import RESOURCE_MODELS, Event
from permissions.services import make_creator_organizer

EVENT_FIELDS = {
    "name",
    "slug",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "location",
    "currency",
    "state",
}


@transaction.atomic
def create_event(owner, *, actor=None, **fields):
    """Create an event (a draft unless ``state`` says otherwise) owned by ``owner``.

    Validates the fields with the model's rules (``ValidationError`` on bad input,
    nothing saved) and makes ``owner`` the event's Organizer, in one transaction.
    Logged (``activity``) as done by ``actor`` (default: ``owner``).
    """
    unknown = set(fields) - EVENT_FIELDS - {"background_image"}
    if unknown:
        raise TypeError(f"Unknown event fields: {', '.join(sorted(unknown))}")
    actor = owner if actor is None else actor
    event = Event(created_by=owner, **fields)
    event.full_clean(exclude=["slug"])
    _save_event(event)
    with scope(event=event):  # the new event's own rows, wherever it is created from
        log_action(actor, Action.CREATED, event, event=event, changes=changes_between(None, event))
        make_creator_organizer(event, owner, actor=actor)
    return event


@transaction.atomic
def update_event(event, *, actor=None, **fields):
    """Change an event's fields after validating them; bumps ``event_ver``. Logs what
    changed, as done by ``actor`` (a change of ``state`` as publishing or unpublishing)."""
    unknown = set(fields) - EVENT_FIELDS
    if unknown:
        raise TypeError(f"Unknown event fields: {', '.join(sorted(unknown))}")
    before = snapshot(event)
    for name, value in fields.items():
        setattr(event, name, value)
    event.full_clean()
    _save_event(event)
    changes = changes_between(before, event)
    if changes:
        action = Action.UPDATED
        if "state" in changes:
            action = Action.PUBLISHED if event.is_published else Action.UNPUBLISHED
        log_action(actor, action, event, event=event, changes=changes)
    return event


SLUG_TAKEN = "Another event took this address (slug) at the same time. Reload and try again."


def _save_event(event):
    """Save ``event`` (validated); ``Conflict`` if a concurrent writer took its slug since
    it was checked (the slug's uniqueness is the only constraint validation cannot settle)."""
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        if Event.objects.filter(slug=event.slug).exclude(pk=event.pk).exists():
            raise Conflict(SLUG_TAKEN) from None
        raise


def upcoming_events(limit=12, now=None):
    """The published events that have not ended yet (ending now counts), soonest first, at
    most ``limit``: the site's home lists them."""
    now = now or timezone.now()
    return Event.objects.filter(state=Event.State.PUBLISHED, ends_at__gte=now).order_by("starts_at", "pk")[:limit]


def events_of(user):
    """The events in which ``user`` holds any role, newest first."""
    return Event.objects.filter(roles__user=user).distinct()


@transaction.atomic
def delete_event(event, *, actor=None):
    """Delete ``event`` and everything it owns (services, tickets, roles, invitations).

    Checks nothing itself: who may delete an event is the caller's check
    (``permissions.checks.may(user, event, None, "delete")``, the Organizer's). Its image
    files (banner, photos, logos) are deleted once the transaction has committed
    (``events.image_files``, from the rows' ``post_delete``).
    """
    # The entry outlives the event (its ``event`` is set to null, its label kept).
    log_action(actor, Action.DELETED, event, event=event, changes=removed_values(event))
    event.delete()


def resource_counts(event):
    """``{resource name: number of the event's objects}`` for the five resources, in one query."""
    counts = {
        name: Coalesce(
            Subquery(
                model.objects.filter(event=OuterRef("pk"))
                .order_by()
                .values("event")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        )
        for name, model in RESOURCE_MODELS.items()
    }
    return Event.objects.filter(pk=event.pk).values(**counts).get()


@transaction.atomic
def save_resource(obj, *, actor=None, **many_to_many):
    """Save a track, session, speaker, sponsor or room of an event, with its
    many-to-many fields (``speakers=[...]``), in one transaction.

    Validates the object with the model's rules first (``ValidationError``, nothing
    saved): a session ends after it starts and within its event, and its track, room
    and speakers belong to the same event. Version counters follow the models' own
    bumps (events.models, events.signals). Logs the creation, or the fields that
    changed, as done by ``actor``.
    """
    obj.full_clean()
    for name, values in many_to_many.items():
        strays = [value for value in values if value.event_id != obj.event_id]
        if strays:
            raise ValidationError({name: "Choose only this event's."})
    adding = obj._state.adding
    stored = None if adding else type(obj)._default_manager.for_event(obj.event_id).filter(pk=obj.pk).first()
    before = snapshot(stored)
    old_related = {name: list(getattr(stored, name).all()) if stored else [] for name in many_to_many}
    schedule_before = speakers.schedule_of(obj)
    _save_named(obj)
    for name, values in many_to_many.items():
        getattr(obj, name).set(values)
    # A session moved (start, end or room): its speakers are told, once per save.
    speakers.tell_of_schedule_change(obj, schedule_before)
    changes = changes_between(
        before, obj, many_to_many={name: (old_related[name], values) for name, values in many_to_many.items()}
    )
    if adding or changes:
        log_action(actor, Action.CREATED if adding else Action.UPDATED, obj, changes=changes)
    return obj


def _save_named(obj):
    """Save ``obj`` (validated); ``Conflict`` if a concurrent writer gave the same name
    (ignoring case) to another of the event's tracks, rooms or sponsors since it was
    checked (``events.models.name_unique_in_event``)."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        try:
            obj.validate_constraints()
        except ValidationError as error:
            if "name" in error.message_dict:
                raise Conflict(error.message_dict["name"][0]) from None
        raise


@transaction.atomic
def delete_resource(obj, *, actor=None):
    """Delete a track, session, speaker, sponsor or room. Sessions that lose their track,
    room or a speaker keep existing without it (their versions are bumped by
    events.signals). Logged as done by ``actor``."""
    log_action(actor, Action.DELETED, obj, changes=removed_values(obj))
    obj.delete()


# --- the creation wizard: publishing, the background image -------------------------------


#: What apps above events check before an event may be published (tickets: at least one
#: ticket, each sold within the event), added in their ``AppConfig.ready`` with
#: ``add_publish_check``; events names none of their rules.
PUBLISH_CHECKS = []


def add_publish_check(check):
    """``check(event)``: the messages of what keeps ``event`` from being published (empty: ready),
    asked after events' own checks, in the order the checks were added."""
    if check not in PUBLISH_CHECKS:
        PUBLISH_CHECKS.append(check)


def publish_problems(event):
    """What keeps ``event`` from being published, as messages for its organizers (empty: ready).

    Complete means: a name, a start and an end that is still to come, and whatever the
    apps above events add (``add_publish_check``; tickets: at least one ticket, every
    ticket's sales window within the event).
    """
    problems = []
    if not event.name.strip():
        problems.append("Give the event a name.")
    if not event.starts_at or not event.ends_at:
        problems.append("Set when the event starts and ends.")
    elif event.ends_at <= timezone.now():
        problems.append("The event has already ended: set its dates in the future.")
    for check in PUBLISH_CHECKS:
        problems.extend(check(event))
    return problems


@transaction.atomic
def publish_event(event, *, actor=None):
    """Publish a draft: its public page and visible tickets become reachable by anyone.

    Checks ``publish_problems`` on the event as stored (row locked, so a concurrent
    change cannot slip in between): ``ValidationError`` with every problem, nothing
    changed. Bumps ``event_ver``. Publishing a published event changes nothing.
    """
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if locked.state != Event.State.PUBLISHED:
        problems = publish_problems(locked)
        if problems:
            raise ValidationError(problems, code="incomplete")
        before = snapshot(locked)
        locked.state = Event.State.PUBLISHED
        locked.save(update_fields=["state", "updated_at"])
        log_action(actor, Action.PUBLISHED, locked, event=locked, changes=changes_between(before, locked))
    event.refresh_from_db()
    return event


def set_background_image(event, data, *, actor=None):
    """Make ``data`` (the bytes of an uploaded file) the event's background image.

    Checks, before anything is stored (``events.images.process_image``): the size, that
    the bytes are a PNG, JPEG or WebP image, its width, height and pixel count, that it
    decodes completely. A refusal raises ``events.images.InvalidImage`` (or
    ``ImagesBusy`` when no decode slot frees up) and leaves the event and its current
    image as they were.

    Changes: stores the image re-encoded (upright, without metadata) in the default
    storage with an unguessable name, then points the event at it and bumps ``event_ver`` in
    one transaction. The previous file is deleted only once that transaction has
    committed; if it fails, the new file is deleted and the old image stays.
    """
    processed = images.process_image(data)
    field = Event._meta.get_field("background_image")
    name = field.storage.save(field.generate_filename(event, processed.storage_name()), ContentFile(processed.content))
    try:
        _point_at_image(event, name, actor)
    except BaseException:
        field.storage.delete(name)
        raise
    return event


def remove_background_image(event, *, actor=None):
    """Take the event's background image away; its file is deleted after the transaction
    commits. Bumps ``event_ver`` if there was an image. Returns whether there was one."""
    return bool(_point_at_image(event, "", actor))


@transaction.atomic
def _point_at_image(event, name, actor=None):
    """Set the event's image to the stored file ``name`` ("" for none); returns the old name.
    Logged as the banner set or removed (never the image nor its stored name)."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    old_name = locked.background_image.name
    if old_name != name:
        before = snapshot(locked)
        locked.background_image = name
        locked.save(update_fields=["background_image", "updated_at"])
        action = Action.BANNER_SET if name else Action.BANNER_REMOVED
        log_action(actor, action, locked, event=locked, changes=changes_between(before, locked))
        if old_name:
            image_files.delete_after_commit(Event, old_name)
    event.refresh_from_db(fields=["background_image", "updated_at", "event_ver"])
    return old_name
