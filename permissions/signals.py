"""An invitation deleted (its event deleted, or from the admin) while pending is closed:
its notifications stop offering Accept and Decline, and their ETags move (in the
transaction of the deletion; Django sends ``post_delete`` for cascades too). So is one
saved no longer pending, whatever saved it; a pending one's notifications follow its
expiry."""

from django.db.models import F, signals

from notifications.models import Notification
from notifications.services import READ_STATE_CHANGED, invitation_closed, push_on_commit
from permissions.models import RoleInvite
from permissions.services import invite_path


def close_deleted_invitation(sender, instance, **kwargs):
    if instance.status == RoleInvite.Status.PENDING:
        invitation_closed(invite_path(instance))


def follow_saved_invitation(sender, instance, created=False, raw=False, **kwargs):
    """An invitation saved by any path (the services, the super admin's change form,
    ``manage.py shell``): no longer pending, its notifications are closed; still pending,
    they offer Accept and Decline until its expiry as it is now. Either way their ETags
    move with what they show (the services close them themselves: nothing left to do).
    A new one has no notification yet: nothing to follow."""
    if raw or created:
        return
    link = invite_path(instance)
    if instance.status != RoleInvite.Status.PENDING:
        invitation_closed(link)
        return
    stale = Notification.objects.filter(link=link, awaits_answer=True).exclude(answer_by=instance.expires_at)
    user_ids = list(stale.values_list("user_id", flat=True).distinct())
    if stale.update(answer_by=instance.expires_at, version=F("version") + 1):
        push_on_commit(user_ids, READ_STATE_CHANGED)


def connect():
    signals.post_delete.connect(close_deleted_invitation, sender=RoleInvite, dispatch_uid="close-deleted-role-invite")
    signals.post_save.connect(follow_saved_invitation, sender=RoleInvite, dispatch_uid="follow-saved-role-invite")
