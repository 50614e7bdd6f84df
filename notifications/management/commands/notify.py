from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.safestring import mark_safe

from accounts.models import User
from notifications.models import Notification
from notifications.services import notify, unread_count


class Command(BaseCommand):
    help = "Send one notification to a user (saved, then pushed to their open pages)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="e-mail address of the user to notify")
        parser.add_argument("--title", required=True, help="plain text")
        parser.add_argument("--message", default="", help="HTML (your own markup), sanitized")
        parser.add_argument(
            "--action",
            default=Notification.Action.ANNOUNCEMENT,
            choices=Notification.Action.values,
            help=f"what the notification is for (default: {Notification.Action.ANNOUNCEMENT})",
        )
        parser.add_argument("--link", default="", help="where the notification leads: /path or http(s) URL")

    def handle(self, *args, email, title, message, action, link, **options):
        try:
            user = User.objects.get_by_natural_key(email)  # the address itself, in any case
        except User.DoesNotExist:
            raise CommandError(f"No user with the e-mail address {email!r}.") from None
        if not title.strip():
            raise CommandError("The title must not be empty.")
        try:
            # The operator's own markup (sanitized by notify()); people's data is text.
            notification = notify(user, action, title, mark_safe(message), link=link)  # noqa: S308
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Notification {notification.pk} sent to {user.email}."))
        self.stdout.write(self.what_pages_show(user))

    def what_pages_show(self, user):
        """What the running server's open pages of ``user`` will show, and when."""
        count = unread_count(user)
        badge = f"Their bell shows {count} unread"
        backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
        if backend.endswith("InMemoryChannelLayer"):
            # This command's process has a channel layer of its own: the push reaches no server.
            return (
                f"{badge} on their next page, and on pages already open within 30 seconds "
                "(or as soon as the tab is shown again): without REDIS_URL the server's channel "
                "layer lives in its own process, so open pages ask for the count rather than hear of it."
            )
        return f"{badge}: pushed at once to every open page (channel layer {backend.rsplit('.', 1)[-1]})."
