"""What a notification is for (``action``, a kind from a known list) and where it leads
(``link``): the center's badge, the admin, and the migration of the old rows, whose
``action`` held the link."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from notifications import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db

ADMIN_LIST = "/admin/notifications/notification/"


def test_the_center_shows_the_kind_as_a_badge_and_links_the_title(client, user):
    services.notify(user, "Session schedule change", "Moved: Keynote", "", link="/e/conf/sessions/1/")
    client.force_login(user)
    html = client.get(reverse("notifications:center")).content.decode()
    assert (
        '<span class="badge text-bg-secondary me-1" data-testid="notif-action" data-notif-action>'
        "Session schedule change</span>" in html
    )
    assert '<a class="fw-semibold" data-notif-title href="/e/conf/sessions/1/">Moved: Keynote</a>' in html
    # And the navbar dropdown too.
    assert "data-notif-action>Session schedule change</span>" in html


def test_an_open_invitation_offers_accept_and_decline_until_it_is_closed(client, user):
    services.notify(user, "Session invite", "Speak?", "", link="/events/speaker-invites/abc/", awaits_answer=True)
    client.force_login(user)
    center = reverse("notifications:center")
    html = client.get(center).content.decode()
    # In the center and in the navbar's dropdown (each also has a hidden one in its <template>).
    assert html.count('action="/events/speaker-invites/abc/"') == 2
    assert html.count('data-testid="notif-accept"') == html.count('data-testid="notif-decline"') == 4
    services.invitation_closed("/events/speaker-invites/abc/")
    html = client.get(center).content.decode()
    # (The <template>s for pushed ones keep an empty, hidden form.)
    assert 'action="/events/speaker-invites/abc/"' not in html
    assert html.count('data-testid="notif-accept"') == 2


def test_a_push_carries_the_kind_the_link_and_whether_it_awaits_an_answer(user):
    services.notify(user, "Event-Role invite", "Join", "", link="/events/invites/x/", awaits_answer=True)
    [notif] = services.build_payload(user, services.CONNECTED)["notifs"]
    assert (notif["action"], notif["link"], notif["awaits_answer"]) == (
        "Event-Role invite",
        "/events/invites/x/",
        True,
    )


# --- the admin: the super admin's, read only ------------------------------------------


@pytest.fixture
def notes(make_user):
    ada, bob = make_user("ada@example.com"), make_user("bob@example.com")
    services.notify(ada, "Session schedule change", "Keynote moved", "")
    services.notify(bob, "New order", "Order 7", "")
    read = services.notify(bob, "Announcement", "Welcome", "")
    services.mark_read(bob, read.pk)
    return ada, bob


def listed(client, query=""):
    response = client.get(ADMIN_LIST + query)
    assert response.status_code == 200
    return {n.title for n in response.context["cl"].result_list}


def test_the_super_admin_sees_every_notification_filtered_and_searched(client, super_admin, notes):
    ada, bob = notes
    client.force_login(super_admin)
    assert listed(client) == {"Keynote moved", "Order 7", "Welcome"}
    assert listed(client, "?action__exact=New+order") == {"Order 7"}
    assert listed(client, f"?user__id__exact={ada.pk}") == {"Keynote moved"}
    assert listed(client, "?has_read__exact=1") == {"Welcome"}
    assert listed(client, "?q=keynote") == {"Keynote moved"}


def test_the_admin_is_read_only(client, super_admin, notes):
    client.force_login(super_admin)
    notification = Notification.objects.get(title="Keynote moved")
    change_url = f"{ADMIN_LIST}{notification.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200
    assert b'name="title"' not in page.content  # shown, not editable
    assert client.post(change_url, {"title": "Changed"}).status_code == 403
    assert client.get(f"{ADMIN_LIST}add/").status_code == 403
    assert client.post(f"{ADMIN_LIST}{notification.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [notification.pk], "post": "yes"}
    client.post(ADMIN_LIST, bulk)
    notification.refresh_from_db()
    assert notification.title == "Keynote moved"


def test_an_admin_who_is_not_the_super_admin_sees_no_notifications(client, admin_user, notes):
    client.force_login(admin_user)
    assert client.get(ADMIN_LIST).status_code == 403
    assert b"/admin/notifications/" not in client.get("/admin/").content


# --- the migration: the link moves out of action -----------------------------------------

BEFORE, AFTER = [("notifications", "0001_initial")], [("notifications", "0002_action_kind_and_link")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_links_out_of_action_and_names_the_kind(make_user):
    ada = make_user("ada@example.com")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        Old = executor.loader.project_state(BEFORE).apps.get_model("notifications", "Notification")
        invite = "/events/invites/abc:sig/"
        rows = {
            "open": Old.objects.create(
                user_id=ada.pk,
                action=invite,
                title="Invitation: Moderator of Conf",
                message=(
                    f'Olga invites you to be <b>Moderator</b> of <b>Conf</b>. <a href="{invite}#accept" '
                    f'rel="noopener noreferrer">Accept</a> · <a href="{invite}#decline" rel="noopener noreferrer">'
                    "Decline</a>"
                ),
            ),
            "answered": Old.objects.create(
                user_id=ada.pk, action="/events/invites/old:sig/", title="Old", has_read=True
            ),
            "told": Old.objects.create(user_id=ada.pk, action="/events/3/dashboard/roles/", title="Ada accepted"),
            "plain": Old.objects.create(user_id=ada.pk, action="", title="Hello"),
            "linked": Old.objects.create(user_id=ada.pk, action="https://example.org/x", title="See"),
        }
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        New = executor.loader.project_state(AFTER).apps.get_model("notifications", "Notification")
        got = {name: New.objects.get(pk=row.pk) for name, row in rows.items()}
        assert [(n.action, n.link, n.awaits_answer) for n in got.values()] == [
            ("Event-Role invite", invite, True),
            ("Event-Role invite", "/events/invites/old:sig/", False),
            ("Invitation answered", "/events/3/dashboard/roles/", False),
            ("Announcement", "", False),
            ("Announcement", "https://example.org/x", False),
        ]
        # The notification offers Accept and Decline itself now, not in its message.
        assert got["open"].message == "Olga invites you to be <b>Moderator</b> of <b>Conf</b>."
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
