"""Invitations sent as signed links, for both kinds there are: to a role in an event
(``permissions.services``: ``RoleInvite``) and to speak at a session (``events.speakers``:
``SessionInvite``; events sits above permissions and uses this module). Each kind keeps its
own rules (who may be invited, who may answer, what accepting does); the rest is here, once:

- **The link**: the invitation's random token signed with SECRET_KEY under the kind's salt
  (a token read from a database dump is no link), valid until ``expires_at`` and only while
  the invitation is pending, so it is used once (``Invitations.link``, ``find``,
  ``check_usable``). A link names an invitation of any event: looked up across events.
- **Sending**: the hourly limit per address (``check_invitation_mail``); the offer with
  Accept and Decline in the bell of the account whose address is confirmed
  (``accounts.services.confirmed_account``: ``Invitations.offer``), and, once an address is
  confirmed, its pending invitations offered there (``deliver_pending``); the e-mail, a
  background task queued in the caller's transaction (``send_mail``).
- **Closing**: withdrawing (``withdraw``, ``revoke``, ``replace_expired``) and answering
  (``record_answer``), each logged (``activity``) with its actor in the same transaction and
  closing the offer in the bells (``notifications.services.invitation_closed``); the
  inviter told of the answer (``tell_inviter``).

An invitation model has ``email``, ``token``, ``status`` (``Status`` with ``PENDING``,
``ACCEPTED``, ``DECLINED``, ``REVOKED``), ``is_expired``, ``expires_at``, ``answered_at``
and ``invited_by``.
"""

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.services import with_address
from activity.services import Action, log_action
from core.mail import may_send
from core.outbox import send_later
from notifications.models import Notification
from notifications.services import invitation_closed, notify


class InviteError(ValidationError):
    """An invitation that cannot be used, with a message to show the person."""


#: ``core.mail.may_send``'s kind for invitations (to a role, to speak): anyone who makes an
#: event may invite any address, so one mailbox gets a few an hour at most, whoever sends.
INVITATION_MAIL = "invitation"


def check_invitation_mail(email):
    """Count an invitation to ``email`` (``core.mail.may_send``); past the hour's limit a
    ``ValidationError`` keyed ``email`` and the caller stores nothing. Counted whether or
    not the address has an account (the answer tells nothing of accounts). The cache that
    counts out of reach: ``CacheUnavailable`` (503), not "past the limit"."""
    if not may_send(INVITATION_MAIL, email, required=True):
        message = f"{email} has had as many invitations as it may get in an hour: try again later."
        raise ValidationError({"email": ValidationError(message, code="too_many_invitations")})


def send_mail(invite, subject, body):
    """The invitation's e-mail to its address: queued in the caller's transaction, sent by
    a worker once it commits (``core.outbox``)."""
    send_later(subject, body, [invite.email])


def inviter_name(invite):
    """Who invited, for the person invited."""
    inviter = invite.invited_by
    return (inviter.get_full_name() if inviter is not None else "") or "An organizer"


#: The refusals every kind shares (``Invitations.refuse`` codes); a kind adds or rewords.
REFUSALS = {
    "invalid": "This invitation link is not valid. Check that you opened the whole link from the message.",
    "expired": "This invitation has expired. Ask the organizer to invite you again.",
    "accepted": "This invitation has already been used.",
    "declined": "This invitation was declined.",
    "revoked": "This invitation was withdrawn by the organizer.",
    "wrong_user": "This invitation is for someone else: log in with the e-mail address it was sent to.",
}


class Invitations:
    """One kind of invitation: its ``model``, the ``salt`` of its links, the ``path`` of
    the page that answers a link (a function of the signed link: the app that owns the
    page passes it), the event an invitation belongs to (``event_of``), the relations read
    with an invitation (``related``, for ``select_related``), and the messages of its
    refusals (``REFUSALS``, with the kind's ``refusals`` over them)."""

    def __init__(self, model, salt, *, path, event_of, related=(), refusals=None):
        self.model = model
        self.salt = salt
        self.related = related
        self._path = path
        self.event_of = event_of
        self.refusals = {**REFUSALS, **(refusals or {})}

    # --- the link ---------------------------------------------------------------------

    def refuse(self, code):
        raise InviteError(self.refusals[code], code=code)

    def link(self, invite):
        """The signed token that identifies ``invite`` in URLs."""
        return signing.Signer(salt=self.salt).sign(invite.token)

    def path(self, invite):
        """The page that answers ``invite``: its link's path (the offer's link in the bell too)."""
        return self._path(self.link(invite))

    def all(self):
        """This kind's invitations of every event, with their ``related``: call it with
        scopes disabled (a queryset built in a scope would be that scope's)."""
        return self.model.objects.select_related(*self.related)

    def find(self, link):
        """The pending, unexpired invitation ``link`` names (across events: a link names an
        invitation of any event); ``InviteError`` (with a message) if none."""
        try:
            token = signing.Signer(salt=self.salt).unsign(link)
        except signing.BadSignature:
            self.refuse("invalid")
        with scopes_disabled():
            invite = self.all().filter(token=token).first()
        if invite is None:
            self.refuse("invalid")
        self.check_usable(invite)
        return invite

    def check_usable(self, invite):
        if invite.status != self.model.Status.PENDING:
            self.refuse(invite.status)
        if invite.is_expired:
            self.refuse("expired")

    def lock(self, invite):
        """The invitation's row, locked until the transaction ends, as stored now."""
        # No select_related: PostgreSQL cannot lock the nullable side (invited_by) of a join.
        with scopes_disabled():  # by its primary key: whatever the scope the caller is in
            return self.model.objects.select_for_update().get(pk=invite.pk)

    # --- sending ----------------------------------------------------------------------

    def log(self, actor, action, invite, changes):
        """An invitation's entry in its event's activity log (never its token)."""
        log_action(actor, action, invite, event=self.event_of(invite), changes=changes)

    def offer(self, invite, user, action, title, body):
        """The invitation in ``user``'s bell, offering Accept and Decline until it expires
        or closes. The caller gives the account whose address is confirmed
        (``accounts.services.confirmed_account``), never another."""
        notify(user, action, title, body, link=self.path(invite), awaits_answer=True, answer_by=invite.expires_at)

    def deliver_pending(self, user, offer_one):
        """``user``'s address was just confirmed: each of this kind's invitations, of every
        event, still pending, unexpired and sent to the address, and not yet offered to the
        account, is offered (``offer_one(invite, user)``)."""
        with scopes_disabled():
            pending = self.all().filter(status=self.model.Status.PENDING, expires_at__gt=timezone.now())
            for invite in with_address(pending, user.email):
                if not Notification.objects.filter(user=user, link=self.path(invite)).exists():
                    offer_one(invite, user)

    # --- closing ----------------------------------------------------------------------

    def withdraw(self, invite, *, actor):
        """``invite`` (locked, pending) is withdrawn: its link stops working and its offer
        in the bells closes. Logged as done by ``actor``."""
        invite.status, invite.answered_at = self.model.Status.REVOKED, timezone.now()
        invite.save(update_fields=["status", "answered_at"])
        self.log(actor, Action.INVITATION_REVOKED, invite, {"status": [self.model.Status.PENDING, invite.status]})
        invitation_closed(self.path(invite))
        return invite

    def revoke(self, invite, *, actor):
        """Withdraw a pending invitation; ``InviteError`` if it is not pending."""
        invite = self.lock(invite)
        if invite.status != self.model.Status.PENDING:
            self.refuse(invite.status)
        return self.withdraw(invite, actor=actor)

    def replace_expired(self, pending, *, actor, already_invited):
        """Before a new invitation: the same one still pending (``pending``, a queryset)
        refuses it (``ValidationError`` keyed ``email`` saying ``already_invited``) unless
        it has expired, when it is withdrawn."""
        for old in pending.select_for_update():
            if not old.is_expired:
                raise ValidationError({"email": ValidationError(already_invited, code="already_invited")})
            self.withdraw(old, actor=actor)

    def record_answer(self, invite, status, *, actor, fields=()):
        """``invite`` (locked, checked) is answered with ``status`` (accepted or declined):
        stored with ``fields`` the kind set, logged as done by ``actor``, its offer closed."""
        invite.status, invite.answered_at = status, timezone.now()
        invite.save(update_fields=["status", "answered_at", *fields])
        accepted = status == self.model.Status.ACCEPTED
        action = Action.INVITATION_ACCEPTED if accepted else Action.INVITATION_DECLINED
        self.log(actor, action, invite, {"status": [self.model.Status.PENDING, status]})
        invitation_closed(self.path(invite))
        return invite

    @staticmethod
    def tell_inviter(invite, answered_by, title, link):
        """The one who invited hears of the answer (not when they answered themselves)."""
        if invite.invited_by_id is not None and (answered_by is None or invite.invited_by_id != answered_by.pk):
            notify(invite.invited_by, Notification.Action.INVITATION_ANSWERED, title, "", link=link)
