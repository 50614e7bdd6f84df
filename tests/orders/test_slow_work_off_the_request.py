"""An order's e-mail and its organizers' notification leave the request (issue 21, item 3):
the order request writes the order and queues two tasks, nothing more; a mail server
that hangs or fails delays (or loses) the e-mail, never the order. Only the worker
(``run_tasks``, the worker's own code) talks to the mail server and pushes."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications.models import Notification
from orders.models import Order
from tests.mail_backends import HangingBackend
from tests.notifications.test_services import Sockets

pytestmark = pytest.mark.django_db


def url(event):
    return f"/api/v1/events/{event.pk}/orders/"


def body(ticket, email="ada@example.com"):
    return {"name": "Ada", "email": email, "lines": [{"ticket": ticket.pk, "quantity": 1}]}


@pytest.fixture
def hanging_mail(settings):
    """A mail server that would hold whoever sends for 10 s: a request that sent would
    answer only after it (and the call counted)."""
    settings.EMAIL_BACKEND = "tests.mail_backends.HangingBackend"
    HangingBackend.calls = 0
    HangingBackend.release.clear()
    HangingBackend.timeout = 10
    yield HangingBackend
    HangingBackend.release.set()


@pytest.fixture
def sockets(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from channels.layers import get_channel_layer

    return Sockets(get_channel_layer())


def test_an_order_is_placed_while_the_mail_server_hangs_and_the_worker_sends_it(
    shop, api_client, hanging_mail, mailoutbox, run_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client().post(url(shop), body(shop.paid), format="json")
    assert answer.status_code == 201, answer.content
    order = Order.objects.get()
    assert answer.json()["code"] == order.code
    # The request never called the mail server: the e-mail waits in the queue.
    assert hanging_mail.calls == 0
    assert mailoutbox == []
    [queued] = DBTaskResult.objects.filter(task_path="core.tasks.send_email")
    assert queued.args_kwargs["args"][2] == ["ada@example.com"]

    # The worker sends it: the mail server answers after its hang (here a short one).
    hanging_mail.timeout = 0.2
    run_tasks()
    assert hanging_mail.calls == 1
    [mail] = mailoutbox
    assert order.code in mail.subject
    queued.refresh_from_db()
    assert (queued.status, queued.return_value) == ("SUCCESSFUL", True)


def test_a_mail_server_that_is_down_delays_the_e_mail_in_the_worker_never_the_order(
    shop, api_client, settings, mailoutbox, run_tasks, caplog
):
    settings.EMAIL_BACKEND = "tests.mail_backends.FailingBackend"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        answer = api_client().post(url(shop), body(shop.paid), format="json")
        assert answer.status_code == 201
        run_tasks()
        assert Order.objects.filter(code=answer.json()["code"]).exists()
        first = DBTaskResult.objects.get(task_path="core.tasks.send_email", status="SUCCESSFUL")
        assert first.return_value is False
        assert "Could not send the e-mail" in caplog.text

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # back a minute later
        clock.shift(timedelta(seconds=61))
        run_tasks()
    [mail] = mailoutbox
    assert answer.json()["code"] in mail.subject


def test_the_order_request_sends_no_e_mail_and_no_push_and_writes_no_notification(
    shop, organizer, api_client, hanging_mail, sockets, run_tasks, django_capture_on_commit_callbacks
):
    sockets.listen(organizer)
    # Whatever the request would do after its commit runs here (on_commit callbacks).
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        answer = api_client().post(url(shop), body(shop.paid), format="json")
    assert answer.status_code == 201
    assert hanging_mail.calls == 0  # no e-mail
    assert sockets.heard(organizer) == []  # no push (a real in-memory channel layer)
    inserts = [query["sql"].lower() for query in queries.captured_queries if query["sql"].lower().startswith("insert")]
    assert not [sql for sql in inserts if Notification._meta.db_table in sql]
    tasks = [sql for sql in inserts if DBTaskResult._meta.db_table.lower() in sql]
    assert len(tasks) >= 2  # the e-mail and the notification (and the order's expiry), queued with the order
    assert not Notification.objects.exists()

    # The worker does both: the buyer's e-mail, the organizer's notification and push.
    hanging_mail.timeout = 0
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    assert hanging_mail.calls == 1
    assert Notification.objects.filter(user=organizer, action="New order").count() == 1
    [push] = sockets.heard(organizer)
    assert push["notif_count"] == 1


def test_the_order_requests_queries_do_not_grow_with_its_lines(shop, api_client, hanging_mail):
    """The e-mail's lines (queued in the order's transaction, which holds the event's lock)
    are read with their tickets in one query, not one per line."""

    def queries_to_place(*tickets, email):
        lines = [{"ticket": ticket.pk, "quantity": 1} for ticket in tickets]
        with CaptureQueriesContext(connection) as queries:
            answer = api_client().post(url(shop), {"name": "Ada", "email": email, "lines": lines}, format="json")
        assert answer.status_code == 201, answer.content
        return len(queries.captured_queries)

    queries_to_place(shop.paid, email="warm@example.com")  # the first request's one-off reads
    one_line = queries_to_place(shop.paid, email="ada@example.com")
    two_lines = queries_to_place(shop.paid, shop.free, email="bob@example.com")
    assert two_lines == one_line
