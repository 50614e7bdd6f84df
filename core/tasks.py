"""Background tasks of core: sending an e-mail (queued by ``core.outbox.send_later``).

A task is a row of ``django_tasks_db`` written in the caller's transaction: it exists
exactly when the change that queued it committed, and a worker (``manage.py db_worker``)
runs it after that, outside any request. Arguments are JSON (strings, ids).
"""

from django_tasks import task

from core import outbox


@task()
def send_email(subject, body, recipients):
    """Send one plain-text e-mail; a failure is logged (``core.outbox.send``), never raised,
    so the task ends "successful" with ``False``: a mail server refusing an address is
    not retried for ever. Returns whether it went."""
    return outbox.send(subject, body, recipients)
