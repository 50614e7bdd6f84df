"""A new password ends the user's other sessions; deactivating or deleting the user ends
them all. Ending a session deletes it and closes its sockets (code 4402, which the bell
shows as "logged out"), so no push (invitation links included) reaches it any more."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import sessions
from accounts.models import ApiToken
from accounts.tokens import issue_token
from notifications import services
from notifications.consumers import NotificationConsumer
from tests.utils import PASSWORD, assert_closed_socket_hears_nothing, assert_next_is_sentinel, socket_of_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

TIMEOUT = 3
NEW_PASSWORD = "another-staple-lantern-42"
CLOSED = {"type": "websocket.close", "code": 4402}

notify = database_sync_to_async(services.notify)


async def logged_in(user, password=PASSWORD):
    client = Client()
    assert await database_sync_to_async(client.login)(email=user.email, password=password)
    return client


async def open_socket(client):
    communicator = socket_of_session(client)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    assert (await communicator.receive_json_from(timeout=TIMEOUT))["meta"] == "WS connected"
    return communicator


@database_sync_to_async
def is_logged_in(client):
    """Does the client's session cookie still log it in (a page answers, not the log-in page)?"""
    return client.get("/events/").status_code == 200


@database_sync_to_async
def stored_sessions():
    return set(Session.objects.values_list("session_key", flat=True))


async def test_a_new_password_ends_the_other_sessions_and_closes_their_sockets(user):
    here, elsewhere = await logged_in(user), await logged_in(user)
    socket_here, socket_elsewhere = await open_socket(here), await open_socket(elsewhere)
    other_tab_here = await open_socket(here)
    elsewhere_key = elsewhere.cookies["sessionid"].value

    response = await database_sync_to_async(here.post)(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302

    assert await socket_elsewhere.receive_output(timeout=TIMEOUT) == CLOSED
    assert elsewhere_key not in await stored_sessions()
    assert not await is_logged_in(elsewhere)
    # The session that changed the password goes on (under a new key), its sockets too.
    assert await is_logged_in(here)
    await assert_next_is_sentinel(socket_here, other_tab_here, user=user)
    await notify(user, "Announcement", "Invitation", "", link="/events/invites/secret/")
    for socket in (socket_here, other_tab_here):
        assert (await socket.receive_json_from(timeout=TIMEOUT))["notif_count"] == 1
    await assert_closed_socket_hears_nothing(socket_elsewhere, socket_here, other_tab_here, user=user)

    # And logging out there still closes them, although the session's key changed.
    assert (await database_sync_to_async(here.post)("/accounts/logout/")).status_code == 302
    for socket in (socket_here, other_tab_here):
        assert await socket.receive_output(timeout=TIMEOUT) == CLOSED


async def test_a_password_set_elsewhere_ends_every_session(user):
    """A password set outside a request of that user (a shell, the admin for someone else)."""
    client = await logged_in(user)
    socket = await open_socket(client)

    @database_sync_to_async
    def set_password():
        user.set_password(NEW_PASSWORD)
        user.save()

    await set_password()

    assert await socket.receive_output(timeout=TIMEOUT) == CLOSED
    assert await stored_sessions() == set()
    assert not await is_logged_in(client)


async def test_an_admin_changing_a_users_password_ends_their_sessions(user, super_admin):
    admin = await logged_in(super_admin)
    admin_socket = await open_socket(admin)
    client = await logged_in(user)
    socket = await open_socket(client)

    response = await database_sync_to_async(admin.post)(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302

    assert await socket.receive_output(timeout=TIMEOUT) == CLOSED
    assert not await is_logged_in(client)
    assert await is_logged_in(admin)  # the admin's own sessions are not touched
    await assert_next_is_sentinel(admin_socket, user=super_admin)  # not closed
    await admin_socket.disconnect()


@pytest.mark.parametrize("change", ["deactivate", "delete"])
async def test_deactivating_or_deleting_a_user_ends_all_their_sessions(user, make_user, change):
    first, second = await logged_in(user), await logged_in(user)
    sockets = [await open_socket(first), await open_socket(second)]
    bystander = await database_sync_to_async(make_user)()
    bystander_socket = await open_socket(await logged_in(bystander))

    @database_sync_to_async
    def make_the_change():
        if change == "deactivate":
            user.is_active = False
            user.save()
        else:
            user.delete()

    await make_the_change()

    for socket in sockets:
        assert await socket.receive_output(timeout=TIMEOUT) == CLOSED
    assert not await is_logged_in(first)
    assert not await is_logged_in(second)
    assert len(await stored_sessions()) == 1  # the bystander's
    await assert_next_is_sentinel(bystander_socket, user=bystander)  # not closed
    await bystander_socket.disconnect()


async def test_a_new_password_revokes_the_api_tokens(user):
    await database_sync_to_async(issue_token)(user)
    await database_sync_to_async(issue_token)(user)

    @database_sync_to_async
    def set_password():
        user.set_password(NEW_PASSWORD)
        user.save()
        return ApiToken.objects.filter(user=user).exists()

    assert await set_password() is False


async def test_saving_other_fields_ends_nothing(user):
    client = await logged_in(user)
    socket = await open_socket(client)

    @database_sync_to_async
    def rename():
        user.full_name = "Someone Else"
        user.save()

    await rename()
    await assert_next_is_sentinel(socket, user=user)  # not closed
    assert await is_logged_in(client)
    await socket.disconnect()


async def test_a_socket_whose_session_ended_while_it_connected_is_closed(user):
    """The session ended after the socket was logged in, before it joined the user's group
    (so it missed the word to close): it is closed all the same."""
    client = await logged_in(user)
    session = sessions._session_store()(session_key=client.cookies["sessionid"].value)
    await database_sync_to_async(session.keys)()  # read, as the socket's log-in read it
    await database_sync_to_async(Session.objects.all().delete)()
    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    communicator.scope.update(user=user, session=session)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    assert await communicator.receive_output(timeout=TIMEOUT) == CLOSED
