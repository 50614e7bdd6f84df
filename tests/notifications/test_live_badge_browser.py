"""The navbar bell in Chromium: it follows notifications live, without a reload.

The notification is made inside the daphne process (the Organizer's invitation, posted
from another browser), so the test needs no shared channel layer; with REDIS_URL set,
daphne uses Redis as in production.
"""

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from notifications import services
from tests.utils import PASSWORD, DaphneServer, log_in, screenshot, server_env, sign_in

pytestmark = pytest.mark.e2e


def test_the_badge_shows_a_new_notification_and_its_reading_in_another_tab(
    new_page, live_url, event, organizer, make_user
):
    ada = make_user("ada@example.com")
    tab = new_page()
    sign_in(tab, ada, live_url)
    tab.goto("/")
    bell, badge = tab.locator("[data-notifications]"), tab.get_by_test_id("notif-badge")
    expect(badge).to_have_text("0")
    expect(badge).to_be_hidden()
    expect(bell).to_have_attribute("data-notif-state", "live")
    tab.evaluate("window.stillTheSamePage = true")

    organizer_page = new_page()
    sign_in(organizer_page, organizer, live_url)
    organizer_page.goto(f"/events/{event.pk}/dashboard/roles/")
    invite_form = organizer_page.get_by_test_id("invite-form")
    invite_form.locator("input[name=invite-email]").fill(ada.email)
    invite_form.locator("select[name=invite-role]").select_option("moderator")
    invite_form.get_by_role("button", name="Invite").click()
    expect(organizer_page.get_by_test_id("pending-invites")).to_contain_text("ada@example.com · Moderator")

    expect(badge).to_have_text("1")
    expect(badge).to_be_visible()
    tab.get_by_test_id("notif-bell").click()
    expect(tab.get_by_test_id("notif-menu")).to_contain_text(f"Invitation: Moderator of {event.name}")
    screenshot(tab, "notifications-live-badge")

    second_tab = tab.context.new_page()
    second_tab.goto("/notifications/")
    second_tab.get_by_test_id("notification-center").get_by_role("button", name="Mark read").click()
    expect(second_tab.get_by_test_id("notif-badge")).to_be_hidden()

    expect(badge).to_have_text("0")
    expect(badge).to_be_hidden()
    expect(tab.get_by_test_id("notif-menu")).to_contain_text("No unread notifications.")
    assert tab.evaluate("window.stillTheSamePage") is True  # all of it without a reload


def test_after_the_server_comes_back_the_badge_shows_the_stored_count(browser, start_daphne, settings, make_user):
    """The socket is only a hint: what happened while it was down arrives with the reconnect."""
    ada = make_user("ada@example.com")
    server = start_daphne()
    context = browser.new_context(base_url=server.url, reduced_motion="reduce")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    sign_in(tab, ada, server.url)
    tab.goto("/events/")
    bell, badge = tab.locator("[data-notifications]"), tab.get_by_test_id("notif-badge")
    expect(bell).to_have_attribute("data-notif-state", "live")
    expect(badge).to_be_hidden()

    server.stop()
    expect(bell).to_have_attribute("data-notif-state", "offline")
    services.notify(ada, "Announcement", "While you were away", "")  # saved; no socket hears of it

    restarted = DaphneServer(server_env(settings), port=server.port)
    try:
        expect(badge).to_have_text("1", timeout=20_000)
        expect(badge).to_be_visible()
        expect(bell).to_have_attribute("data-notif-state", "live")
        expect(tab.get_by_test_id("notif-menu")).to_contain_text("While you were away")
    finally:
        context.close()
        restarted.stop()


def test_when_the_session_expired_the_bell_says_logged_out_and_stops_retrying(
    browser, start_daphne, settings, make_user
):
    """After a restart the socket comes back without a session: the server accepts it and
    closes it with 4401 (not a bare HTTP 403), and the bell stops instead of retrying.

    The page's clock is Playwright's (installed before the page loads; it runs as the
    real one until told otherwise), so that the test can then run a minute of the page's
    timers at once: longer than the longest back-off delay (30 s, static/js/notifications.js)
    and two of the bell's 30 s refreshes, in which an ended bell opens no socket."""
    ada = make_user("ada@example.com")
    server = start_daphne()
    context = browser.new_context(base_url=server.url, reduced_motion="reduce")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.clock.install()
    sockets = []
    tab.on("websocket", lambda socket: sockets.append(socket.url))
    sign_in(tab, ada, server.url)
    tab.goto("/events/")
    bell = tab.locator("[data-notifications]")
    expect(bell).to_have_attribute("data-notif-state", "live")

    server.stop()
    Session.objects.all().delete()  # the session expired meanwhile
    restarted = DaphneServer(server_env(settings), port=server.port)
    try:
        expect(bell).to_have_attribute("data-notif-state", "ended", timeout=20_000)
        tab.get_by_test_id("notif-bell").click()
        ended = tab.get_by_test_id("notif-ended")
        expect(ended).to_be_visible()
        expect(ended).to_contain_text("You are logged out.")
        expect(ended.get_by_role("link", name="Log in again")).to_have_attribute(
            "href", "/accounts/login/?next=%2Fevents%2F"
        )
        expect(tab.get_by_test_id("notif-bell")).to_have_attribute("aria-label", "Notifications (logged out)")
        screenshot(tab, "notifications-logged-out")
        attempts = len(sockets)
        tab.clock.run_for("01:05")  # every timer of the page due in the next 65 s fires
        expect(bell).to_have_attribute("data-notif-state", "ended")
        assert len(sockets) == attempts  # a socket opened by a timer was reported before run_for returned
    finally:
        context.close()
        restarted.stop()


def test_a_new_password_in_another_browser_logs_this_one_out(new_page, make_user):
    ada = make_user("ada@example.com")
    tab = new_page()
    log_in(tab, ada.email)
    bell = tab.locator("[data-notifications]")
    expect(bell).to_have_attribute("data-notif-state", "live")

    elsewhere = new_page()
    log_in(elsewhere, ada.email)
    elsewhere.goto("/accounts/password/")
    elsewhere.fill("input[name=old_password]", PASSWORD)
    elsewhere.fill("input[name=new_password1]", "another-staple-lantern-42")
    elsewhere.fill("input[name=new_password2]", "another-staple-lantern-42")
    elsewhere.get_by_role("button", name="Change password").click()
    elsewhere.wait_for_load_state()

    expect(bell).to_have_attribute("data-notif-state", "ended")
    expect(elsewhere.locator("[data-notifications]")).to_have_attribute("data-notif-state", "live")
    tab.reload()
    assert "/accounts/login/" in tab.url or tab.locator("[data-notifications]").count() == 0
