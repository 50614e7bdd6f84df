"""Create a super admin: interactively, or with --email and DJANGO_SUPERUSER_PASSWORD."""

import os

from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from accounts import services
from accounts.models import User


class Command(createsuperuser.Command):
    help = (
        "Create a super admin (may do everything, including editing the permission matrix). "
        "Interactive, or non-interactive with --email and the password in DJANGO_SUPERUSER_PASSWORD."
    )

    def handle(self, *args, **options):
        email = options.get("email")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if email and password:
            options["interactive"] = False
        if not options["interactive"]:
            if not email or not password:
                raise CommandError("Give --email and set DJANGO_SUPERUSER_PASSWORD, or run it interactively.")
            if User.objects.filter(email__iexact=email).exists():
                raise CommandError(f"A user with the e-mail address {email} already exists.")
            try:
                validate_password(password, User(email=email))
            except ValidationError as error:
                raise CommandError("Password refused: " + " ".join(error.messages)) from None
        # The new account and its entry in the activity log (made by the system) together.
        with transaction.atomic():
            newest = User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            super().handle(*args, **options)
            for user in User.objects.filter(pk__gt=newest, is_super_admin=True):
                services.record(user, services.CREATED, actor=None, changes={"is_super_admin": [None, True]})
