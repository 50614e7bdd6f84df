"""Background tasks: an e-mail queued with core.outbox.send_later is a task row written in
the caller's transaction, sent only when a worker runs it."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from core.outbox import send_later
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


def test_a_mail_server_that_fails_is_logged_and_the_task_ends(db, settings, caplog):
    settings.EMAIL_BACKEND = "tests.mail_backends.FailingBackend"
    send_later("Hello", "The body", ["ada@example.com"])
    assert run_tasks() == 1
    row = DBTaskResult.objects.get()
    assert (row.status, row.return_value) == ("SUCCESSFUL", False)
    assert "Could not send the e-mail 'Hello'" in caplog.text
