"""Create a super admin: interactively, or with --email and DJANGO_SUPERUSER_PASSWORD."""

import os

from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

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
        super().handle(*args, **options)
