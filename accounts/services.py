"""Verbs on accounts."""

from django.db import transaction


@transaction.atomic
def sign_up(form):
    """Create the user from a valid ``SignUpForm`` and return it."""
    return form.save()
