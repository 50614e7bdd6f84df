"""The websocket: who may connect, what it is sent first, and what reaches whom.

Every push is checked against the database: the count a socket is sent is the count
of unread notifications stored at that moment (the socket is a hint, the DB the truth).
"""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client
from django.utils.safestring import mark_safe

from config.asgi import application
from notifications import services
from notifications.consumers import NotificationConsumer
from notifications.models import Notification
from tests.utils import PASSWORD, assert_next_is_sentinel, socket_of_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

TIMEOUT = 3


async def connect(user):
    """An open socket of ``user``, after its first message (returned with it)."""
    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    first = await communicator.receive_json_from(timeout=TIMEOUT)
    return communicator, first


@database_sync_to_async
def stored_unread(user):
    return Notification.objects.filter(user=user, has_read=False).count()


notify = database_sync_to_async(services.notify)


async def test_an_anonymous_socket_is_accepted_then_closed_with_a_code_the_bell_knows():
    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected  # not an HTTP 403, which the bell could not tell from a network failure
    assert await communicator.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4401}


async def test_through_the_asgi_application_without_a_session_the_socket_is_closed_with_4401():
    communicator = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    assert await communicator.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4401}


async def test_an_expired_session_cookie_is_closed_with_4401(user):
    client = Client()
    assert await database_sync_to_async(client.login)(email=user.email, password=PASSWORD)
    await database_sync_to_async(Session.objects.all().delete)()  # the session expired
    communicator = socket_of_session(client)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    assert await communicator.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4401}


async def test_an_anonymous_socket_from_a_foreign_origin_is_still_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[(b"origin", b"https://evil.example"), (b"host", b"localhost")]
    )
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert not connected  # closed before being accepted: the server answers the handshake 403


async def test_through_the_asgi_application_the_session_cookie_logs_the_socket_in(user):
    client = Client()
    assert await database_sync_to_async(client.login)(email=user.email, password=PASSWORD)
    communicator = socket_of_session(client)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    assert await communicator.receive_json_from(timeout=TIMEOUT) == {
        "meta": "WS connected",
        "notif_count": 0,
        "notifs": [],
    }
    await communicator.disconnect()


async def test_the_first_message_is_the_stored_unread_count(user):
    for number in range(3):
        await notify(user, "Announcement", f"Old news {number}", "")
    first_read = await database_sync_to_async(Notification.objects.filter(user=user).first)()
    await database_sync_to_async(services.mark_read)(user, first_read.pk)

    communicator, first = await connect(user)

    assert first["meta"] == "WS connected"
    assert first["notif_count"] == 2 == await stored_unread(user)
    assert [notif["title"] for notif in first["notifs"]] == ["Old news 1", "Old news 0"]
    await communicator.disconnect()


async def test_notify_reaches_both_sockets_of_the_user_and_not_another_user(make_user):
    alice, bob = await database_sync_to_async(make_user)(), await database_sync_to_async(make_user)()
    alice_tab_1, _ = await connect(alice)
    alice_tab_2, _ = await connect(alice)
    bob_tab, _ = await connect(bob)

    notification = await notify(
        alice, "Announcement", "Track added", mark_safe("<b>Room 1</b> at 10:00"), link="/events/"
    )

    for tab in (alice_tab_1, alice_tab_2):
        pushed = await tab.receive_json_from(timeout=TIMEOUT)
        assert pushed["meta"] == "New notifications"
        assert pushed["notif_count"] == 1 == await stored_unread(alice)
        [notif] = pushed["notifs"]
        assert notif["id"] == notification.pk
        assert notif["title"] == "Track added"
        assert notif["message"] == "<b>Room 1</b> at 10:00"
        assert (notif["action"], notif["link"]) == ("Announcement", "/events/")
        assert notif["received_at"] == notification.received_at.isoformat()
        assert notif["received_ago"] in {"now", "a second ago"}
        assert notif["mark_read"] == f"/notifications/{notification.pk}/read/"
    await assert_next_is_sentinel(bob_tab, user=bob)
    for tab in (alice_tab_1, alice_tab_2, bob_tab):
        await tab.disconnect()


async def test_a_push_carries_at_most_the_ten_newest_unread(user):
    communicator, _ = await connect(user)
    for number in range(12):
        await notify(user, "Announcement", f"Notification {number}", "")
        last = await communicator.receive_json_from(timeout=TIMEOUT)
    assert last["notif_count"] == 12 == await stored_unread(user)
    assert [notif["title"] for notif in last["notifs"]] == [f"Notification {n}" for n in range(11, 1, -1)]
    await communicator.disconnect()


async def test_a_rolled_back_notify_sends_nothing(user):
    communicator, _ = await connect(user)

    class Rollback(Exception):
        pass

    @database_sync_to_async
    def notify_then_fail():
        with transaction.atomic():
            services.notify(user, "Announcement", "Never happened", "")
            raise Rollback

    with pytest.raises(Rollback):
        await notify_then_fail()

    await assert_next_is_sentinel(communicator, user=user)
    assert await stored_unread(user) == 0
    await communicator.disconnect()


async def test_notify_inside_a_transaction_is_sent_only_after_the_commit(user):
    communicator, _ = await connect(user)
    pushed_before_commit = []

    @database_sync_to_async
    def notify_in_transaction():
        with transaction.atomic():
            services.notify(user, "Announcement", "After commit", "")
            pushed_before_commit.append(len(transaction.get_connection().run_on_commit))

    await notify_in_transaction()
    assert pushed_before_commit == [1]  # queued, not sent, while the transaction was open
    pushed = await communicator.receive_json_from(timeout=TIMEOUT)
    assert pushed["notif_count"] == 1 == await stored_unread(user)
    await communicator.disconnect()


async def test_marking_read_pushes_the_new_count_to_every_socket(user):
    first_notification = await notify(user, "Announcement", "First", "")
    await notify(user, "Announcement", "Second", "")
    tab_1, first = await connect(user)
    tab_2, _ = await connect(user)
    assert first["notif_count"] == 2

    await database_sync_to_async(services.mark_read)(user, first_notification.pk)
    for tab in (tab_1, tab_2):
        pushed = await tab.receive_json_from(timeout=TIMEOUT)
        assert pushed["meta"] == "Notifications read"
        assert pushed["notif_count"] == 1 == await stored_unread(user)
        assert [notif["title"] for notif in pushed["notifs"]] == ["Second"]

    await database_sync_to_async(services.mark_all_read)(user)
    for tab in (tab_1, tab_2):
        pushed = await tab.receive_json_from(timeout=TIMEOUT)
        assert pushed == {"meta": "Notifications read", "notif_count": 0, "notifs": []}
        assert await stored_unread(user) == 0
        await tab.disconnect()


async def test_marking_an_already_read_notification_pushes_nothing(user):
    notification = await notify(user, "Announcement", "Once", "")
    await database_sync_to_async(services.mark_read)(user, notification.pk)
    communicator, first = await connect(user)
    assert first["notif_count"] == 0

    assert await database_sync_to_async(services.mark_read)(user, notification.pk) is False
    await assert_next_is_sentinel(communicator, user=user)
    await communicator.disconnect()


async def test_what_the_browser_sends_is_ignored(user):
    communicator, _ = await connect(user)
    # One message at a time: the consumer handles the socket's input before the group's.
    await communicator.send_to(text_data="not even json")
    await assert_next_is_sentinel(communicator, user=user)
    await communicator.send_json_to({"meta": "mark everything read"})
    await assert_next_is_sentinel(communicator, user=user)
    assert await stored_unread(user) == 0
    await communicator.disconnect()


@database_sync_to_async
def store_without_push(user, title):
    """A notification saved by another process (``manage.py notify`` under ``make run``):
    its push went to that process's own in-memory channel layer, not to this socket."""
    return Notification.objects.create(user=user, action="Announcement", title=title)


async def test_a_refresh_is_answered_with_the_stored_count(user):
    communicator, first = await connect(user)
    assert first["notif_count"] == 0
    await store_without_push(user, "From the command line")

    await communicator.send_json_to({"type": "refresh"})
    answer = await communicator.receive_json_from(timeout=TIMEOUT)
    assert (answer["meta"], answer["notif_count"]) == (services.REFRESHED, 1)
    assert [notif["title"] for notif in answer["notifs"]] == ["From the command line"]

    # At once again: ignored (each answer is a database read).
    await communicator.send_json_to({"type": "refresh"})
    await assert_next_is_sentinel(communicator, user=user)
    await communicator.disconnect()


async def test_a_refresh_after_the_session_ended_closes_the_socket(user):
    client = Client()
    assert await database_sync_to_async(client.login)(email=user.email, password=PASSWORD)
    communicator = socket_of_session(client)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    await communicator.receive_json_from(timeout=TIMEOUT)
    # Ended in another process (its word to close went to another channel layer).
    await database_sync_to_async(Session.objects.all().delete)()

    await communicator.send_json_to({"type": "refresh"})
    assert await communicator.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4402}


async def test_logging_out_closes_that_sessions_sockets_only(user):
    sessions = [Client(), Client()]
    for client in sessions:
        assert await database_sync_to_async(client.login)(email=user.email, password=PASSWORD)
    sockets = []
    for client in sessions:
        communicator = socket_of_session(client)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        await communicator.receive_json_from(timeout=TIMEOUT)
        sockets.append(communicator)

    response = await database_sync_to_async(sessions[0].post)("/accounts/logout/")
    assert response.status_code == 302

    assert await sockets[0].receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4402}
    await assert_next_is_sentinel(sockets[1], user=user)
    await notify(user, "Announcement", "Still here", "")
    assert (await sockets[1].receive_json_from(timeout=TIMEOUT))["notif_count"] == 1
    await sockets[1].disconnect()


async def test_a_push_in_the_shape_of_a_process_not_yet_updated_still_reaches_the_socket(user):
    """During a rolling restart an older process sends the payload as a dict (``payload``);
    the socket sends the browser the same JSON as for the new shape (``text``)."""
    communicator, _ = await connect(user)
    payload = {"meta": "older process", "unread": 3}
    layer = get_channel_layer()
    await layer.group_send(services.group_name(user), {"type": "notifications.push", "payload": payload})
    assert await communicator.receive_json_from(timeout=TIMEOUT) == payload
    await layer.group_send(services.group_name(user), services.push_message(services.encode(payload)))
    assert await communicator.receive_json_from(timeout=TIMEOUT) == payload
    await communicator.disconnect()
