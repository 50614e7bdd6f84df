"""Speakers and their sessions: invitations to speak, and telling speakers when their
session moves. Notifications go through ``notifications.services.notify``.

*Session invite*: an organizer invites an e-mail address to speak at a session. Someone
with an account gets a notification offering Accept and Decline; anyone else an e-mail
with the invitation's link, which they answer without an account. Accepting makes them
one of the session's speakers (the event's speaker with that address, or a new one),
linked to their account if they have one. The organizer who invited is told the answer.
The link, the mail limit, the offer in the bell, the e-mail, withdrawing and answering
(each logged with its actor) are ``permissions.invitations``', as for role invitations.

*Session schedule change*: ``events.services.save_resource`` calls ``tell_of_schedule_change``
once per save of a session; when its start, end or room changed, each of its speakers
with an account gets one notification (old → new, in the event's time zone), each one
without an e-mail (a background task, queued with the change: ``core.outbox.send_later``).
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat
from django.utils import timezone as django_timezone
from django.utils.html import format_html

from accounts.services import confirm_email, confirmed_account, same_address, with_address
from activity.services import Action
from core.mail import may_send
from core.outbox import send_later
from core.validators import check_email_address
from events.models import Session, SessionInvite, Speaker
from notifications.models import Notification
from notifications.services import notify
from permissions.invitations import Invitations, check_invitation_mail, inviter_name, send_mail

logger = logging.getLogger(__name__)

INVITE_SIGNING_SALT = "events.SessionInvite"
#: ``core.mail.may_send``'s kind for schedule changes e-mailed to speakers without an account.
SCHEDULE_MAIL = "schedule"


def _answer_path(link):
    return reverse("events:speaker-invite", args=[link])


SPEAKER_INVITES = Invitations(
    SessionInvite,
    INVITE_SIGNING_SALT,
    path=_answer_path,
    event_of=lambda invite: invite.session.event,
    related=("session__event", "invited_by"),
    refusals={
        SessionInvite.Status.ACCEPTED: "This invitation has already been accepted.",
        "log_in": "Log in with the e-mail address this invitation was sent to, to answer it.",
    },
)
INVITE_REFUSALS = SPEAKER_INVITES.refusals
_refuse = SPEAKER_INVITES.refuse


def site_url():
    """Where this site is (``SITE_URL``, e.g. https://events.example.org) for links in
    e-mails sent without a request at hand; "" when unset (the e-mail then says where
    to look instead of linking)."""
    return settings.SITE_URL.rstrip("/")


# --- invitations to speak ------------------------------------------------------------------


invite_link = SPEAKER_INVITES.link
invite_path = SPEAKER_INVITES.path


def session_path(session):
    """The session's dashboard page, where organizers see its speakers and invitations."""
    return reverse("events:session-invites", args=[session.event_id, session.pk])


#: The pending, unexpired invitation a link names (across events); ``InviteError`` if none.
find_invite = SPEAKER_INVITES.find


def pending_invites(session):
    """The session's invitations still waiting for an answer (expired ones included)."""
    return list(SessionInvite.objects.filter(session=session, status=SessionInvite.Status.PENDING))


def invitee_account(invite):
    """The account the invitation's answer must come from (its address's), or None: then
    whoever holds the link answers it. An unconfirmed address reaches no account
    (``accounts.services.confirmed_account``)."""
    return confirmed_account(invite.email)


def answer_refusal(invite, user, account=False):
    """Why ``user`` (a visitor, maybe anonymous) may not answer ``invite``, as the code of
    ``INVITE_REFUSALS`` ("log_in", "wrong_user"), or ``None``: they may. The invitee's
    confirmed account answers it, logged in (``invitee_account``; ``account`` when already
    read); with none, whoever holds the link, but a logged-in visitor only if theirs is
    the invited address. The invitation's page and the answer ask this one rule."""
    if account is False:
        account = invitee_account(invite)
    logged_in = user is not None and user.is_authenticated
    if account is not None:
        if not logged_in:
            return "log_in"
        return "wrong_user" if user.pk != account.pk else None
    if logged_in and not same_address(user.email, invite.email):
        return "wrong_user"
    return None


@transaction.atomic
def invite_speaker(session, email, name="", *, invited_by, site_url="", actor=None):
    """Invite ``email`` to speak at ``session``; returns the new SessionInvite.

    Refuses (``ValidationError`` keyed ``email``, nothing changed) an address already
    among the session's speakers, or with a pending invitation to it that has not expired
    (an expired one is withdrawn and replaced). Someone with an account (active, that
    address) gets a "Session invite" notification with Accept and Decline; anyone else an
    e-mail with the link (``site_url`` makes it absolute), sent by a worker after the commit.
    """
    email, name = email.strip().lower(), name.strip()
    check_email_address(email)
    session = Session.objects.for_event(session.event_id).select_related("event").get(pk=session.pk)
    event = session.event
    if session.speakers.filter(email__iexact=email).exists():
        message = f"{email} already speaks at this session."
        raise ValidationError({"email": ValidationError(message, code="already_speaks")})
    actor = invited_by if actor is None else actor
    SPEAKER_INVITES.replace_expired(
        SessionInvite.objects.filter(session=session, email__iexact=email, status=SessionInvite.Status.PENDING),
        actor=actor,
        already_invited=f"{email} has already been invited to speak at this session.",
    )
    invite = SessionInvite(session=session, email=email, name=name, invited_by=invited_by)
    invite.full_clean(exclude=["token"])
    check_invitation_mail(email)
    invite.save()
    SPEAKER_INVITES.log(
        actor,
        Action.INVITED,
        invite,
        {"email": [None, email], "session": [None, session.title], "status": [None, invite.status]},
    )
    user = confirmed_account(email)  # an account whose address is confirmed; else the e-mail
    if user is not None:
        _offer(invite, user)
    else:
        inviter, when = inviter_name(invite), schedule_text(session)
        subject = f"Invitation: speak at “{session.title}” ({event.name})"
        body = (
            f"Hello{' ' + name if name else ''},\n\n"
            f"{inviter} invites you to speak at “{session.title}” of {event.name} on Eventdesk, {when}.\n\n"
            f"To accept or decline, open this link:\n{site_url}{invite_path(invite)}\n\n"
            f"The link can be used once and is valid until "
            f"{dateformat.format(django_timezone.localtime(invite.expires_at, event.tzinfo), 'j F Y, H:i e')}. "
            "If you did not expect this invitation, ignore this message.\n"
        )
        send_mail(invite, subject, body)
    return invite


def _offer(invite, user):
    """The invitation's offer (Accept and Decline) in the bell of ``user``, the account
    whose address is confirmed."""
    session = invite.session
    event = session.event
    SPEAKER_INVITES.offer(
        invite,
        user,
        Notification.Action.SESSION_INVITE,
        f"Invitation: speak at “{session.title}” ({event.name})",
        format_html(
            "{} invites you to speak at <b>{}</b> of <b>{}</b>, {}.",
            inviter_name(invite),
            session.title,
            event.name,
            schedule_text(session),
        ),
    )


def deliver_invitations(sender, user, **kwargs):
    """``accounts.services.email_confirmed``'s receiver: the pending, unexpired invitations
    to speak sent to the newly confirmed address reach the account's bell (once each), from
    every event."""
    SPEAKER_INVITES.deliver_pending(user, _offer)


def _answer(invite, user, accept, actor=None):
    """Lock the invitation, check it may be answered (by ``user``: the invitee's account,
    or anyone holding the link when the address has none), record the answer.

    An account whose address is not confirmed counts as none: whoever holds the e-mailed
    link answers; if that is the account, logged in, its address is confirmed by accepting
    (and the speaker linked to it)."""
    invite = SPEAKER_INVITES.lock(invite)
    SPEAKER_INVITES.check_usable(invite)
    account = invitee_account(invite)
    refusal = answer_refusal(invite, user, account)
    if refusal:
        _refuse(refusal)
    if account is None and accept and user is not None and user.is_authenticated:
        account = user  # the address's own account, holding the link that went there
    session = Session.objects.select_related("event").get(pk=invite.session_id)
    invite.session = session
    if accept:
        invite.speaker = _speaker_for(invite, session, account, actor=actor)
        session.speakers.add(invite.speaker)
    status = SessionInvite.Status.ACCEPTED if accept else SessionInvite.Status.DECLINED
    SPEAKER_INVITES.record_answer(invite, status, actor=actor, fields=["speaker"])
    if accept and account is not None and not account.email_confirmed:
        confirm_email(account)
    who = (account.get_full_name() if account else invite.name) or invite.email
    answer = "accepted" if accept else "declined"
    title = f"{who} {answer}: speaker of “{session.title}” ({session.event.name})"
    SPEAKER_INVITES.tell_inviter(invite, account, title, session_path(session))
    return invite


def _speaker_for(invite, session, account, actor=None):
    """The event's speaker the accepted invitation makes a speaker of the session: the one
    linked to the account, else the one with the address, else a new one; linked to the
    account (if any)."""
    from events import services  # services calls this module (schedule changes)

    speakers = Speaker.objects.for_event(session.event_id)
    speaker = (account and speakers.filter(user=account).first()) or next(
        iter(with_address(speakers, invite.email)), None
    )
    if speaker is None:
        name = invite.name or (account.get_full_name() if account else "") or invite.email.split("@")[0]
        speaker = Speaker(event_id=session.event_id, name=name, email=invite.email)
    elif account is None or speaker.user_id == account.pk:
        return speaker
    speaker.user = account
    return services.save_resource(speaker, actor=actor)


@transaction.atomic
def accept_invite(invite, user, *, actor=None):
    """Accept: the person speaks at the session. ``InviteError`` (nothing changed) when the
    invitation is no longer pending, expired, or answered by someone else than its address's
    account. Tells the organizer who invited."""
    return _answer(invite, user, True, actor=actor)


@transaction.atomic
def decline_invite(invite, user, *, actor=None):
    """Decline; the same checks as ``accept_invite``. Tells the organizer who invited."""
    return _answer(invite, user, False, actor=actor)


@transaction.atomic
def revoke_invite(invite, *, actor=None):
    """Withdraw a pending invitation (its link stops working, its notification stops
    offering Accept and Decline); ``InviteError`` if it is not pending. Logged as done by
    ``actor``."""
    return SPEAKER_INVITES.revoke(invite, actor=actor)


# --- schedule changes --------------------------------------------------------------------

SCHEDULE_FIELDS = ("starts_at", "ends_at", "microlocation_id")


def schedule_of(obj):
    """What a stored session's speakers are told about when it changes (start, end,
    room), as stored now; None for anything else, or a session not saved yet."""
    if not isinstance(obj, Session) or obj._state.adding or obj.pk is None:
        return None
    return Session.objects.for_event(obj.event_id).filter(pk=obj.pk).values_list(*SCHEDULE_FIELDS).first()


def schedule_text(session, schedule=None):
    """ "Tue 3 Mar 2026, 10:00–11:00 (Europe/Paris), Room A" for people, in the event's
    time zone; ``schedule``: (starts_at, ends_at, microlocation_id), default the session's."""
    starts_at, ends_at, room_id = schedule or tuple(getattr(session, f) for f in SCHEDULE_FIELDS)
    zone = session.event.tzinfo
    start, end = django_timezone.localtime(starts_at, zone), django_timezone.localtime(ends_at, zone)
    text = f"{dateformat.format(start, 'D j M Y, H:i')}–"
    text += dateformat.format(end, "H:i" if end.date() == start.date() else "D j M Y, H:i")
    text += f" ({session.event.timezone})"
    if room_id is not None:
        room = session.microlocation if session.microlocation_id == room_id else None
        if room is None:
            room = session.event.microlocations.filter(pk=room_id).first()
        if room is not None:
            text += f", {room.name}"
    return text


def tell_of_schedule_change(session, before):
    """After ``session`` was saved: if its start, end or room differ from ``before``
    (``schedule_of`` read before the save; None for a new session), each of its speakers
    with an account gets one "Session schedule change" notification, each other one
    with an e-mail address an e-mail (queued, sent after the commit). Returns the users notified and
    the addresses written to."""
    if before is None:
        return [], []
    after = tuple(getattr(session, f) for f in SCHEDULE_FIELDS)
    if after == tuple(before):
        return [], []
    session = Session.objects.for_event(session.event_id).select_related("event", "microlocation").get(pk=session.pk)
    event = session.event
    old, new = schedule_text(session, before), schedule_text(session)
    if old == new:
        return [], []  # nothing a speaker would see (seconds cut by a form, say)
    title = f"Schedule change: “{session.title}” ({event.name})"
    link = reverse("event_session", kwargs={"slug": event.slug, "pk": session.pk})
    users, addresses = {}, {}
    for speaker in session.speakers.select_related("user"):
        account = speaker.user if speaker.user is not None and speaker.user.is_active else None
        if account is None and speaker.email:
            account = confirmed_account(speaker.email)
        if account is not None:
            users.setdefault(account.pk, account)
        elif speaker.email:
            addresses.setdefault(speaker.email.lower(), speaker.name)
    for user in users.values():
        notify(
            user,
            Notification.Action.SESSION_SCHEDULE_CHANGE,
            title,
            format_html("<p>{} → <b>{}</b></p>", old, new),
            link=link,
        )
    base = site_url()
    for address, name in addresses.items():
        if not may_send(SCHEDULE_MAIL, address):  # an address nobody proved: a few an hour
            logger.warning("A schedule change not e-mailed to a speaker: too many e-mails to the address this hour")
            continue
        body = (
            f"Hello {name},\n\n“{session.title}” of {event.name}, at which you speak, has moved:\n\n"
            f"  before: {old}\n  now:    {new}\n\n" + (f"The session: {base}{link}\n" if base else "")
        )
        send_later(title, body, [address])
    return list(users.values()), list(addresses)
