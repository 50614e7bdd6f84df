"""Background tasks: an e-mail queued with core.outbox.send_later is a task row written in
the caller's transaction, sent only when a worker runs it."""

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.outbox import RETRY_AFTER, is_transient, send_later
from core.tasks import send_email
from tests.utils import run_tasks


def test_a_queued_e_mail_goes_out_only_when_the_worker_runs(db, mailoutbox):
    with transaction.atomic():
        send_later("Hello\nthere", "The body", ["ada@example.com"])
    assert mailoutbox == []
    [row] = DBTaskResult.objects.ready()
    assert row.task_path == "core.tasks.send_email"

    assert run_tasks() == 1
    [mail] = mailoutbox
    assert (mail.subject, mail.body, mail.to) == ("Hello there", "The body", ["ada@example.com"])
    row.refresh_from_db()
    assert (row.status, row.return_value) == ("SUCCESSFUL", True)
    assert run_tasks() == 0
    assert len(mailoutbox) == 1


def test_a_rolled_back_change_leaves_no_e_mail_task(db, mailoutbox):
    def change_that_fails():
        with transaction.atomic():
            send_later("Hello", "The body", ["ada@example.com"])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not DBTaskResult.objects.exists()
    assert run_tasks() == 0
    assert mailoutbox == []


def test_a_mail_server_that_is_down_delays_the_e_mail_until_it_is_back(db, settings, mailoutbox, caplog):
    settings.EMAIL_BACKEND = "tests.mail_backends.FailingBackend"
    with time_machine.travel("2026-12-08 10:00Z", tick=False) as clock:
        send_later("Hello", "The body", ["ada@example.com"])
        assert run_tasks() == 1
        first = DBTaskResult.objects.get(status="SUCCESSFUL")
        assert (first.status, first.return_value) == ("SUCCESSFUL", False)
        assert "trying again in 60 s" in caplog.text
        [retry] = DBTaskResult.objects.exclude(pk=first.pk)
        assert retry.run_after == timezone.now() + timedelta(seconds=RETRY_AFTER[0])
        assert run_tasks() == 0  # not before its time

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
        clock.shift(timedelta(seconds=RETRY_AFTER[0]))
        assert run_tasks() == 1
    [mail] = mailoutbox
    assert (mail.subject, mail.body, mail.to) == ("Hello", "The body", ["ada@example.com"])
    retry.refresh_from_db()
    assert (retry.status, retry.return_value) == ("SUCCESSFUL", True)


def test_an_e_mail_is_given_up_after_its_last_try(db, settings, caplog):
    settings.EMAIL_BACKEND = "tests.mail_backends.FailingBackend"
    send_email.enqueue("Hello", "The body", ["ada@example.com"], len(RETRY_AFTER))
    assert run_tasks() == 1
    assert DBTaskResult.objects.count() == 1  # no next try
    assert "given up" in caplog.text


def test_an_address_the_server_refuses_for_good_is_not_tried_again(db, settings, caplog):
    settings.EMAIL_BACKEND = "tests.mail_backends.RefusingBackend"
    send_later("Hello", "The body", ["nobody@example.com"])
    assert run_tasks() == 1
    row = DBTaskResult.objects.get()
    assert (row.status, row.return_value) == ("SUCCESSFUL", False)
    assert "given up" in caplog.text


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (smtplib.SMTPServerDisconnected(), True),
        (smtplib.SMTPDataError(451, b"try later"), True),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"busy")}), True),
        (smtplib.SMTPDataError(554, b"rejected"), False),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}), False),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),
        (ValueError("a header with a line break"), False),
    ],
)
def test_which_failures_may_pass(error, transient):
    assert is_transient(error) is transient


def test_a_sent_e_mail_leaves_no_message_in_the_database(db, mailoutbox):
    send_later("Your link", "https://example.com/reset/abc-secret", ["ada@example.com"])
    run_tasks()
    assert len(mailoutbox) == 1
    row = DBTaskResult.objects.get()
    assert row.status == "SUCCESSFUL"
    assert "abc-secret" not in str(row.args_kwargs)
