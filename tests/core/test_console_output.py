"""What `make run` prints: each log line once, no line per websocket connect, e-mails
framed so they stand out."""

import io
import logging

from django.core import mail
from django.test import override_settings

from core.mail import FramedConsoleEmailBackend


def test_a_django_log_line_prints_once(settings):
    from django.utils.log import configure_logging

    stream = io.StringIO()
    try:
        with override_settings(DEBUG=True):
            configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
            root = logging.getLogger()
            handler = root.handlers[0]
            old_stream = handler.setStream(stream)
            logging.getLogger("django.channels.server").info("HTTP GET / 200")
            logging.getLogger("django.channels.server").info("WebSocket CONNECT %(path)s", {"path": "/ws/n/"})
            logging.getLogger("django.channels.server").info("WebSocket DISCONNECT %(path)s", {"path": "/ws/n/"})
            logging.getLogger("django.channels.server").info("WebSocket REJECT %(path)s", {"path": "/ws/n/"})
            logging.getLogger("django.request").warning("Not Found: /nothing/")
            handler.setStream(old_stream)
    finally:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    # Django's own "django" console handler writes to stderr: it must have none left.
    assert logging.getLogger("django").handlers == []
    lines = stream.getvalue().splitlines()
    assert lines == ["HTTP GET / 200", "WebSocket REJECT /ws/n/", "Not Found: /nothing/"]


def test_console_e_mails_are_framed():
    stream = io.StringIO()
    backend = FramedConsoleEmailBackend(stream=stream)
    message = mail.EmailMessage("You are invited", "Follow the link.", "from@example.com", ["ada@example.com"])
    assert backend.send_messages([message]) == 1
    text = stream.getvalue()
    assert "✉  E-MAIL to ada@example.com\n  Subject: You are invited\n" in text
    assert "Follow the link." in text
    assert text.count("═" * 78) == 4


def test_the_default_console_backend_is_the_framed_one(monkeypatch):
    import importlib

    import config.settings

    monkeypatch.delenv("EMAIL_URL", raising=False)
    try:
        reloaded = importlib.reload(config.settings)
        assert reloaded.EMAIL_BACKEND == "core.mail.FramedConsoleEmailBackend"
    finally:
        importlib.reload(config.settings)
