from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from notifications.services import notify


class Command(BaseCommand):
    help = "Send one notification to a user (saved, then pushed to their open pages)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="e-mail address of the user to notify")
        parser.add_argument("--title", required=True, help="plain text")
        parser.add_argument("--message", default="", help="HTML; sanitized before it is stored")
        parser.add_argument("--action", default="", help="link the notification leads to: /path or http(s) URL")

    def handle(self, *args, email, title, message, action, **options):
        try:
            user = User.objects.get(email__iexact=email.strip())
        except User.DoesNotExist:
            raise CommandError(f"No user with the e-mail address {email!r}.") from None
        if not title.strip():
            raise CommandError("The title must not be empty.")
        try:
            notification = notify(user, action, title, message)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Notification {notification.pk} sent to {user.email}."))
