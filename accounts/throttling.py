"""A limit on log-in attempts per client address, for the log-in page and the API's
token endpoint alike. The counts live in the cache: with ``REDIS_URL`` set, Redis, so
every server process counts together; with Redis unreachable, what they limit answers
503 with ``Retry-After`` (``core.cache.required_cache``), since a count kept apart by each
process would let through as many attempts as there are processes."""

import ipaddress

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.cache import required_cache


def client_address(request):
    """The address of the client that sent ``request``: the one thing to count per client.

    Without a proxy (``BEHIND_PROXY`` false) it is the socket's address, ``REMOTE_ADDR``;
    an ``X-Forwarded-For`` header is the client's own words and counts for nothing.
    Behind nginx (``BEHIND_PROXY``) it is the last ``X-Forwarded-For`` entry, the one
    nginx appended (``$proxy_add_x_forwarded_for``); whatever the client put before it
    is ignored. (Not ``REMOTE_ADDR`` there: daphne's ``--proxy-headers`` fills it from the
    *first* entry, which the client chooses.)
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY:
        appended = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(appended))
        except ValueError:  # not through nginx (no header, or not an address): the socket's
            pass
    return remote_addr


def client_network(request):
    """The client as the limits count it: its IPv4 address, or its IPv6 address's ``/64``
    (one machine commonly holds a whole ``/64``, and would otherwise count as billions of
    clients); an IPv4 address mapped into IPv6 counts as itself."""
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


class LoginRateThrottle(SimpleRateThrottle):
    """``EVENTDESK_LOGIN_RATE`` (e.g. ``"10/min"``) attempts per client (``client_network``)."""

    scope = "login"
    # Counts every process shares, or none: the cache down, a 503 (core.cache.required).
    cache = required_cache

    def get_rate(self):
        return settings.EVENTDESK_LOGIN_RATE

    def get_ident(self, request):
        return client_network(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PasswordResetRateThrottle(LoginRateThrottle):
    """Password-reset requests (each sends an e-mail), counted apart from log-ins at the
    same rate."""

    scope = "password_reset"


class SignUpRateThrottle(LoginRateThrottle):
    """Sign-ups (each makes an account or sends an e-mail): ``EVENTDESK_SIGNUP_RATE``
    (e.g. ``"20/hour"``) per client address, counted like log-ins."""

    scope = "signup"

    def get_rate(self):
        return settings.EVENTDESK_SIGNUP_RATE
