"""Verbs on accounts."""

from django.db import IntegrityError, transaction

from accounts.models import User
from core.errors import Conflict

EMAIL_TAKEN = "An account with this e-mail address already exists."


@transaction.atomic
def sign_up(email, password, full_name=""):
    """A new account, returned: ``email`` (stored lower-cased), ``password`` (the caller
    has checked it with Django's password validators, as ``SignUpForm`` does) and
    ``full_name``. (Signing up through an invitation: ``permissions.services.sign_up_invited``.)
    ``Conflict`` if someone signed up with the address since the form checked it."""
    try:
        with transaction.atomic():
            return User.objects.create_user(email, password, full_name=full_name)
    except IntegrityError:
        if User.objects.filter(email__iexact=email).exists():
            raise Conflict(EMAIL_TAKEN) from None
        raise


def update_profile(user, *, full_name):
    """Save what a person may change about themselves: their name (stripped)."""
    user.full_name = full_name.strip()
    user.save(update_fields=["full_name"])
    return user
