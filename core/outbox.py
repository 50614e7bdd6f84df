"""How the services send their e-mails (invitations, schedule changes, order confirmations).

- The subject is one line whatever the names in it hold (``core.validators.single_line``):
  names are single-line now, but rows stored before the rule may hold a line break, and
  Django refuses a header with one (``BadHeaderError``), so the mail would never go.
- A message that cannot be sent (the SMTP server down, an address it refuses) is logged,
  never raised: it tells of a change already stored, and its failure must not turn that
  change into a 500 (or, inside the transaction, undo it). ``send_on_commit`` sends once
  the change commits, so nobody is told of a change that was rolled back.
"""

import logging

from django.core.mail import send_mail
from django.db import transaction

from core.validators import single_line

logger = logging.getLogger(__name__)


def send(subject, body, recipients):
    """Send a plain-text e-mail now; ``True`` if it went, ``False`` (logged) if not."""
    try:
        send_mail(single_line(subject), body, None, list(recipients))
    except Exception:
        logger.exception("Could not send the e-mail %r to %d recipient(s)", single_line(subject), len(recipients))
        return False
    return True


def send_on_commit(subject, body, recipients):
    """Send a plain-text e-mail once the current transaction commits (at once outside one)."""
    recipients = list(recipients)
    transaction.on_commit(lambda: send(subject, body, recipients))
