"""A mail server that accepts the connection and never answers holds whoever sends for
EMAIL_TIMEOUT seconds at most (Django's SMTP backend waits for ever without one): the
worker that sends the e-mails gives up on it, logs it (``core.outbox``) and goes on with
the other tasks in the queue (expiry, notifications) instead of hanging on it for ever."""

import socket
import subprocess
import sys
import time

from tests.utils import BASE_DIR

SEND = (
    "import django; django.setup(); from core.outbox import send; "
    "print(send('Your order', 'Thank you.', ['ada@example.com']))"
)


def test_a_mail_server_that_never_answers_is_given_up_after_email_timeout():
    with socket.socket() as silent:  # listens (the kernel completes the handshake), never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        env = {
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "EMAIL_URL": f"smtp://127.0.0.1:{silent.getsockname()[1]}",
            "EMAIL_TIMEOUT": "1",
        }
        started = time.monotonic()
        out = subprocess.run(
            [sys.executable, "-c", SEND], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=30
        )
        took = time.monotonic() - started
    assert out.stdout.strip() == "False", out.stderr  # not sent, logged, not raised
    assert "Could not send the e-mail" in out.stderr
    assert took < 15


def test_production_waits_for_a_mail_server_twenty_seconds_by_default():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "EMAIL_URL": "smtp://mail.example.org",
    }
    show = "from django.conf import settings; print(settings.EMAIL_TIMEOUT)"
    out = subprocess.run(
        [sys.executable, "-c", show], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "20"
