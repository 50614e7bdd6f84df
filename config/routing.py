"""Websocket URL routes; each app contributes its own list."""

from notifications.routing import websocket_urlpatterns as notification_routes

websocket_urlpatterns = [
    *notification_routes,
]
