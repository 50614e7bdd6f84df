"""Logging pieces named in settings.LOGGING."""

import logging


class QuietWebsockets(logging.Filter):
    """Drops the development server's line for every websocket handshake, connect and
    disconnect (each open page's bell makes them): they buried everything else. Refused
    sockets and HTTP requests are still logged."""

    CHATTER = ("WebSocket HANDSHAKING", "WebSocket CONNECT", "WebSocket DISCONNECT")

    def filter(self, record):
        return not (record.levelno < logging.WARNING and str(record.msg).startswith(self.CHATTER))


class Chosen503s(logging.Filter):
    """Drops Django's "Service Unavailable" record (``django.request``) of every 503:
    here a 503 is always an answer the code chose, with ``Retry-After``, for something
    out of reach for a moment (a database or Redis outage, logged once where it was met:
    ``core.unavailable``, ``core.cache``, /healthz's ``_check``; image decoders all busy),
    and one line per request would bury the outage's own. Errors (500) are logged as
    Django logs them."""

    def filter(self, record):
        return getattr(record, "status_code", None) != 503


class ChannelLayerOutage(logging.Filter):
    """channels_redis's receive loop logs a traceback every second while Redis cannot be
    reached ("Unexpected exception in receive task"), for as long as the outage lasts:
    one warning instead (``core.unavailable.channel_layer``, logged again only once a
    socket got through). Other exceptions of the loop are logged as they are."""

    MESSAGE = "Unexpected exception in receive task"

    def filter(self, record):
        if record.msg != self.MESSAGE or not record.exc_info:
            return True
        from core.cache import CACHE_ERRORS  # noqa: PLC0415 (logging is set up before the apps)
        from core.unavailable import channel_layer  # noqa: PLC0415

        error = record.exc_info[1]
        if not isinstance(error, CACHE_ERRORS):
            return True
        channel_layer.failed(error)
        return False
