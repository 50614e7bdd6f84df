"""Verbs on notifications: the one way to create them, and to change their read state.

The database is the truth and the websocket only a hint (docs/architecture.md, "Real time"): every
change is saved first, and the user's sockets are told after the transaction commits,
with the unread count read back from the database at that moment.
"""

import asyncio
import functools
import json
import logging

import nh3
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.html import conditional_escape

from core.cache import CACHE_ERRORS
from notifications.models import Notification

logger = logging.getLogger(__name__)

#: How many of the newest unread notifications a push (and the navbar dropdown) carries.
LATEST_UNREAD = 10
#: Users whose payloads are read with one pair of queries; group sends in flight at once.
PAYLOAD_CHUNK = 500
SEND_CONCURRENCY = 100

NEW_NOTIFICATIONS = "New notifications"
READ_STATE_CHANGED = "Notifications read"
CONNECTED = "WS connected"
REFRESHED = "Refreshed"  # the answer to a page that asked (notifications.consumers.REFRESH)

#: The HTML a notification message may hold: inline formatting, paragraphs, lists and
#: links to http(s), mailto or this site. Everything else (script, style, event handler
#: attributes, javascript: URLs, images) is removed by nh3.
MESSAGE_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "s", "small", "code", "pre", "p", "br", "ul", "ol", "li", "blockquote"}
)
MESSAGE_ATTRIBUTES = {"a": {"href", "title"}}
MESSAGE_URL_SCHEMES = frozenset({"http", "https", "mailto"})


def message_html(message):
    """A message as the HTML to store: markup only where the server wrote it.

    A ``SafeString`` (built with ``format_html``, the people's data its escaped
    arguments, or ``mark_safe`` on the server's own text) is markup; anything else is
    text and escaped here, so a buyer's or inviter's name, an event's name or a title is
    shown as typed, never as a link or an image. Either way ``sanitize_message`` follows
    (defence in depth)."""
    return sanitize_message(conditional_escape("" if message is None else message))


def sanitize_message(html):
    """Return ``html`` with only the allowed tags, attributes and URL schemes left."""
    return nh3.clean(
        html or "",
        tags=set(MESSAGE_TAGS),
        attributes={tag: set(attrs) for tag, attrs in MESSAGE_ATTRIBUTES.items()},
        url_schemes=set(MESSAGE_URL_SCHEMES),
        link_rel="noopener noreferrer",
    )


ACTIONS = frozenset(Notification.Action.values)


def clean_action(action):
    """An action is what the notification is for: one of ``Notification.Action``."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}: one of {', '.join(Notification.Action.values)}.")
    return str(action)


def clean_link(link):
    """A link is a path on this site or an http(s) URL ("" for none); anything else is refused."""
    link = (link or "").strip()
    if not link:
        return ""
    if (link.startswith("/") and not link.startswith("//")) or link.startswith(("https://", "http://")):
        if len(link) > Notification._meta.get_field("link").max_length:
            raise ValueError("The link is too long.")
        return link
    raise ValueError("The link must be a path on this site (/...) or an http(s) URL.")


def _user_id(user_or_id):
    return user_or_id if isinstance(user_or_id, int) else user_or_id.pk


def group_name(user_or_id):
    """The channel-layer group that reaches every socket of one user."""
    return f"user_{_user_id(user_or_id)}"


# --- creating -----------------------------------------------------------------------


def _cleaned(action, title, message, link, awaits_answer, answer_by=None):
    """The stored fields of a notification (see ``notify``)."""
    title_max = Notification._meta.get_field("title").max_length
    link = clean_link(link)
    if awaits_answer and not link:
        raise ValueError("An invitation needs the link its answer is posted to.")
    if answer_by is not None and not awaits_answer:
        raise ValueError("Only an invitation has a time to answer by.")
    return {
        "action": clean_action(action),
        "link": link,
        "awaits_answer": bool(awaits_answer),
        "answer_by": answer_by,
        "title": str(title)[:title_max],
        "message": message_html(message),
    }


def notify(user, action, title, message, link="", *, awaits_answer=False, answer_by=None):
    """Tell ``user`` something: the one way to create a notification.

    ``action`` is what it is for, one of ``Notification.Action`` (its label, e.g.
    "Session schedule change"); ``title`` is plain text (stored as given, cut to its
    maximum length, escaped wherever it is shown); ``message`` is text, escaped here, or
    markup the server wrote (a ``SafeString``: ``format_html`` with the people's data as
    its arguments), sanitized here before it is stored (``message_html``); ``link`` is
    where it leads ("" for none; see ``clean_link``).
    Anything else raises ``ValueError`` and stores nothing.

    ``awaits_answer``: the notification is an invitation whose answer is posted to
    ``link`` (``answer=accept`` or ``answer=decline``); it offers Accept and Decline
    until the inviting app calls ``invitation_closed(link)``, or until ``answer_by`` (the
    invitation's expiry; None: none) has passed.

    The row is saved in the caller's transaction; after that transaction commits (never
    if it rolls back) the user's sockets receive a ``"New notifications"`` payload.
    """
    fields = _cleaned(action, title, message, link, awaits_answer, answer_by)
    notification = Notification.objects.create(user=user, **fields)
    push_on_commit(user.pk, NEW_NOTIFICATIONS)
    return notification


def notify_many(users, action, title, message, link=""):
    """``notify`` for many users (users or ids), as a background task: the fields are
    checked here (``ValueError``, nothing queued), and ``notifications.tasks.notify_many``
    is queued in the caller's transaction. A worker then creates the rows (one INSERT)
    and pushes to each user's sockets (``notify_many_now``), so a fan-out to hundreds
    never holds the request, and none happens for a change rolled back. Returns the
    queued task's result (None when ``users`` is empty).

    ``notify`` of one user stays in the request: one row and one push after the commit,
    which the user who acted often waits for (the bell of the same page)."""
    fields = _cleaned(action, title, message, link, False)
    user_ids = list(dict.fromkeys(_user_id(user) for user in users))
    if not user_ids:
        return None
    from notifications.tasks import notify_many as task  # notifications.tasks imports this module

    return task.enqueue(user_ids, fields)


def notify_many_now(users, action, title, message, link=""):
    """``notify`` for many users at once, here (one INSERT, one push per user after
    commit): what the task of ``notify_many`` runs, and what code already running in a
    worker calls. Users gone meanwhile (deleted) are left out. Returns the notifications."""
    return deliver_many([_user_id(user) for user in users], _cleaned(action, title, message, link, False))


def deliver_many(user_ids, fields):
    """Create the checked ``fields`` (``_cleaned``) for each of ``user_ids`` still there;
    push after the commit."""
    user_model = Notification._meta.get_field("user").related_model
    user_ids = list(user_model.objects.filter(pk__in=user_ids).values_list("pk", flat=True).order_by("pk"))
    notifications = Notification.objects.bulk_create([Notification(user_id=pk, **fields) for pk in user_ids])
    push_on_commit(user_ids, NEW_NOTIFICATIONS)
    return notifications


def invitation_closed(link):
    """The invitation answered at ``link`` was answered, withdrawn, replaced or deleted:
    its notifications stop offering Accept and Decline and are marked read, their
    ``version`` moves (their ETags and their lists' change), in the caller's transaction;
    each user's sockets hear of it after the commit. Returns how many changed."""
    if not link:
        return 0
    notifications = Notification.objects.filter(link=link, awaits_answer=True)
    user_ids = list(notifications.values_list("user_id", flat=True).distinct())
    changed = notifications.update(awaits_answer=False, has_read=True, version=F("version") + 1)
    if changed:
        push_on_commit(user_ids, READ_STATE_CHANGED)
    return changed


# --- read state ---------------------------------------------------------------------


def _unread(user_or_id):
    return Notification.objects.filter(user_id=_user_id(user_or_id), has_read=False)


def unread_count(user_or_id):
    return _unread(user_or_id).count()


def unread_summary(user_or_id):
    """``(unread count, newest unread)`` in one query: what the navbar bell and every push show.

    The newest unread (at most ``LATEST_UNREAD``, newest first) each carry the count of
    all unread (a window over the whole set, taken before the LIMIT); the
    (user, has_read, -received_at) index answers it.

    Every push runs it, so its SQL is built by the ORM once per database (``_summary_sql``)
    and run with the user's id: compiling this query took longer than running it.
    """
    sql, params = _summary_sql(Notification.objects.db)
    latest = list(Notification.objects.raw(sql, [_user_id(user_or_id) if p == _ANY_USER else p for p in params]))
    return (latest[0].unread_total if latest else 0), latest


_ANY_USER = -918273645  # stands for the user's id in the SQL built once


@functools.cache
def _summary_sql(alias):
    """The SQL and parameters of ``unread_summary`` for the database ``alias``, with
    ``_ANY_USER`` in place of the user's id."""
    newest = _unread(_ANY_USER).annotate(unread_total=Window(Count("id"))).order_by("-received_at", "-id")
    return newest.using(alias)[:LATEST_UNREAD].query.sql_with_params()


def mark_read(user, notification_id):
    """Mark one of ``user``'s notifications read and push the new count to their sockets.

    Raises ``Notification.DoesNotExist`` when ``user`` has no notification with that
    id (another user's counts as none). Returns whether it was unread before.
    """
    changed = _mark_read(user, pk=notification_id)
    if not changed and not Notification.objects.filter(user=user, pk=notification_id).exists():
        raise Notification.DoesNotExist(f"No notification {notification_id} for this user.")
    return bool(changed)


def mark_all_read(user):
    """Mark all of ``user``'s notifications read; push the new count. Returns how many changed."""
    return _mark_read(user)


def _mark_read(user, **lookups):
    """Mark read ``user``'s unread notifications matching ``lookups``; push the new count
    if any changed. Returns how many changed."""
    changed = _unread(user).filter(**lookups).update(has_read=True, version=F("version") + 1)
    if changed:
        push_on_commit(user.pk, READ_STATE_CHANGED)
    return changed


# --- what the sockets receive -------------------------------------------------------


def serialize(notification, mark_read_url=None):
    """One notification as the browser receives it."""
    return {
        "id": notification.pk,
        "title": notification.title,
        "message": notification.message,
        "action": notification.action,
        "link": notification.link,
        "awaits_answer": notification.is_open,
        "received_at": notification.received_at.isoformat(),
        "received_ago": notification.received_ago,
        "mark_read": (mark_read_url or _mark_read_urls())(notification.pk),
    }


def _mark_read_urls():
    """``pk -> URL`` for marking read, reversing the route once rather than per notification
    (``reverse`` is most of the time it takes to build a push)."""
    marker = 918273645
    pattern = reverse("notifications:mark_read", args=[marker])
    before, after = pattern.split(str(marker))
    return lambda pk: f"{before}{pk}{after}"


def build_payload(user_or_id, meta):
    """The message a socket receives: the unread count and the newest unread, from the DB.

    Used for the first message of every connection (``CONNECTED``) and for every push,
    so what a page shows after a (re)connect is the stored truth.
    """
    user_id = _user_id(user_or_id)
    return build_payloads([user_id], meta)[user_id]


def build_payloads(user_ids, meta):
    """``build_payload`` for many users: two queries per chunk of users, not two per user."""
    payloads, mark_read_url = {}, _mark_read_urls()
    for start in range(0, len(user_ids), PAYLOAD_CHUNK):
        chunk = user_ids[start : start + PAYLOAD_CHUNK]
        if len(chunk) == 1:  # the common case (every push to one user), in one query
            count, latest = unread_summary(chunk[0])
            counts = {chunk[0]: count}
        else:
            unread = Notification.objects.filter(user_id__in=chunk, has_read=False)
            counts = dict(unread.values_list("user_id").annotate(count=Count("id")).order_by())
            newest_first = Window(
                RowNumber(), partition_by=F("user_id"), order_by=[F("received_at").desc(), F("id").desc()]
            )
            latest = (
                unread.annotate(rank=newest_first)
                .filter(rank__lte=LATEST_UNREAD)
                .order_by("user_id", "-received_at", "-id")
            )
        for user_id in chunk:
            payloads[user_id] = {"meta": meta, "notif_count": counts.get(user_id, 0), "notifs": []}
        for notification in latest:
            payloads[notification.user_id]["notifs"].append(serialize(notification, mark_read_url))
    return payloads


def push_on_commit(user_ids, meta):
    """After the current transaction commits, send each user's sockets a fresh payload.

    A failing channel layer is logged, never raised: the change is already committed
    and the socket is only a hint (the next connect sends the truth).
    """
    user_ids = [user_ids] if isinstance(user_ids, int) else list(dict.fromkeys(user_ids))
    transaction.on_commit(lambda: push(user_ids, meta), robust=True)


def push(user_ids, meta):
    """Send each user's sockets a payload built now (call after commit; see ``push_on_commit``)."""
    layer = get_channel_layer()
    if layer is None:
        return
    payloads = build_payloads(user_ids, meta)
    messages = [(group_name(user_id), encode(payload)) for user_id, payload in payloads.items()]
    try:
        async_to_sync(_group_send_all)(layer, messages)
    except CACHE_ERRORS as error:  # Redis down: the rows are stored; sockets catch up on connect
        if not _pushes.failing:  # once per outage, not for every change meanwhile
            _pushes.failing = True
            logger.warning("Could not push to the sockets of %d users (channel layer: %s)", len(messages), error)
        return
    if _pushes.failing:
        _pushes.failing = False
        logger.warning("Pushes reach the channel layer again.")


class _Pushes:
    """Whether this process's last push failed (its warning is said once per outage)."""

    failing = False


_pushes = _Pushes()


def close_sockets_of_session(user, session_id):
    """Close the sockets opened with this session (it logged out); the user's other
    sessions keep theirs. ``session_id``: ``accounts.sessions.session_id``."""
    if session_id:
        _tell_sockets(user, {"type": "notifications.logout", "session": session_id})


def close_sockets_of_user(user, keep=None):
    """Close every socket of the user, except those of the session ``keep`` (a session
    id, or None): their other sessions ended (a new password, or deactivated)."""
    _tell_sockets(user, {"type": "notifications.sessions_ended", "keep": keep})


def _tell_sockets(user, message):
    """A failing channel layer is logged, never raised."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(user), message)
    except CACHE_ERRORS as error:
        logger.warning("Could not tell the sockets of user %s that their session ended: %s", _user_id(user), error)
    except Exception:
        logger.exception("could not tell the sockets of user %s that their session ended", _user_id(user))


def session_is_live(session):
    """Is the session a socket was opened with still in the session store? (It may have
    ended between the socket's log-in and its joining the user's group.)"""
    if session is None or not hasattr(session, "get_model_class"):
        return True  # no session, or not a database one: nothing to ask
    return session.session_key is not None and session.exists(session.session_key)


def encode(payload):
    """A payload as the text every socket of its user sends as is: encoded once per push
    here, not once per socket by each consumer (``consumers.NotificationConsumer``)."""
    return json.dumps(payload, separators=(",", ":"))


def push_message(text):
    """The channel-layer message of a push (``text``: ``encode(payload)``)."""
    return {"type": "notifications.push", "text": text}


async def _group_send_all(layer, messages):
    """``messages``: (group, text) pairs. One user's push, the common case, is one
    ``group_send`` awaited here (no task to gather)."""
    if len(messages) == 1:
        group, text = messages[0]
        await layer.group_send(group, push_message(text))
        return
    for start in range(0, len(messages), SEND_CONCURRENCY):
        await asyncio.gather(
            *(
                layer.group_send(group, push_message(text))
                for group, text in messages[start : start + SEND_CONCURRENCY]
            )
        )
