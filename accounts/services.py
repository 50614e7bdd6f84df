"""Verbs on accounts.

*Confirmed addresses.* Anyone may sign up with any address, so an account's address is
only its owner's word until they open the link sent to it while logged in to the
account (``confirm_by_link``): the link proves the mailbox, the log-in the password, so
neither someone who merely typed the address nor someone who merely reads its mailbox
confirms it. Accepting an invitation through its e-mailed link, or choosing a new
password through a reset link, confirms it too (``confirm_email``). Until then the
account may log in and make its own events, but nothing addressed to the address reaches
it: ``confirmed_account(email)`` is the one way other apps find an account by its
address. Once confirmed, ``email_confirmed`` is sent, and the apps that hold things for
the address (invitations to a role or to speak) hand them over. A changed address is
unconfirmed again (``User.save``).

*Sign-up* (``register``) answers the same whether the address is free or taken: a new,
unconfirmed account and a confirmation link for a free one, an e-mail to the owner of a
taken one ("someone tried to sign up with your address") and no account. Mail of either
kind goes to one address a few times an hour at most (``core.mail.may_send``).
"""

import hashlib

from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, canonical_address
from core.errors import Conflict
from core.mail import may_send
from core.outbox import send_later

EMAIL_TAKEN = "An account with this e-mail address already exists."

#: Sent (``sender=User``, ``user=``) inside the transaction that confirms an address.
email_confirmed = Signal()

#: Sent (``sender=User``, ``user=``, ``actor=``, ``action=``, ``obj=``, ``changes=``) inside the
#: transaction of every change made to an account through these services and
#: ``accounts.tokens``: the activity log, above accounts in the layers, writes the entry from it
#: (``activity.apps``), an entry of no event that the super admin reads in the admin. ``action``
#: is one of the names below (the log's ``ActivityEntry.Action`` values); ``changes`` is
#: ``{field: [old, new]}`` and never holds a password, a token or a key.
account_changed = Signal()

SIGNED_UP = "signed_up"
CREATED = "created"
UPDATED = "updated"
DELETED = "deleted"
EMAIL_CONFIRMED = "email_confirmed"
EMAIL_CHANGED = "email_changed"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a word, not a password)
PASSWORD_RESET = "password_reset"  # noqa: S105
TOKEN_ISSUED = "token_issued"  # noqa: S105
TOKEN_REVOKED = "token_revoked"  # noqa: S105

#: What the log shows of an account's change by the admin (never the password).
LOGGED_FIELDS = ("email", "full_name", "is_active", "is_admin", "is_super_admin")


def record(user, action, *, actor, obj=None, changes=None):
    """Say (``account_changed``) that ``actor`` (``None``: the system) did ``action`` to
    ``user``'s account (``obj``: the account, or one of its tokens). Call it inside the
    transaction of the change, after its checks."""
    account_changed.send(
        sender=User, user=user, actor=actor, action=action, obj=obj if obj is not None else user, changes=changes or {}
    )


def _fields_of(user):
    return {name: getattr(user, name) for name in LOGGED_FIELDS}


CONFIRMATION_SALT = "accounts.confirm-email"
#: How long a confirmation link works (seconds).
CONFIRMATION_MAX_AGE = 3 * 24 * 3600
#: ``core.mail.may_send``'s kind for the account mails sent to an address on anyone's
#: request (confirmation links, "you already have an account").
ACCOUNT_MAIL = "account"


class ConfirmationError(Exception):
    """A confirmation link that cannot be used, with a message for the person."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def same_address(first, second):
    return canonical_address(first) == canonical_address(second)


def with_address(rows, email, field="email"):
    """The rows of the queryset ``rows`` whose ``field`` is the address ``email``
    (``same_address``), as a list: the database narrows them (``iexact``), Python decides."""
    address = canonical_address(email)
    return [row for row in rows.filter(**{f"{field}__iexact": address}) if same_address(getattr(row, field), address)]


def confirmed_account(email):
    """The active account whose confirmed address is ``email`` (any case: ``same_address``),
    or None: the only account anything addressed to ``email`` may reach."""
    return User.objects.filter(
        email=canonical_address(email), is_active=True, email_confirmed_at__isnull=False
    ).first()


@transaction.atomic
def sign_up(email, password, full_name=""):
    """A new account, returned, its address not confirmed: ``email`` (stored lower-cased),
    ``password`` (the caller has checked it with Django's password validators, as
    ``SignUpForm`` does) and ``full_name``. The sign-up page calls ``register``; signing up
    through an invitation, ``permissions.services.sign_up_invited``.
    ``Conflict`` if someone signed up with the address since the form checked it."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, full_name=full_name)
    except IntegrityError:
        if User.objects.filter(email=canonical_address(email)).exists():
            raise Conflict(EMAIL_TAKEN) from None
        raise
    record(user, SIGNED_UP, actor=user, changes={"email": [None, user.email]})
    return user


@transaction.atomic
def update_profile(user, *, full_name):
    """Save what a person may change about themselves: their name (stripped). Logged if it changed."""
    # As stored: a bound ModelForm has already set the new name on ``user``.
    old = User.objects.filter(pk=user.pk).values_list("full_name", flat=True).get()
    user.full_name = full_name.strip()
    user.save(update_fields=["full_name"])
    if old != user.full_name:
        record(user, UPDATED, actor=user, changes={"full_name": [old, user.full_name]})
    return user


@transaction.atomic
def set_password(user, password, *, actor, reset=False):
    """Give ``user`` the new ``password`` (checked by the caller's form with Django's
    validators; ``None``: no usable password, the admin's choice). Ends the other sessions
    and the API tokens (``accounts.signals``). Logged as changed by ``actor``, or as reset
    (``reset``: through the e-mailed link, which confirms the address too)."""
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    record(user, PASSWORD_RESET if reset else PASSWORD_CHANGED, actor=actor)
    if reset:
        confirm_email(user)
    return user


@transaction.atomic
def save_account(user, *, actor, adding=False):
    """The admin's save of an account (the form has set its fields; a new one its password):
    logged as created, or with what changed (a new address as ``email_changed``, which
    unconfirms it: ``User.save``)."""
    before = None if adding else User.objects.filter(pk=user.pk).values(*LOGGED_FIELDS).first()
    user.save()
    after = _fields_of(user)
    if adding or before is None:
        record(user, CREATED, actor=actor, changes={k: [None, v] for k, v in after.items() if v not in ("", False)})
    else:
        changes = {name: [before[name], after[name]] for name in LOGGED_FIELDS if before[name] != after[name]}
        if changes:
            record(user, EMAIL_CHANGED if "email" in changes else UPDATED, actor=actor, changes=changes)
    return user


@transaction.atomic
def delete_account(user, *, actor):
    """Delete an account (the admin): logged first, the entry keeps its address."""
    record(user, DELETED, actor=actor, changes={"email": [user.email, None]})
    user.delete()


# --- sign-up and confirmation --------------------------------------------------------------


def _address_digest(email):
    return hashlib.sha256(email.lower().encode()).hexdigest()[:24]


def confirmation_token(user):
    """A signed, expiring token naming the account and its address now (a digest): a
    changed address makes every earlier link useless."""
    return signing.dumps({"u": user.pk, "e": _address_digest(user.email)}, salt=CONFIRMATION_SALT)


def confirmation_path(user):
    return reverse("confirm_email", args=[confirmation_token(user)])


def check_confirmation(user, token):
    """``ConfirmationError`` unless ``token`` is an unexpired link made for ``user`` with
    its present address."""
    try:
        data = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ConfirmationError("This link has expired. Ask for a new one on your profile page.") from None
    except signing.BadSignature:
        raise ConfirmationError(
            "This link is not valid. Check that you opened the whole link from the message."
        ) from None
    if not isinstance(data, dict) or data.get("u") != user.pk:
        raise ConfirmationError("This link was sent for another account: log in with the address it was sent to.")
    if data.get("e") != _address_digest(user.email):
        raise ConfirmationError("This link was sent to an earlier address of your account. Ask for a new one.")


@transaction.atomic
def confirm_email(user):
    """Mark ``user``'s present address confirmed (once) and send ``email_confirmed``, so
    what waits for the address reaches the account. Returns whether it was newly confirmed."""
    if user.email_confirmed_at is not None:
        return False
    confirmed = User.objects.filter(pk=user.pk, email=user.email, email_confirmed_at__isnull=True).update(
        email_confirmed_at=timezone.now()
    )
    user.refresh_from_db(fields=["email_confirmed_at"])
    if confirmed:
        record(user, EMAIL_CONFIRMED, actor=user)
        email_confirmed.send(sender=User, user=user)
    return bool(confirmed)


def confirm_by_link(user, token):
    """The logged-in ``user`` opened the confirmation link ``token``: ``ConfirmationError``
    if it is not theirs (or no longer valid), else ``confirm_email``."""
    check_confirmation(user, token)
    return confirm_email(user)


def send_confirmation(user, site_root="", *, required=False):
    """E-mail ``user`` a link to confirm their address (queued, sent after the commit), unless the
    address has had its few account mails this hour; returns whether it will be sent.
    ``required``: the cache that counts them out of reach is ``CacheUnavailable`` (503),
    not "too many" (``core.mail.may_send``)."""
    if user.email_confirmed_at is not None or not may_send(ACCOUNT_MAIL, user.email, required=required):
        return False
    context = {"user": user, "url": f"{site_root}{confirmation_path(user)}", "hours": CONFIRMATION_MAX_AGE // 3600}
    send_later(
        "Confirm your e-mail address – Eventdesk",
        render_to_string("accounts/email/confirm.txt", context),
        [user.email],
    )
    return True


def _tell_owner_of_sign_up(user, site_root=""):
    if not may_send(ACCOUNT_MAIL, user.email):
        return
    context = {
        "user": user,
        "login_url": f"{site_root}{reverse('login')}",
        "reset_url": f"{site_root}{reverse('password_reset')}",
    }
    body = render_to_string("accounts/email/already_registered.txt", context)
    send_later("Someone tried to sign up with your address – Eventdesk", body, [user.email])


@transaction.atomic
def register(email, password, full_name="", *, site_root=""):
    """The sign-up page's verb, with the same outcome seen from outside whether or not
    ``email`` has an account: for a free address, a new unconfirmed account (returned) and
    a confirmation link to the address; for a taken one, no account (``None``) and an
    e-mail to its owner saying someone tried, with links to log in and to reset the
    password. The password is hashed either way (the same work, so about the same time).
    ``site_root`` makes the e-mails' links absolute (``core.links.site_root``)."""
    email = canonical_address(email)
    existing = User.objects.filter(email=email).first()
    if existing is None:
        try:
            user = sign_up(email, password, full_name)
        except Conflict:  # taken a moment ago
            existing = User.objects.filter(email=email).first()
        else:
            send_confirmation(user, site_root)
            return user
    make_password(password)
    if existing is not None:
        _tell_owner_of_sign_up(existing, site_root)
    return None
