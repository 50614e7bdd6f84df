"""What people type (a buyer's name, an inviter's name, an event's name, a session's title)
is text in every notification built from it: escaped in the stored message, and so on
the bell, in the center, in the API and in the socket's push. Only markup the server
writes itself (``format_html``, ``mark_safe``) is markup, and it is sanitized too."""

import html

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from events.models import Event
from events.speakers import invite_speaker
from notifications import services
from notifications.consumers import NotificationConsumer
from notifications.models import Notification
from orders.services import Line, place_order
from permissions.services import invite_to_role
from tests.factories import EventFactory, SessionFactory, TicketFactory
from tests.utils import run_tasks

pytestmark = pytest.mark.django_db

LINK = '<a href="https://evil.example/login">Payout failed - log in again</a>'


def shows_as_text(message, text):
    """``message`` (HTML) holds ``text`` as text: no element of it, every character of it."""
    assert not any(element in message for element in ("<a", "<img", "<script"))
    assert text in html.unescape(message)


def order_named(shop, name, capture):
    """A buyer named ``name`` orders (as the public order form does; the organizers are
    told by a background task, after the commit)."""
    with capture(execute=True):
        place_order(shop, actor=None, name=name, email="buyer@example.com", lines=[Line(shop.paid.pk, 1)])
        run_tasks()


def bell_and_center(user):
    client = Client()
    client.force_login(user)
    bell = client.get("/").content.decode().split("data-notif-list>")[1].split("<template")[0]
    center = client.get(reverse("notifications:center")).content.decode()
    center = center.split('data-testid="notification-center"')[1].split("<template")[0]
    return bell, center


def test_a_buyers_name_is_text_in_the_organizers_notification(
    shop, organizer, api_client, django_capture_on_commit_callbacks
):
    order_named(shop, LINK, django_capture_on_commit_callbacks)
    note = Notification.objects.get(user=organizer, action=Notification.Action.NEW_ORDER)
    shows_as_text(note.message, LINK)
    for page in bell_and_center(organizer):
        assert "evil.example/login" in page  # shown, as text
        assert '<a href="https://evil.example' not in page
        assert "<a href=&quot;" not in page  # escaped once, not twice
    [listed] = api_client(organizer).get("/api/v1/notifications/").json()["results"]
    shows_as_text(listed["message"], LINK)
    [pushed] = services.build_payload(organizer, services.CONNECTED)["notifs"]
    shows_as_text(pushed["message"], LINK)


@pytest.mark.parametrize(
    "name", ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "Tom & Jerry <b>Ltd</b>", "a\"'<>&"]
)
def test_any_markup_in_a_buyers_name_is_text(shop, organizer, name, django_capture_on_commit_callbacks):
    order_named(shop, name, django_capture_on_commit_callbacks)
    note = Notification.objects.get(user=organizer, action=Notification.Action.NEW_ORDER)
    shows_as_text(note.message, name)


def test_names_and_titles_in_invitations_are_text(organizer, make_user, make_event):
    evil = make_user("evil@example.com", full_name=LINK)
    ada = make_user("ada@example.com", full_name="Ada")
    event = make_event(organizer, name="<img src=x onerror=alert(1)>Conf")
    invite_to_role(event, "ada@example.com", "moderator", evil)
    role_note = Notification.objects.get(user=ada, action=Notification.Action.EVENT_ROLE_INVITE)
    shows_as_text(role_note.message, LINK)
    shows_as_text(role_note.message, event.name)
    session = SessionFactory(event=event, title='<a href="https://evil.example/">Talk</a>')
    invite_speaker(session, "ada@example.com", invited_by=evil)
    talk_note = Notification.objects.get(user=ada, action=Notification.Action.SESSION_INVITE)
    shows_as_text(talk_note.message, session.title)
    shows_as_text(talk_note.message, LINK)
    for page in bell_and_center(ada):
        assert '<a href="https://evil.example' not in page
        assert "<img src=x" not in page


def test_a_plain_string_is_text_and_only_server_markup_is_markup(user):
    text = services.notify(user, "Announcement", "Hi", LINK)
    assert "<a" not in text.message
    assert html.unescape(text.message) == LINK
    built = services.notify(user, "Announcement", "Hi", format_html("<b>{}</b> paid", LINK))
    assert built.message.startswith("<b>&lt;a href=")
    assert built.message.endswith("</b> paid")
    # Server markup is still sanitized (defence in depth).
    unsafe = services.notify(user, "Announcement", "Hi", mark_safe('<b onclick="x()">B</b><script>x</script>'))
    assert unsafe.message == "<b>B</b>"
    many = services.notify_many_now([user], "Announcement", "Hi", LINK)
    assert "<a" not in many[0].message


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_socket_push_carries_the_buyers_name_as_text(organizer):
    shop = await sync_to_async(_published_shop)(organizer)
    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    communicator.scope["user"] = organizer
    connected, _ = await communicator.connect(timeout=3)
    assert connected
    await communicator.receive_json_from(timeout=3)
    await sync_to_async(place_order)(
        shop, actor=None, name=LINK, email="buyer@example.com", lines=[Line(shop.paid.pk, 1)]
    )
    await sync_to_async(run_tasks)()  # the notification's task, as the worker runs it
    pushed = await communicator.receive_json_from(timeout=3)
    [notif] = pushed["notifs"]
    assert notif["action"] == "New order"
    shows_as_text(notif["message"], LINK)
    await communicator.disconnect()


def _published_shop(organizer):
    event = EventFactory(owner=organizer)
    Event.objects.filter(pk=event.pk).update(state="published")
    event.refresh_from_db()
    event.paid = TicketFactory(event=event, name="Regular", paid=True, quantity=10, max_order=5)
    return event


# --- the migration: new-order messages stored before lose their markup --------------------

BEFORE, AFTER = [("notifications", "0002_action_kind_and_link")], [("notifications", "0003_order_messages_as_text")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_stored_order_messages_text(make_user):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    olga = make_user("olga@example.com")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        Old = executor.loader.project_state(BEFORE).apps.get_model("notifications", "Notification")
        stored = '<a href="https://evil.example/login" rel="noopener noreferrer">Payout failed</a> ordered tickets.'
        order = Old.objects.create(user_id=olga.pk, action="New order", title="New order", message=stored)
        invite = Old.objects.create(
            user_id=olga.pk,
            action="Event-Role invite",
            title="Join",
            message="Ada invites you to be <b>Moderator</b>.",
        )
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        New = executor.loader.project_state(AFTER).apps.get_model("notifications", "Notification")
        assert New.objects.get(pk=order.pk).message == "Payout failed ordered tickets."
        assert New.objects.get(pk=invite.pk).message == "Ada invites you to be <b>Moderator</b>."
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
