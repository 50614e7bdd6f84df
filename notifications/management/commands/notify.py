from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from notifications.models import Notification
from notifications.services import notify


class Command(BaseCommand):
    help = "Send one notification to a user (saved, then pushed to their open pages)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="e-mail address of the user to notify")
        parser.add_argument("--title", required=True, help="plain text")
        parser.add_argument("--message", default="", help="HTML; sanitized before it is stored")
        parser.add_argument(
            "--action",
            default=Notification.Action.ANNOUNCEMENT,
            choices=Notification.Action.values,
            help=f"what the notification is for (default: {Notification.Action.ANNOUNCEMENT})",
        )
        parser.add_argument("--link", default="", help="where the notification leads: /path or http(s) URL")

    def handle(self, *args, email, title, message, action, link, **options):
        try:
            user = User.objects.get(email__iexact=email.strip())
        except User.DoesNotExist:
            raise CommandError(f"No user with the e-mail address {email!r}.") from None
        if not title.strip():
            raise CommandError("The title must not be empty.")
        try:
            notification = notify(user, action, title, message, link=link)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Notification {notification.pk} sent to {user.email}."))
