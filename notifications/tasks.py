"""Background tasks of notifications: the fan-out of one notification to many users
(queued by ``notifications.services.notify_many`` in the caller's transaction, run by a
worker, ``manage.py db_worker``, after the commit). Notifications belong to users, not
to an event: nothing here queries a per-event model, so no scope is entered."""

from django.db import transaction
from django_tasks import task

from notifications import services


@task()
def notify_many(user_ids, fields):
    """Create the notification ``fields`` (checked by ``notify_many`` when it was queued)
    for each of ``user_ids`` still there, in one transaction, and push to their sockets
    after its commit. Returns how many were created."""
    with transaction.atomic():
        return len(services.deliver_many(user_ids, fields))
