"""Limits on orders, for the order form and the API alike, counted like the log-in limit
(``accounts.throttling``: the counts live in the cache, so every server process counts
together): ``EVENTDESK_ORDER_RATE`` (e.g. ``"30/min"``) per client address, whether
logged in or not, and as many again per account for logged-in buyers (an account used
from many addresses).

A client is counted as ``accounts.throttling.client_network`` counts it (an IPv6
address by its ``/64``). ``client_digest`` is what an order stores of it (``Order.client``)."""

import hashlib
import hmac

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.throttling import client_network
from core.cache import required_cache


def client_digest(request):
    """A keyed digest of the client's network (``client_network``), to store with an order
    instead of the address."""
    key = hashlib.sha256(f"eventdesk.orders.client:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, client_network(request).encode(), hashlib.sha256).hexdigest()


class OrderRateThrottle(SimpleRateThrottle):
    """``EVENTDESK_ORDER_RATE`` orders per client address (``client_network``), logged in
    or not."""

    scope = "order"
    # Counts every process shares, or none: the cache down, a 503 (core.cache.required).
    cache = required_cache

    def get_rate(self):
        return settings.EVENTDESK_ORDER_RATE

    def get_ident(self, request):
        return client_network(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AccountOrderRateThrottle(OrderRateThrottle):
    """``EVENTDESK_ORDER_RATE`` orders per account, for logged-in buyers."""

    scope = "order_account"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


def order_throttles():
    """The limits an order passes (the API's ``get_throttles``, the order form)."""
    return [OrderRateThrottle(), AccountOrderRateThrottle()]
