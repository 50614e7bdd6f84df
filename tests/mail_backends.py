"""E-mail backends for tests: a mail server that is down, one that refuses an address for
good, and one that hangs."""

import smtplib
import threading

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FailingBackend(BaseEmailBackend):
    """A mail server that is down: every send raises."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every recipient for good (550)."""

    def send_messages(self, email_messages):
        refused = {address: (550, b"5.1.1 no such user") for message in email_messages for address in message.to}
        raise smtplib.SMTPRecipientsRefused(refused)


class HangingBackend(LocmemBackend):
    """A mail server that does not answer: ``send_messages`` blocks until ``release`` is
    set (or ``timeout`` seconds pass), then delivers to ``mail.outbox`` like locmem.
    ``calls`` counts the calls, from any thread."""

    release = threading.Event()
    timeout = 30
    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        type(self).release.wait(self.timeout)
        return super().send_messages(email_messages)
