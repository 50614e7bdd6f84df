"""An invitation deleted (its event deleted, or from the admin) while pending is closed:
its notifications stop offering Accept and Decline, and their ETags move (in the
transaction of the deletion; Django sends ``post_delete`` for cascades too)."""

from django.db.models import signals

from notifications.services import invitation_closed
from permissions.models import RoleInvite
from permissions.services import invite_path


def close_deleted_invitation(sender, instance, **kwargs):
    if instance.status == RoleInvite.Status.PENDING:
        invitation_closed(invite_path(instance))


def connect():
    signals.post_delete.connect(close_deleted_invitation, sender=RoleInvite, dispatch_uid="close-deleted-role-invite")
