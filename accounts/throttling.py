"""A limit on log-in attempts per client address, for the log-in page and the API's
token endpoint alike. The counts live in the cache: with ``REDIS_URL`` set, Redis, so
every server process counts together."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class LoginRateThrottle(SimpleRateThrottle):
    """``EVENTDESK_LOGIN_RATE`` (e.g. ``"10/min"``) attempts per client address.

    The address is ``REMOTE_ADDR``, or behind nginx (``BEHIND_PROXY``) the one nginx
    appended to ``X-Forwarded-For`` (DRF's ``NUM_PROXIES``).
    """

    scope = "login"

    def get_rate(self):
        return settings.EVENTDESK_LOGIN_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
