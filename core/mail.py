"""E-mail printed to the console (development's default, ``EMAIL_URL=consolemail://``),
framed so that it stands out among the server's log lines: a ruled banner naming the
recipients and the subject, the message, a closing rule."""

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

RULE = "═" * 78


class FramedConsoleEmailBackend(ConsoleEmailBackend):
    def write_message(self, message):
        recipients = ", ".join(message.recipients())
        self.stream.write(f"\n{RULE}\n  ✉  E-MAIL to {recipients}\n  Subject: {message.subject}\n{RULE}\n")
        super().write_message(message)
        self.stream.write(f"{RULE}\n  (end of the e-mail to {recipients})\n{RULE}\n\n")
