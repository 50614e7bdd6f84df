"""E-mail plumbing.

- E-mail printed to the console (development's default, ``EMAIL_URL=consolemail://``),
  framed so that it stands out among the server's log lines: a ruled banner naming the
  recipients and the subject, the message, a closing rule.
- ``may_send(kind, recipient)``: a limit on mail of a kind to one mailbox per hour, for
  mail to addresses nobody has proven to own."""

import contextlib
import hashlib
import logging
from email import _header_value_parser as _header_parser
from email.errors import HeaderParseError

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.utils.encoding import punycode

from core.cache import CacheUnavailable, required_cache

logger = logging.getLogger(__name__)

RULE = "═" * 78


class FramedConsoleEmailBackend(ConsoleEmailBackend):
    def write_message(self, message):
        recipients = ", ".join(message.recipients())
        self.stream.write(f"\n{RULE}\n  ✉  E-MAIL to {recipients}\n  Subject: {message.subject}\n{RULE}\n")
        super().write_message(message)
        self.stream.write(f"{RULE}\n  (end of the e-mail to {recipients})\n{RULE}\n\n")


# --- how much mail one recipient gets --------------------------------------------------------

#: How long a recipient's count runs (``EVENTDESK_MAIL_PER_RECIPIENT_HOUR`` per period).
MAIL_PERIOD_SECONDS = 3600


def mailbox_of(address):
    """The mailbox an address reaches, as counted: the address as the mailer sends it
    (``django.core.mail.message.sanitize_address``: a quoted local part unquoted, the
    domain IDNA-encoded, which folds full-width and other compatibility forms), in lower
    case, without a ``+tag`` in its local part. ``Ada+1@Example.com``, ``"ada"@example.com``
    and ``ada@ｅｘａｍｐｌｅ.com`` all reach ``ada@example.com``."""
    text = (address or "").strip()
    try:
        mailbox, rest = _header_parser.get_mailbox(text)
        if rest or mailbox.local_part is None or not mailbox.domain:
            raise ValueError(text)
        local, domain = mailbox.local_part, mailbox.domain
    except (HeaderParseError, ValueError, IndexError):
        local, _, domain = text.rpartition("@")
    with contextlib.suppress(UnicodeError):  # a name IDNA cannot encode: counted as written
        domain = punycode(domain)
    local, domain = local.lower(), domain.lower().rstrip(".")
    return f"{local.split('+', 1)[0]}@{domain}" if local else domain


def may_send(kind, recipient, *, limit=None, required=False):
    """May a message of ``kind`` (a short word: ``"order"``, ``"signup"``) go to
    ``recipient`` now? Counts it if so.

    For mail to addresses nobody has proven to own (anyone can type anyone's address into
    a form): at most ``limit`` (default ``EVENTDESK_MAIL_PER_RECIPIENT_HOUR``) of a kind per
    mailbox (``mailbox_of``) per hour; past it, ``False`` and the caller does not send.
    The counts live in Django's cache (Redis when ``REDIS_URL`` is set, so every process
    counts together; ``core.cache.required_cache``); the key is a digest, never the
    address. If the cache cannot be reached, ``False``: no count, no unbounded mail; with
    ``required`` (a caller that has stored nothing yet, and would otherwise tell its user
    that the limit is reached) ``core.cache.CacheUnavailable``, a 503 with ``Retry-After``.
    """
    limit = settings.EVENTDESK_MAIL_PER_RECIPIENT_HOUR if limit is None else limit
    if limit <= 0:
        return False
    digest = hashlib.sha256(mailbox_of(recipient).encode()).hexdigest()[:32]
    key = f"mail-to:{kind}:{digest}"
    try:
        required_cache.add(key, 0, MAIL_PERIOD_SECONDS)
        try:
            count = required_cache.incr(key)
        except ValueError:  # expired between the two calls: a new period
            required_cache.add(key, 1, MAIL_PERIOD_SECONDS)
            count = 1
    except CacheUnavailable:
        if required:
            raise
        # The outage itself is logged once (core.cache); this says what it cost.
        logger.warning("A %s e-mail not sent: the cache that counts them is out of reach", kind)
        return False
    except Exception:
        logger.exception("Could not count the mail to a recipient: not sent")
        return False
    return count <= limit
