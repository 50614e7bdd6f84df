"""The websocket a page holds to hear of notifications (``/ws/notifications/``)."""

import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.sessions import session_id
from notifications import services

#: Close codes (4000-4999: the application's own), which the bell shows as "logged out"
#: and does not retry: a socket without a logged-in user, and a socket whose session
#: ended (logged out, a new password elsewhere, the user deactivated or deleted).
CLOSE_NOT_LOGGED_IN = 4401
CLOSE_LOGGED_OUT = 4402

#: The one message a page may send: "what is stored now?" (static/js/notifications.js
#: asks when its tab becomes visible and every 30 s while it is). It lets a notification
#: made in another process (``manage.py notify`` under ``make run``, whose in-memory
#: channel layer lives in the server's process only) reach the badge without a reload.
REFRESH = {"type": "refresh"}
#: Refreshes closer together than this are ignored: the answer is a database read.
MIN_REFRESH_SECONDS = 2.0
#: A longer message is not a refresh and is not even parsed.
MAX_MESSAGE_CHARS = 200


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Joins the user's group and forwards its pushes; the browser only listens, except
    to ask for the stored count (``REFRESH``).

    An anonymous socket is accepted and closed at once with ``CLOSE_NOT_LOGGED_IN``: a
    refused handshake reaches the page as a bare failure (code 1006), which the bell
    cannot tell from a network error, and would retry for ever. A logged-in one first
    receives the current unread count (and the newest unread) from the database, so
    the page never shows a count from before a disconnect.
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_NOT_LOGGED_IN)
            return
        self.session = session_id(self.scope.get("session"))
        self.user = user
        self.last_refresh = None
        self.group = services.group_name(user)
        # Join before reading the count: a push in between then arrives after the
        # first message instead of being lost.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        first = await database_sync_to_async(self.first_message)(user)
        if first is None:
            await self.session_ended()
            return
        await self.send_json(first)

    def first_message(self, user, meta=services.CONNECTED):
        # The session may have ended after it logged this socket in and before the
        # socket joined the group (so it missed the word to close): asked after joining.
        if not services.session_is_live(self.scope.get("session")):
            return None
        return services.build_payload(user, meta)

    async def disconnect(self, code):
        await self.leave_group()

    async def leave_group(self):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    async def session_ended(self):
        await self.leave_group()  # not one more push, even before the browser answers the close
        await self.close(code=CLOSE_LOGGED_OUT)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """``REFRESH`` is answered with the stored count (and the newest unread), or with
        the close of an ended session; at most once per ``MIN_REFRESH_SECONDS``. Anything
        else is ignored: read state changes over HTTP (POST with CSRF)."""
        if not getattr(self, "group", None) or not text_data or len(text_data) > MAX_MESSAGE_CHARS:
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            return
        if message != REFRESH:
            return
        now = time.monotonic()
        if self.last_refresh is not None and now - self.last_refresh < MIN_REFRESH_SECONDS:
            return
        self.last_refresh = now
        payload = await database_sync_to_async(self.first_message)(self.user, services.REFRESHED)
        if payload is None:
            await self.session_ended()
            return
        await self.send_json(payload)

    async def notifications_push(self, event):
        """A push: the payload comes encoded once for all the user's sockets
        (``services.push_message``). A process not yet updated (a rolling restart) sends
        it as a dict in ``payload``, as before step 14."""
        if "text" in event:
            await self.send(text_data=event["text"])
        else:
            await self.send_json(event["payload"])

    async def notifications_logout(self, event):
        """The session this socket was opened with has logged out: stop listening."""
        if self.session is not None and self.session == event["session"]:
            await self.session_ended()

    async def notifications_sessions_ended(self, event):
        """The user's sessions ended, all but ``keep`` (None: all): unless this socket's
        session is the one kept, stop listening."""
        if event["keep"] is None or self.session != event["keep"]:
            await self.session_ended()
