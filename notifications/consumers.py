"""The websocket a page holds to hear of notifications (``/ws/notifications/``)."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications import services

#: Close code for a socket without a logged-in user (4000-4999: the application's own).
CLOSE_NOT_LOGGED_IN = 4401
CLOSE_LOGGED_OUT = 4402


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Joins the user's group and forwards its pushes; the browser only listens.

    An anonymous socket is closed before it is accepted. A logged-in one first
    receives the current unread count (and the newest unread) from the database, so
    the page never shows a count from before a disconnect.
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_LOGGED_IN)
            return
        self.group = services.group_name(user)
        # Join before reading the count: a push in between then arrives after the
        # first message instead of being lost.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(await database_sync_to_async(services.build_payload)(user, services.CONNECTED))

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Ignored, not even parsed: read state changes over HTTP (POST with CSRF)."""

    async def notifications_push(self, event):
        await self.send_json(event["payload"])

    async def notifications_logout(self, event):
        """The session this socket was opened with has logged out: stop listening."""
        session = self.scope.get("session")
        if session is not None and session.session_key == event["session_key"]:
            await self.close(code=CLOSE_LOGGED_OUT)
