"""Invitations notified before notifications kept their expiry: they expire as their
invitations do, that many days after they were sent (the invitation and its
notification are created in one transaction)."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.db.models import F

#: Days an invitation is valid, as they were when these rows were written.
VALID_DAYS = {"Event-Role invite": getattr(settings, "EVENTDESK_INVITE_DAYS", 7), "Session invite": 14}


def set_answer_by(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    for action, days in VALID_DAYS.items():
        Notification.objects.filter(action=action, awaits_answer=True, answer_by__isnull=True).update(
            answer_by=F("received_at") + timedelta(days=days), version=F("version") + 1
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_notification_version_and_answer_by")]

    operations = [migrations.RunPython(set_answer_by, migrations.RunPython.noop, elidable=True)]
