"""Sessions end with the password they were opened with, and with the user.

- A new password ends every other session of the user and revokes their API tokens;
  the session that changed it (the password page, or an admin changing their own)
  goes on, ``update_session_auth_hash`` giving it a new key.
- Deactivating or deleting a user ends all of their sessions (and the tokens).

However the change is made (the password page, the admin, a shell), it is seen here,
on the user's save or delete, and acted on once the transaction commits. Bulk
``update()`` calls send no signals: use ``save()`` for these fields.
"""

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_save, pre_delete, pre_save

from accounts import sessions, tokens
from accounts.models import User

WATCHED_FIELDS = {"password", "is_active"}


def remember_old_credentials(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._ended_sessions = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not WATCHED_FIELDS.intersection(update_fields):
        return  # e.g. last_login at every log-in: no query
    old = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        return
    if old["is_active"] and not instance.is_active:
        instance._ended_sessions = "all"
    elif old["password"] != instance.password:
        instance._ended_sessions = "others"


def end_sessions_after_save(sender, instance, raw=False, **kwargs):
    ended = getattr(instance, "_ended_sessions", None)
    instance._ended_sessions = None
    if ended is None:
        return
    user_id = instance.pk
    keep = sessions.current_session_of(user_id) if ended == "others" else None
    transaction.on_commit(lambda: _end(user_id, keep))


def end_sessions_on_delete(sender, instance, **kwargs):
    user_id = instance.pk
    transaction.on_commit(lambda: sessions.end_sessions(user_id))


def _end(user_id, keep):
    tokens.revoke_tokens(user_id, log=False)  # the password's or deactivation's entry says why
    sessions.end_sessions(user_id, keep=keep)


def start_session(sender, request, user, **kwargs):
    sessions.new_session_id(request)


def connect():
    pre_save.connect(remember_old_credentials, sender=User, dispatch_uid="accounts.remember_old_credentials")
    post_save.connect(end_sessions_after_save, sender=User, dispatch_uid="accounts.end_sessions_after_save")
    pre_delete.connect(end_sessions_on_delete, sender=User, dispatch_uid="accounts.end_sessions_on_delete")
    user_logged_in.connect(start_session, dispatch_uid="accounts.start_session")
