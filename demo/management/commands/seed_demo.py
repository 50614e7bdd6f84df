"""Idempotent demo data: a super admin, an organizer and a published demo event with a
whole programme (demo.programme)."""

import os
import secrets

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import User
from demo import programme
from events.models import Event
from events.services import create_event

SUPER_ADMIN_EMAIL = "admin@eventdesk.localhost"
ORGANIZER_EMAIL = "organizer@eventdesk.localhost"
DEMO_SLUG = "eventdesk-demo-conference"


class Command(BaseCommand):
    help = (
        "Create demo data if missing: a super admin, an organizer and a published event "
        "with its programme, speakers, sponsors, tickets and a few orders. "
        "Passwords are random unless DEMO_PASSWORD is set; they are printed."
    )

    def handle(self, *args, **options):
        with scopes_disabled(), transaction.atomic():  # an operator's command, across events
            self._seed()

    def _seed(self):
        password = os.environ.get("DEMO_PASSWORD") or None
        admin, admin_pw = self._user(SUPER_ADMIN_EMAIL, "Demo Super Admin", password, is_super_admin=True)
        organizer, organizer_pw = self._user(ORGANIZER_EMAIL, "Demo Organizer", password)
        event = Event.objects.filter(slug=DEMO_SLUG).first()
        if event is None:
            first_day = programme.demo_dates()
            event = create_event(
                organizer,
                name="Eventdesk Demo Conference",
                slug=DEMO_SLUG,
                description=(
                    "Two days of talks and workshops about building and running software: "
                    "web, data, operations and community, in three rooms in Berlin."
                ),
                starts_at=programme.at(first_day, 0, "09:00"),
                ends_at=programme.at(first_day, 1, "17:00"),
                timezone="Europe/Berlin",
                location="Berlin",
                currency="EUR",
            )
            self.stdout.write("Created the demo event.")
        if not event.sessions.exists():  # new, or left empty by an older seed_demo
            if event.state == Event.State.PUBLISHED:
                Event.objects.filter(pk=event.pk).update_and_bump(state=Event.State.DRAFT)
                event.refresh_from_db()
            first_day = event.starts_at.astimezone(programme.ZONE).date() if event.starts_at else None
            counts = programme.fill(event, organizer, first_day=first_day or programme.demo_dates())
            self.stdout.write("Filled it: " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
        for label, user, pw in (("Super admin", admin, admin_pw), ("Organizer", organizer, organizer_pw)):
            shown = pw if pw else "(unchanged: already existed; set DEMO_PASSWORD to reset it)"
            self.stdout.write(f"{label}: {user.email} / {shown}")

    def _user(self, email, name, password, **flags):
        """Create the user, or reset its password when DEMO_PASSWORD is given."""
        user = User.objects.filter(email=email).first()
        if user is None:
            password = password or secrets.token_urlsafe(12)
            # Made by the operator for known addresses: confirmed (accounts.services).
            user = User.objects.create_user(
                email, password, full_name=name, email_confirmed_at=timezone.now(), **flags
            )
            return user, password
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
            return user, password
        return user, None
