import humanize
from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """Something a user is told. Create them only with ``notifications.services.notify``.

    ``action`` says what it is for (a label from ``Action``, shown as a badge and in the
    admin); ``link`` is where it leads. An invitation's notification (``awaits_answer``)
    offers Accept and Decline, posted to its link, until the invitation is answered,
    withdrawn or deleted (``services.invitation_closed``) or its ``answer_by`` passes
    (``is_open``). ``version`` counts the row's changes (its ETag, with ``is_open``).
    """

    class Action(models.TextChoices):
        """What notifications are for. Adding a kind: a line here (the label is stored)
        and a migration (the choices are part of the field)."""

        EVENT_ROLE_INVITE = "Event-Role invite", "Event-Role invite"
        INVITATION_ANSWERED = "Invitation answered", "Invitation answered"
        SESSION_INVITE = "Session invite", "Session invite"
        SESSION_SCHEDULE_CHANGE = "Session schedule change", "Session schedule change"
        NEW_ORDER = "New order", "New order"
        ANNOUNCEMENT = "Announcement", "Announcement"

    #: A link may carry an invitation's signed token: no admin lookup reaches it (core.secrets).
    secret_fields = ("link",)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    action = models.CharField(max_length=40, choices=Action.choices, help_text="What the notification is for.")
    link = models.CharField(max_length=300, blank=True, help_text="A URL the notification leads to.")
    awaits_answer = models.BooleanField(
        default=False, help_text="An invitation still open: Accept and Decline are offered (posted to the link)."
    )
    answer_by = models.DateTimeField(
        null=True, blank=True, help_text="When the invitation expires: no answer is offered from then on."
    )
    version = models.PositiveIntegerField(default=1, editable=False, help_text="Counts the row's changes (ETags).")
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True, help_text="Sanitized HTML.")
    received_at = models.DateTimeField(default=timezone.now, db_index=False)
    has_read = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["user", "has_read", "-received_at"], name="notif_user_unread_newest"),
        ]

    def __str__(self):
        return f"{self.title} → {self.user}"

    @property
    def is_open(self):
        """Does it offer Accept and Decline now? An invitation not closed and not expired."""
        return self.awaits_answer and (self.answer_by is None or timezone.now() < self.answer_by)

    @property
    def received_ago(self):
        """When it arrived, for people: "3 minutes ago"."""
        return humanize.naturaltime(timezone.now() - self.received_at)
