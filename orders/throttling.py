"""A limit on anonymous orders per client address (``EVENTDESK_ORDER_RATE``, e.g.
``"30/min"``), for the order form and the API alike, counted like the log-in limit
(``accounts.throttling``: the address is ``client_address``'s, the counts live in the
cache, so every server process counts together). Logged-in buyers are not limited."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.throttling import client_address


class OrderRateThrottle(SimpleRateThrottle):
    scope = "order"

    def get_rate(self):
        return settings.EVENTDESK_ORDER_RATE

    def get_ident(self, request):
        return client_address(request)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None  # not limited
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
