"""``action`` was the link a notification led to; it becomes what the notification is for
(a label from ``Notification.Action``) and the link moves to ``link``.

The kind of an existing notification is read from where it leads: a role invitation's
answer page (``/events/invites/<link>/``) is an "Event-Role invite", the roles page an
"Invitation answered", anything else an "Announcement". An unread role invitation still
offers Accept and Decline (answering or withdrawing one marked it read); the Accept ·
Decline links its message carried are taken out of the message, since the notification
now offers them itself.
"""

import re

from django.db import migrations, models

ROLE_INVITE = re.compile(r"^/events/invites/[^/]+/$")
ROLES_PAGE = re.compile(r"^/events/\d+/dashboard/roles/$")
ANSWER_LINKS = re.compile(
    r'\s*<a [^>]*href="[^"]*#accept"[^>]*>Accept</a>\s*·\s*<a [^>]*href="[^"]*#decline"[^>]*>Decline</a>'
)


def kind_of(link):
    if ROLE_INVITE.match(link):
        return "Event-Role invite"
    if ROLES_PAGE.match(link):
        return "Invitation answered"
    return "Announcement"


def links_out_of_actions(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    batch = []
    for notification in Notification.objects.only("id", "action", "message", "has_read").iterator(chunk_size=2000):
        notification.link = notification.action
        notification.action = kind_of(notification.link)
        if notification.action == "Event-Role invite":
            notification.awaits_answer = not notification.has_read
            notification.message = ANSWER_LINKS.sub("", notification.message)
        batch.append(notification)
        if len(batch) >= 2000:
            Notification.objects.bulk_update(batch, ["link", "action", "awaits_answer", "message"])
            batch = []
    Notification.objects.bulk_update(batch, ["link", "action", "awaits_answer", "message"])


def links_back_into_actions(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.update(action=models.F("link"))


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="awaits_answer",
            field=models.BooleanField(
                default=False,
                help_text="An invitation still open: Accept and Decline are offered (posted to the link).",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="link",
            field=models.CharField(blank=True, help_text="A URL the notification leads to.", max_length=300),
        ),
        migrations.RunPython(links_out_of_actions, links_back_into_actions, elidable=False),
        migrations.AlterField(
            model_name="notification",
            name="action",
            field=models.CharField(
                choices=[
                    ("Event-Role invite", "Event-Role invite"),
                    ("Invitation answered", "Invitation answered"),
                    ("Session invite", "Session invite"),
                    ("Session schedule change", "Session schedule change"),
                    ("New order", "New order"),
                    ("Announcement", "Announcement"),
                ],
                help_text="What the notification is for.",
                max_length=40,
            ),
        ),
    ]
