"""Who hears of a new order: those who may read the event's orders
(``permissions.checks.users_who_may``), as the matrix says when the notification's task
runs. And the order's request itself sends nothing: no e-mail, no notification, no push
(nothing left to run after its commit); a worker does it all."""

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from notifications.models import Notification
from permissions import services as permission_services

pytestmark = pytest.mark.django_db


def place(api_client, shop, email="ada@example.com"):
    body = {"name": "Ada", "email": email, "lines": [{"ticket": shop.paid.pk, "quantity": 1}]}
    answer = api_client().post(f"/api/v1/events/{shop.pk}/orders/", body, format="json")
    assert answer.status_code == 201
    return answer.json()["code"]


def told(code):
    return set(
        Notification.objects.filter(action=Notification.Action.NEW_ORDER, title__contains=code).values_list(
            "user__email", flat=True
        )
    )


@pytest.fixture
def team(shop, organizer, user_with_role):
    return {
        "organizer": organizer,
        "coorganizer": user_with_role(shop, "coorganizer", email="co@example.com"),
        "track_organizer": user_with_role(shop, "track_organizer", email="track@example.com"),
        "moderator": user_with_role(shop, "moderator", email="mod@example.com"),
    }


def test_those_whose_role_may_read_orders_are_told_and_no_one_else(
    shop, team, api_client, run_tasks, make_user, admin_user, super_admin
):
    make_user("bystander@example.com")
    code = place(api_client, shop)
    run_tasks()
    assert told(code) == {team["organizer"].email, "co@example.com"}


def test_changing_the_matrix_changes_who_hears(shop, team, api_client, run_tasks, super_admin):
    permission_services.set_permission_matrix(
        {("moderator", "order"): {"read"}, ("coorganizer", "order"): set()}, actor=super_admin
    )
    code = place(api_client, shop)
    run_tasks()
    assert told(code) == {team["organizer"].email, "mod@example.com"}
    # Asked when the task runs: a change between the order and the worker counts.
    code = place(api_client, shop, email="bob@example.com")
    permission_services.set_permission_matrix({("moderator", "order"): set()}, actor=super_admin)
    run_tasks()
    assert told(code) == {team["organizer"].email}


def test_the_orders_request_sends_nothing_itself(
    shop, team, api_client, run_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as after_commit:
        code = place(api_client, shop)
    assert after_commit == []  # no push, no e-mail after the commit: nothing but rows
    assert mail.outbox == []
    assert told(code) == set()
    queued = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued == ["core.tasks.send_email", "orders.tasks.expire_order", "orders.tasks.notify_new_order"]
    run_tasks()
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]
    assert told(code) == {team["organizer"].email, "co@example.com"}
