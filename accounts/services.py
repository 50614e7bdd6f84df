"""Verbs on accounts."""

from django.db import transaction

from accounts.models import User


@transaction.atomic
def sign_up(email, password, full_name=""):
    """A new account, returned: ``email`` (stored lower-cased), ``password`` (the caller
    has checked it with Django's password validators, as ``SignUpForm`` does) and
    ``full_name``. (Signing up through an invitation: ``permissions.services.sign_up_invited``.)"""
    return User.objects.create_user(email, password, full_name=full_name)


def update_profile(user, *, full_name):
    """Save what a person may change about themselves: their name (stripped)."""
    user.full_name = full_name.strip()
    user.save(update_fields=["full_name"])
    return user
