"""Idempotent demo data: a super admin, an organizer and a published demo event."""

import os
import secrets
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from events.models import Event
from events.services import create_event

SUPER_ADMIN_EMAIL = "admin@eventdesk.localhost"
ORGANIZER_EMAIL = "organizer@eventdesk.localhost"
DEMO_SLUG = "eventdesk-demo-conference"


class Command(BaseCommand):
    help = (
        "Create demo data if missing: a super admin, an organizer and a published event. "
        "Passwords are random unless DEMO_PASSWORD is set; they are printed."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or None
        admin, admin_pw = self._user(SUPER_ADMIN_EMAIL, "Demo Super Admin", password, is_super_admin=True)
        organizer, organizer_pw = self._user(ORGANIZER_EMAIL, "Demo Organizer", password)
        if not Event.objects.filter(slug=DEMO_SLUG).exists():
            starts = (timezone.now() + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
            create_event(
                organizer,
                name="Eventdesk Demo Conference",
                slug=DEMO_SLUG,
                description="A two-day conference to try Eventdesk with.",
                starts_at=starts,
                ends_at=starts + timedelta(days=1, hours=8),
                timezone="Europe/Berlin",
                location="Berlin",
                currency="EUR",
                state=Event.State.PUBLISHED,
            )
            self.stdout.write("Created the demo event.")
        for label, user, pw in (("Super admin", admin, admin_pw), ("Organizer", organizer, organizer_pw)):
            shown = pw if pw else "(unchanged: already existed; set DEMO_PASSWORD to reset it)"
            self.stdout.write(f"{label}: {user.email} / {shown}")

    def _user(self, email, name, password, **flags):
        """Create the user, or reset its password when DEMO_PASSWORD is given."""
        user = User.objects.filter(email=email).first()
        if user is None:
            password = password or secrets.token_urlsafe(12)
            user = User.objects.create_user(email, password, full_name=name, **flags)
            return user, password
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
            return user, password
        return user, None
