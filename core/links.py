"""Where the links in e-mails point.

A link in an e-mail is followed later, from the mailbox, by someone who trusts the message.
Building it from the request would let whoever sends the request choose where it points
(the ``Host`` header, or ``X-Forwarded-Host`` and ``-Port`` behind a proxy): a password
reset for someone else's address would mail them a link to the sender's server, token
included. So:

- ``SITE_URL`` set (production): every e-mailed link starts with it, whatever the request says.
- ``SITE_URL`` unset: the request's scheme and host, but only a host that ``ALLOWED_HOSTS``
  names as it is (an entry with a wildcard, ``*`` or ``.example.org``, names no host), with
  the port the request really came in on (the socket's, or the one nginx names in
  ``X-Forwarded-Port`` behind it); anything else is ``DisallowedHost``, which Django
  answers with 400 (and nothing is sent).
"""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http.request import split_domain_port

DEFAULT_PORTS = {"http": "80", "https": "443"}


def named_hosts():
    """The host names ``ALLOWED_HOSTS`` lists literally (lower case, no wildcard entry)."""
    return {host.lower().rstrip(".") for host in settings.ALLOWED_HOSTS if host and host != "*" and host[0] != "."}


def site_root(request=None):
    """``https://events.example.org`` (no trailing slash) to put before a path in an
    e-mail: ``SITE_URL`` when set; otherwise the request's own scheme and host when they
    may be trusted (module docstring), ``DisallowedHost`` when not; ``""`` with neither
    (the e-mail then says where to look)."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    if request is None:
        return ""
    host = request.get_host()  # Django's own ALLOWED_HOSTS check first (wildcards allowed)
    domain, port = split_domain_port(host)
    if not domain or domain not in named_hosts():
        raise DisallowedHost(
            f"E-mailed links are not made for the host {host!r}: set SITE_URL or name it in ALLOWED_HOSTS."
        )
    scheme = request.scheme
    real_port = str(request.get_port())
    if port and port != real_port:
        raise DisallowedHost(f"The host {host!r} names another port than the request came in on ({real_port}).")
    port = port or real_port
    return f"{scheme}://{domain}" if port == DEFAULT_PORTS.get(scheme) else f"{scheme}://{domain}:{port}"
