"""Version bumps for the changes that never pass through ``EventOwned.save``, and stored
images that follow their rows.

Deleting sends ``pre_delete``/``post_delete`` for every object, whether one is deleted,
a queryset, the admin's bulk action or a cascade; a change of ``Session.speakers`` sends
``m2m_changed``. Each handler bumps what the change made different, in the transaction
of the change (Django sends all of these inside it), so that ETags never outlive the
data they describe (docs/architecture.md, "Conditional requests").

An image file (a speaker's photo, a sponsor's logo, an event's banner) is deleted once
the transaction that replaced it or deleted its row has committed, unless another row
still points at it (the banner's replacement: ``events.services.set_background_image``).
"""

from django.db.models import signals

from events import counters, image_files
from events.image_files import IMAGE_FIELDS
from events.models import Event, EventOwned, Microlocation, Session, SessionInvite, Speaker, Track, bump_counter
from events.speakers import invite_path as speaker_invite_path
from notifications.services import invitation_closed


def _whole_event_goes(origin):
    """Deleting an event deletes all it owns: no counter of it is worth bumping."""
    return isinstance(origin, Event) or getattr(origin, "model", None) is Event


def bump_after_delete(sender, instance, origin=None, **kwargs):
    if not _whole_event_goes(origin):
        bump_counter(sender.counter, [instance.event_id])


def forget_deleted_event(sender, instance, **kwargs):
    """A deleted event's cached counters go with it (its public answers are 404 at once)."""
    counters.forget([instance.pk])


def forget_created_event(sender, instance, created, **kwargs):
    """A new event: nothing cached under its id (say, from before a rolled-back test) counts."""
    if created:
        counters.forget([instance.pk])


def bump_sessions_before_delete(sender, instance, origin=None, **kwargs):
    """A deleted track or room leaves its sessions without it (SET_NULL); a deleted speaker
    leaves their sessions' speaker lists. Those sessions change, so their versions move."""
    if _whole_event_goes(origin):
        return
    lookup = {Track: "track", Microlocation: "microlocation", Speaker: "speakers"}[sender]
    Session.objects.for_event(instance.event_id).filter(**{lookup: instance}).bump()


def bump_sessions_on_speakers_change(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if action != "pre_clear" and not pk_set:
        return
    if not reverse:  # session.speakers.add/remove/clear/set
        Session.objects.for_event(instance.event_id).filter(pk=instance.pk).bump()
        # The caller's instance reflects the new version (its next ETag comes from it).
        instance.refresh_from_db(fields=["version"])
    elif action == "pre_clear":  # speaker.sessions.clear()
        Session.objects.for_event(instance.event_id).filter(speakers=instance).bump()
    else:  # speaker.sessions.add/remove
        Session.objects.for_event(instance.event_id).filter(pk__in=pk_set).bump()


def close_deleted_invitation(sender, instance, **kwargs):
    """An invitation to speak deleted while pending (its session or event deleted) is
    closed: its notifications stop offering Accept and Decline, their ETags move."""
    if instance.status == SessionInvite.Status.PENDING:
        invitation_closed(speaker_invite_path(instance))


def _image_name(instance):
    value = instance.__dict__.get(IMAGE_FIELDS[type(instance)])  # absent when deferred
    return getattr(value, "name", value) or ""


def note_stored_image(sender, instance, **kwargs):
    """The image file the row pointed at when read (post_init), to tell a replacement."""
    instance._stored_image = _image_name(instance) if instance.pk else ""


def drop_replaced_image(sender, instance, **kwargs):
    old, new = getattr(instance, "_stored_image", ""), _image_name(instance)
    if old and old != new:
        image_files.delete_after_commit(sender, old)
    instance._stored_image = new


def drop_deleted_image(sender, instance, **kwargs):
    if name := _image_name(instance):
        image_files.delete_after_commit(sender, name)


def connect(models):
    """Connect the handlers (called from ``EventsConfig.ready`` with every installed model).

    Senders are named one by one: a receiver for any sender would keep Django from
    deleting other models' rows the fast way.
    """
    signals.post_delete.connect(forget_deleted_event, sender=Event, dispatch_uid="forget-deleted-event")
    signals.post_save.connect(forget_created_event, sender=Event, dispatch_uid="forget-created-event")
    for model in models:
        if issubclass(model, EventOwned):
            signals.post_delete.connect(bump_after_delete, sender=model, dispatch_uid=f"bump-{model._meta.label}")
    for model in (Track, Microlocation, Speaker):
        signals.pre_delete.connect(
            bump_sessions_before_delete, sender=model, dispatch_uid=f"bump-sessions-{model._meta.label}"
        )
    signals.m2m_changed.connect(
        bump_sessions_on_speakers_change, sender=Session.speakers.through, dispatch_uid="bump-session-speakers"
    )
    signals.post_delete.connect(
        close_deleted_invitation, sender=SessionInvite, dispatch_uid="close-deleted-session-invite"
    )
    for model in IMAGE_FIELDS:
        label = model._meta.label
        signals.post_delete.connect(drop_deleted_image, sender=model, dispatch_uid=f"drop-deleted-image-{label}")
        if model is not Event:  # the banner's replacement is set_background_image's
            signals.post_init.connect(note_stored_image, sender=model, dispatch_uid=f"note-image-{label}")
            signals.post_save.connect(drop_replaced_image, sender=model, dispatch_uid=f"drop-replaced-image-{label}")
