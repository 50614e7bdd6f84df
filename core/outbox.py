"""How the services send their e-mails (invitations, schedule changes, order confirmations).

- The subject is one line whatever the names in it hold (``core.validators.single_line``):
  names are single-line now, but rows stored before the rule may hold a line break, and
  Django refuses a header with one (``BadHeaderError``), so the mail would never go.
- A message that cannot be sent (the SMTP server down, an address it refuses) is logged,
  never raised: it tells of a change already stored, and its failure must not turn that
  change into a 500 (or, inside the transaction, undo it). The worker tries again later
  when the failure may pass (``is_transient``: the server out of reach, silent past
  ``EMAIL_TIMEOUT``, or answering 4xx), after the waits of ``RETRY_AFTER``; a final
  refusal (5xx) is logged once.
- Services never send in the request: ``send_later`` queues the e-mail as a background
  task (``core.tasks.send_email``) in the caller's transaction. The task exists only if
  the change commits (nobody is told of a change that was rolled back), and a worker
  sends it after that, so a slow or broken mail server never delays nor breaks a request.
"""

import logging
import smtplib

from django.core.mail import send_mail

from core.validators import single_line

logger = logging.getLogger(__name__)


#: Seconds to wait before each new try of an e-mail whose failure may pass: about two days
#: in all, then it is given up (logged).
RETRY_AFTER = (60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)


def deliver(subject, body, recipients):
    """Send a plain-text e-mail now; raises what the mail backend raises."""
    send_mail(single_line(subject), body, None, list(recipients))


def send(subject, body, recipients):
    """Send a plain-text e-mail now; ``True`` if it went, ``False`` (logged) if not."""
    try:
        deliver(subject, body, recipients)
    except Exception:
        logger.exception("Could not send the e-mail %r to %d recipient(s)", single_line(subject), len(recipients))
        return False
    return True


def is_transient(error):
    """Whether the mail server may take the message later: it was out of reach, said
    nothing within ``EMAIL_TIMEOUT``, hung up, or answered 4xx ("try again later"). A 5xx
    answer, and anything that is not the network's (a header Django refuses), is final."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, OSError)  # refused, reset, timed out, disconnected (smtplib's errors are OSErrors)


def send_later(subject, body, recipients):
    """Queue a plain-text e-mail, sent by a worker once the current transaction commits.

    Call it inside the service's transaction: the task row is written in it."""
    from core.tasks import send_email  # core.tasks imports this module

    send_email.enqueue(single_line(subject), body, list(recipients))
