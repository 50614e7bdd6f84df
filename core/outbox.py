"""How the services send their e-mails (invitations, schedule changes, order confirmations).

- The subject is one line whatever the names in it hold (``core.validators.single_line``):
  names are single-line now, but rows stored before the rule may hold a line break, and
  Django refuses a header with one (``BadHeaderError``), so the mail would never go.
- A message that cannot be sent (the SMTP server down, an address it refuses) is logged,
  never raised: it tells of a change already stored, and its failure must not turn that
  change into a 500 (or, inside the transaction, undo it).
- Services never send in the request: ``send_later`` queues the e-mail as a background
  task (``core.tasks.send_email``) in the caller's transaction. The task exists only if
  the change commits (nobody is told of a change that was rolled back), and a worker
  sends it after that, so a slow or broken mail server never delays nor breaks a request.
"""

import logging

from django.core.mail import send_mail

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


def send_later(subject, body, recipients):
    """Queue a plain-text e-mail, sent by a worker once the current transaction commits.

    Call it inside the service's transaction: the task row is written in it."""
    from core.tasks import send_email  # core.tasks imports this module

    send_email.enqueue(single_line(subject), body, list(recipients))
