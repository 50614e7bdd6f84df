"""Websocket URL routes; each app contributes its own list."""

websocket_urlpatterns = []
