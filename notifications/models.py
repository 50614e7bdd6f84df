import humanize
from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """Something a user is told. Create them only with ``notifications.services.notify``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    action = models.CharField(max_length=300, blank=True, help_text="A URL the notification leads to.")
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
    def received_ago(self):
        """When it arrived, for people: "3 minutes ago"."""
        return humanize.naturaltime(timezone.now() - self.received_at)
