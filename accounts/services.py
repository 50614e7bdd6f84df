"""Verbs on accounts."""

from django.db import transaction

from permissions.services import accept_invite


@transaction.atomic
def sign_up(form, invite=None):
    """Create the user from a valid ``SignUpForm`` and return it.

    ``invite``: signing up through that invitation (the form fixed to its address); the
    new account accepts it in the same transaction. If it can no longer be accepted
    (answered, withdrawn or expired meanwhile), ``permissions.services.InviteError`` and
    no account is made.
    """
    user = form.save()
    if invite is not None:
        accept_invite(invite, user)
    return user
