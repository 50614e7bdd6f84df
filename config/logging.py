"""Logging pieces named in settings.LOGGING."""

import logging


class QuietWebsockets(logging.Filter):
    """Drops the development server's line for every websocket handshake, connect and
    disconnect (each open page's bell makes them): they buried everything else. Refused
    sockets and HTTP requests are still logged."""

    CHATTER = ("WebSocket HANDSHAKING", "WebSocket CONNECT", "WebSocket DISCONNECT")

    def filter(self, record):
        return not (record.levelno < logging.WARNING and str(record.msg).startswith(self.CHATTER))
