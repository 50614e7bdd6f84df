"""Background tasks of core: sending an e-mail (queued by ``core.outbox.send_later``).

A task is a row of ``django_tasks_db`` written in the caller's transaction: it exists
exactly when the change that queued it committed, and a worker (``manage.py db_worker``)
runs it after that, outside any request. Arguments are JSON (strings, ids).
"""

import logging
from datetime import timedelta

from django.dispatch import receiver
from django.utils import timezone
from django_tasks import task
from django_tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult

from core import outbox

logger = logging.getLogger(__name__)


@task()
def send_email(subject, body, recipients, attempt=0):
    """Send one plain-text e-mail; returns whether it went. A failure is logged, never
    raised, so the task ends "successful" with ``False``. One that may pass
    (``outbox.is_transient``: the server down or silent, a 4xx) queues the next try,
    after the ``attempt``-th wait of ``outbox.RETRY_AFTER``; past the last, or on a final
    refusal, the e-mail is given up."""
    try:
        outbox.deliver(subject, body, recipients)
    except Exception as error:
        if outbox.is_transient(error) and attempt < len(outbox.RETRY_AFTER):
            wait = outbox.RETRY_AFTER[attempt]
            logger.warning(
                "Could not send the e-mail %r (%s); trying again in %d s", subject, type(error).__name__, wait
            )
            send_email.using(run_after=timezone.now() + timedelta(seconds=wait)).enqueue(
                subject, body, recipients, attempt + 1
            )
        else:
            logger.exception("Could not send the e-mail %r to %d recipient(s); given up", subject, len(recipients))
        return False
    return True


@receiver(task_finished)
def forget_the_message(sender, task_result, **kwargs):
    """A finished e-mail task keeps its row (status, times) but not its message: the body
    holds links that open things (a password reset, an invitation, an order), and the row
    outlives them in the database and its backups until it is pruned. A next try carries
    the message in its own row."""
    if getattr(task_result.task, "module_path", None) == send_email.module_path:
        DBTaskResult.objects.filter(pk=task_result.id).update(args_kwargs={"args": [], "kwargs": {}})
