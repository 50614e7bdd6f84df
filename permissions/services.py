"""Verbs on event roles. Invitations (by notification or e-mail) build on these."""

from django.db import transaction

from permissions.checks import forget
from permissions.models import EventRole, Role


@transaction.atomic
def grant_role(event, user, role):
    """Give ``user`` the ``role`` (a Role or its name) in ``event``; idempotent."""
    if isinstance(role, str):
        role = Role.objects.get(name=role)
    event_role, _ = EventRole.objects.get_or_create(event=event, user=user, role=role)
    forget(user)
    return event_role


@transaction.atomic
def revoke_role(event, user, role):
    """Take ``role`` from ``user`` in ``event``. Returns whether anything was removed."""
    if isinstance(role, str):
        role = Role.objects.get(name=role)
    deleted, _ = EventRole.objects.filter(event=event, user=user, role=role).delete()
    forget(user)
    return bool(deleted)
