"""Verbs on event roles and on the permission matrix.

Invitations (by e-mail and notification) build on ``grant_role``: nobody is put into an
event's role without accepting (links, sending and answering: ``permissions.invitations``,
shared with invitations to speak). Every way of taking a role away goes through
``revoke_role``, which keeps the last Organizer of an event. The pages, the API and the
Django admin (``permissions.admin``) all change roles and the matrix through these.
"""

from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from accounts.services import canonical_address, confirm_email, confirmed_account, same_address, sign_up
from activity.services import Action, log_action, log_actions
from core.validators import check_email_address
from notifications.models import Notification
from permissions.checks import OPERATIONS, forget
from permissions.invitations import (  # InviteError: the refusal the pages catch (services.InviteError)
    Invitations,
    InviteError,  # noqa: F401
    check_invitation_mail,
    inviter_name,
    send_mail,
)
from permissions.models import EventRole, Permission, Role, RoleInvite
from permissions.pages import event_page


class LastOrganizerError(ValidationError):
    """Raised instead of leaving an event without an Organizer."""


def _role(role):
    return Role.objects.get(name=role) if isinstance(role, str) else role


def _active_user(email):
    return get_user_model().objects.filter(email=canonical_address(email), is_active=True).first()


def invite_has_account(invite):
    """Whether someone may already log in with the address ``invite`` was sent to (an
    active account): its page then asks them to log in rather than to sign up."""
    return _active_user(invite.email) is not None


def _already_has_role(user, role):
    message = f"{user.email} already is {role.title} of this event."
    return ValidationError({"email": ValidationError(message, code="already_has_role")})


@transaction.atomic
def grant_role(event, user, role, *, actor=None):
    """Give ``user`` the ``role`` (a Role or its name) in ``event``; idempotent. A new
    role is logged (``activity``) as given by ``actor``."""
    event_role, created = EventRole.objects.get_or_create(event=event, user=user, role=_role(role))
    if created:
        changes = _role_changes(event_role, granted=True)
        log_action(actor, Action.ROLE_GRANTED, event_role, event=event, changes=changes)
    forget(user)
    return event_role


def _role_changes(event_role, granted):
    values = {"user": str(event_role.user), "role": event_role.role.title}
    return {name: [None, value] if granted else [value, None] for name, value in values.items()}


def kept_role(event_roles):
    """Of an event's roles (``event_roles``: EventRole rows with their roles, all of the
    event's Organizers' at least), the one ``revoke_role`` keeps: the Organizer role of
    the event's only Organizer (an event always has someone who manages its roles); else
    ``None``. The roles page offers to remove every role but this one."""
    organizers = [event_role for event_role in event_roles if event_role.role.name == Role.ORGANIZER]
    return organizers[0] if len(organizers) == 1 else None


@transaction.atomic
def revoke_role(event, user, role, *, actor=None):
    """Take ``role`` from ``user`` in ``event``. Returns whether anything was removed.

    Refuses (``LastOrganizerError``, nothing changed) to take the Organizer role from
    the event's last Organizer: an event always has someone who manages its roles.
    The event row is locked first, so two Organizers removing each other at once
    cannot both succeed.
    """
    role = _role(role)
    event_roles = EventRole.objects.filter(event=event, role=role)
    if role.name == Role.ORGANIZER:
        type(event).objects.select_for_update().filter(pk=event.pk).first()
        kept = kept_role(event_roles.select_related("role"))
        if kept is not None and kept.user_id == user.pk:
            raise LastOrganizerError("An event needs an Organizer: this is its last one.", code="last_organizer")
    for event_role in event_roles.filter(user=user).select_related("user", "role"):
        changes = _role_changes(event_role, granted=False)
        log_action(actor, Action.ROLE_REMOVED, event_role, event=event, changes=changes)
    deleted, _ = event_roles.filter(user=user).delete()
    forget(user)
    return bool(deleted)


def make_creator_organizer(event, user, *, actor=None):
    """The rule of a new event: whoever creates it becomes its Organizer (called by
    ``events.services.create_event``, in its transaction)."""
    return grant_role(event, user, Role.ORGANIZER, actor=actor)


def remove_event_role(event_role, *, actor=None):
    """``revoke_role`` for one EventRole row (as the roles page lists them)."""
    return revoke_role(event_role.event, event_role.user, event_role.role, actor=actor)


# --- the matrix ----------------------------------------------------------------------


def permission_matrix():
    """All matrix rows, with role and service, in role × service order."""
    return list(Permission.objects.select_related("role", "service").order_by("role_id", "service_id"))


@transaction.atomic
def set_permission_matrix(flags, *, actor=None):
    """Store a whole matrix: ``flags`` maps ``(role name, service name)`` to a set of
    operations ("create", "read", "update", "delete").

    Rows not named in ``flags`` stay as they are. The rows are locked while they are
    compared and saved, in one transaction. Returns ``[(permission, changed field
    names)]`` for each row that changed, for the caller's audit log. Each changed row is
    logged (``activity``, in no event) as changed by ``actor``. However many rows change,
    it takes three queries: lock and read, one update, one insert into the log.
    """
    changed, log = [], []
    rows = Permission.objects.select_for_update().select_related("role", "service").order_by("role_id", "service_id")
    for permission in rows:
        key = (permission.role.name, permission.service.name)
        if key not in flags:
            continue
        fields, changes = [], {}
        for op in OPERATIONS:
            wanted = op in flags[key]
            if getattr(permission, f"can_{op}") != wanted:
                changes[f"can_{op}"] = [not wanted, wanted]
                setattr(permission, f"can_{op}", wanted)
                fields.append(f"can_{op}")
        if fields:
            changed.append((permission, fields))
            log.append((Action.MATRIX_CHANGED, permission, changes))
    if changed:
        # Every changed row's four flags are written (the others hold the values read under the lock).
        Permission.objects.bulk_update([permission for permission, _ in changed], [f"can_{op}" for op in OPERATIONS])
        log_actions(actor, None, log)
    return changed


@transaction.atomic
def set_title(row, title, *, actor=None):
    """Rename a role or a service of the matrix (``row``: a ``Role`` or ``Service``) for
    people: only its title, never its name (the code's). Logged (in no event) as done by
    ``actor`` if it changed."""
    locked = type(row).objects.select_for_update().get(pk=row.pk)
    old = locked.title
    row.name = locked.name
    row.title = title
    if old != title:
        row.full_clean()
        row.save(update_fields=["title"])
        log_action(actor, Action.UPDATED, row, changes={"title": [old, title]})
    return row


# --- invitations ---------------------------------------------------------------------
#
# Answered through a signed link (``permissions.invitations``: the link, sending, closing,
# shared with invitations to speak).

INVITE_SIGNING_SALT = "permissions.RoleInvite"

ROLE_INVITES = Invitations(
    RoleInvite,
    INVITE_SIGNING_SALT,
    path=lambda link: reverse("permissions:invite", args=[link]),
    event_of=lambda invite: invite.event,
    related=("event", "role", "invited_by"),
)
INVITE_REFUSALS = ROLE_INVITES.refusals
_refuse = ROLE_INVITES.refuse
invite_link = ROLE_INVITES.link
invite_path = ROLE_INVITES.path


def signup_path(invite):
    """The sign-up page that creates an account and takes the invited role."""
    return f"{reverse('signup')}?{urlencode({'invite': invite_link(invite)})}"


#: The pending, unexpired invitation a link names (across events); ``InviteError`` if none.
find_invite = ROLE_INVITES.find


def is_invitee(invite, user):
    return user.is_authenticated and user.is_active and same_address(user.email, invite.email)


def pending_invites(event):
    """The event's invitations still waiting for an answer (expired ones included, marked so)."""
    return list(
        RoleInvite.objects.filter(event=event, status=RoleInvite.Status.PENDING).select_related("role", "invited_by")
    )


@transaction.atomic
def invite_to_role(event, email, role, invited_by, site_url="", *, actor=None):
    """Invite ``email`` to ``role`` in ``event``; returns the new RoleInvite.

    This is the only way into an event (besides creating it): the person takes the role
    by accepting. The address gets an e-mail either way (queued, sent after the commit), so that
    the inviter learns nothing about who has an account: someone with an account (active,
    that e-mail) is sent the invitation's link, and gets a notification with it too;
    anyone else a sign-up link (``site_url`` makes links absolute, e.g.
    ``https://events.example.org``). Refuses (``ValidationError`` keyed ``email``,
    nothing changed) when the person already holds the role (which the roles page shows
    anyway) or a pending invitation for it has not expired; an expired one is withdrawn
    and replaced. Logged as done by ``actor`` (default: ``invited_by``).
    """
    actor = invited_by if actor is None else actor
    email, role = email.strip().lower(), _role(role)
    check_email_address(email)
    user = _active_user(email)
    if user is not None and EventRole.objects.filter(event=event, user=user, role=role).exists():
        raise _already_has_role(user, role)
    ROLE_INVITES.replace_expired(
        RoleInvite.objects.filter(event=event, email__iexact=email, role=role, status=RoleInvite.Status.PENDING),
        actor=actor,
        already_invited=f"{email} has already been invited as {role.title}; revoke that invitation to send a new one.",
    )
    check_invitation_mail(email)
    invite = RoleInvite.objects.create(event=event, email=email, role=role, invited_by=invited_by)
    log_action(
        actor,
        Action.INVITED,
        invite,
        event=event,
        changes={"email": [None, email], "role": [None, role.title], "status": [None, invite.status]},
    )
    # In the bell only of an account whose address is confirmed (accounts.services); an
    # unconfirmed one gets it there once confirmed (deliver_invitations), meanwhile the e-mail.
    _offer(invite, confirmed_account(email))
    context = {
        "invite": invite,
        "inviter": inviter_name(invite),
        "has_account": user is not None,
        "url": f"{site_url}{invite_path(invite) if user is not None else signup_path(invite)}",
    }
    subject = f"Invitation: {role.title} of {event.name}"
    send_mail(invite, subject, render_to_string("permissions/email/invite.txt", context))
    return invite


def _offer(invite, user):
    """The invitation's offer (Accept and Decline) in ``user``'s bell: the account whose
    address is confirmed, or None (nothing)."""
    if user is None:
        return
    event, role = invite.event, invite.role
    ROLE_INVITES.offer(
        invite,
        user,
        Notification.Action.EVENT_ROLE_INVITE,
        f"Invitation: {role.title} of {event.name}",
        format_html("{} invites you to be <b>{}</b> of <b>{}</b>.", inviter_name(invite), role.title, event.name),
    )


def deliver_invitations(sender, user, **kwargs):
    """``accounts.services.email_confirmed``'s receiver: the pending, unexpired role
    invitations of the newly confirmed address reach the account's bell (once each), from
    every event."""
    ROLE_INVITES.deliver_pending(user, _offer)


def _answer(invite, user, status):
    """Lock the invitation, check it may be answered by ``user``, record the answer."""
    invite = ROLE_INVITES.lock(invite)
    ROLE_INVITES.check_usable(invite)
    if not is_invitee(invite, user):
        _refuse("wrong_user")
    accepted = status == RoleInvite.Status.ACCEPTED
    if accepted:
        invite.accepted_by = user
        grant_role(invite.event, user, invite.role, actor=user)
    ROLE_INVITES.record_answer(invite, status, actor=user, fields=["accepted_by"])
    if accepted and not user.email_confirmed:
        # An unconfirmed account is never shown the link (no notification): it came by
        # e-mail, to the address, so accepting through it confirms the address too.
        confirm_email(user)
    answer = "accepted" if accepted else "declined"
    title = f"{user.get_full_name()} {answer}: {invite.role.title} of {invite.event.name}"
    ROLE_INVITES.tell_inviter(invite, user, title, event_page("roles", invite.event_id))
    return invite


@transaction.atomic
def accept_invite(invite, user):
    """``user`` takes the invited role. Only the invited person (by e-mail), only once,
    only before it expires; ``InviteError`` with a message otherwise, nothing changed.
    Tells the organizer who invited."""
    return _answer(invite, user, RoleInvite.Status.ACCEPTED)


@transaction.atomic
def sign_up_invited(invite, password, full_name=""):
    """A new account for the invited address (``accounts.services.sign_up``)
    that accepts ``invite`` in the same transaction, which confirms the address (the link
    came to it). If the invitation can no longer be
    accepted (answered, withdrawn or expired meanwhile), ``InviteError`` and no account
    is made."""
    user = sign_up(invite.email, password, full_name)
    accept_invite(invite, user)
    return user


@transaction.atomic
def decline_invite(invite, user):
    """``user`` says no; the same checks as ``accept_invite``. Tells the organizer."""
    return _answer(invite, user, RoleInvite.Status.DECLINED)


@transaction.atomic
def revoke_invite(invite, *, actor=None):
    """Withdraw a pending invitation (its link stops working); ``InviteError`` if it is not
    pending. Logged as done by ``actor``."""
    return ROLE_INVITES.revoke(invite, actor=actor)
