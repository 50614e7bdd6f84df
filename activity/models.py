"""One entry of the activity log per change made through the services."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager


class ActivityEntry(models.Model):
    """Who (``actor``, and their name as it was: ``actor_label``), when, in which event,
    to which object, what (``action``) and the changed fields (``changes``:
    ``{field: [old, new]}``). Written only by ``activity.services.log_action``.

    ``event`` is ``SET_NULL``: deleting an event keeps its entries (the deletion's own
    entry among them) for the super admin, under ``event_label``; the event's page and API
    go with it. Matrix edits and changes to accounts (signing up, confirming an address,
    passwords, API tokens, the admin's edits) belong to no event (``event`` is ``None``):
    only the super admin reads those, in the admin.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"
        BANNER_SET = "banner_set", "Banner set"
        BANNER_REMOVED = "banner_removed", "Banner removed"
        ROLE_GRANTED = "role_granted", "Role granted"
        ROLE_REMOVED = "role_removed", "Role removed"
        INVITED = "invited", "Invited"
        INVITATION_REVOKED = "invitation_revoked", "Invitation revoked"
        INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
        INVITATION_DECLINED = "invitation_declined", "Invitation declined"
        MATRIX_CHANGED = "matrix_changed", "Permission matrix changed"
        # An account's own (no event; accounts.services.account_changed, activity.apps).
        SIGNED_UP = "signed_up", "Signed up"
        EMAIL_CONFIRMED = "email_confirmed", "E-mail address confirmed"
        EMAIL_CHANGED = "email_changed", "E-mail address changed"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET = "password_reset", "Password reset"
        TOKEN_ISSUED = "token_issued", "API token issued"
        TOKEN_REVOKED = "token_revoked", "API token revoked"

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField("who", max_length=300, blank=True)
    event = models.ForeignKey(
        settings.EVENTDESK_EVENT_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity",
        db_index=False,
    )
    event_label = models.CharField("event", max_length=200, blank=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    object_id = models.BigIntegerField(null=True, blank=True)
    object_repr = models.CharField("object", max_length=300, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    changes = models.JSONField(default=dict, blank=True)

    # django-scopes: in a request, its event's entries only; the log of every event (the
    # super admin's) is read with scopes disabled.
    objects = ScopedManager(event="event")

    class Meta:
        ordering = ["-id"]
        verbose_name = "activity entry"
        verbose_name_plural = "activity log"
        indexes = [
            # An event's page and API: newest first, filtered by kind or person, and the
            # API's version (max id, count) from the index alone.
            models.Index(fields=["event", "id"], name="activity_event_id"),
        ]

    def __str__(self):
        return f"{self.actor_label or 'System'} {self.get_action_display().lower()} {self.object_repr}".strip()

    @property
    def object_type(self):
        """The object's kind for people ("track", "ticket", ...), or ""."""
        model = self.content_type.model_class() if self.content_type_id else None
        return str(model._meta.verbose_name) if model is not None else ""
