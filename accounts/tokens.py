"""API tokens, stored hashed: the verbs (``issue_token``, ``revoke_token``,
``revoke_tokens``) and the one way to find a token by its key (``token_for_key``).

A key is 160 random bits (40 hex digits, as DRF's were); only its SHA-256 digest is
stored (``ApiToken.digest``). Whoever reads the database, an admin page or a backup
learns who holds a token and since when, never a key that works. The key is in one
answer only, the one that made it. No salt and no slow hash: those protect guessable
passwords; a random 160-bit key cannot be guessed, so a plain digest suffices (as GitHub
and django-rest-knox do) and a request costs one indexed lookup.
"""

import hashlib
import hmac
import secrets

from django.db import transaction

from accounts.models import ApiToken, User
from accounts.services import TOKEN_ISSUED, TOKEN_REVOKED, record

#: Longer than any key this server makes or made: refused before it is hashed.
MAX_KEY_LENGTH = 100


def digest_of(key):
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_token(user):
    """A new token for ``user``, returned as ``(token, key)``: the key exists nowhere
    else, so the caller hands it to the user and forgets it. A user holds at most
    ``ApiToken.MAX_PER_USER`` (one per device, say); a new one beyond revokes the oldest.
    Logged as issued by ``user`` (never its key nor its digest)."""
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(user=user, digest=digest_of(key))
    keep = ApiToken.objects.filter(user=user).order_by("-created", "-id").values_list("pk", flat=True)
    ApiToken.objects.filter(user=user).exclude(pk__in=list(keep[: ApiToken.MAX_PER_USER])).delete()
    record(user, TOKEN_ISSUED, actor=user, obj=token)
    return token, key


def token_for_key(key):
    """The token whose key is ``key`` (its user loaded), or None. Looked up by digest:
    the index compares digests, not keys, so the time it takes says nothing about how
    close a guess came; the digest is compared once more in constant time."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        return None
    digest = digest_of(key)
    token = ApiToken.objects.select_related("user").filter(digest=digest).first()
    if token is None or not hmac.compare_digest(token.digest, digest):
        return None
    return token


@transaction.atomic
def revoke_token(token, *, actor):
    """Revoke one token (the one a request came with: logging one device out; the super
    admin's deletion). Logged as done by ``actor`` if it still existed."""
    if ApiToken.objects.filter(pk=token.pk).delete()[0]:
        record(token.user, TOKEN_REVOKED, actor=actor, obj=token)


@transaction.atomic
def revoke_tokens(user_or_id, *, actor=None, log=True):
    """Revoke every token of a user (a session's "log out everywhere"; a new password or a
    deactivated account, whose own entry says why: ``log=False``). Logged as done by ``actor``."""
    user_id = getattr(user_or_id, "pk", user_or_id)
    revoked = ApiToken.objects.filter(user_id=user_id).delete()[0]
    if revoked and log:
        user = user_or_id if hasattr(user_or_id, "pk") else User.objects.get(pk=user_id)
        record(user, TOKEN_REVOKED, actor=actor, changes={"count": [revoked, 0]})
