"""Limits on orders, for the order form and the API alike, counted like the log-in limit
(``accounts.throttling``: the counts live in the cache, so every server process counts
together): ``EVENTDESK_ORDER_RATE`` (e.g. ``"30/min"``) per client address, whether
logged in or not, and as many again per account for logged-in buyers (an account used
from many addresses).

A client's address is ``client_address``'s, taken to its network for IPv6 (``/64``:
one machine commonly has a whole ``/64``, and would otherwise count as billions of
clients). ``client_digest`` is what an order stores of it (``Order.client``)."""

import hashlib
import hmac
import ipaddress

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.throttling import client_address
from core.cache import required_cache


def client_network(request):
    """The client's address as counted: an IPv4 address, or an IPv6 address's ``/64``."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


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
