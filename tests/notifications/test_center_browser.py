"""The notification center in Chromium: it follows notifications live, without a reload."""

import pytest
from django.utils.safestring import mark_safe
from playwright.sync_api import expect

from notifications import services
from notifications.consumers import MIN_REFRESH_SECONDS
from tests.utils import sign_in

pytestmark = pytest.mark.e2e


def test_a_notification_appears_in_the_open_center_and_marking_it_read_updates_it(new_page, live_url, user):
    services.notify(user, "Announcement", "Already there", "")
    page = new_page()
    sign_in(page, user, live_url)
    page.goto("/notifications/")
    center = page.get_by_test_id("notification-center")
    expect(page.locator("[data-notifications]")).to_have_attribute("data-notif-state", "live")
    expect(center.locator("[data-center-item]")).to_have_count(1)
    page.evaluate("window.stillTheSamePage = true")

    # Made in this test's process (as `manage.py notify` is under `make run`): the page
    # hears of it when its bell asks for the stored state (on being shown, every 30 s).
    fresh = services.notify(user, "Announcement", "Doors open at nine", mark_safe("<em>Bring</em> a badge"))
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    first = center.locator("[data-center-item]").first
    expect(first).to_have_attribute("data-notification-id", str(fresh.pk))
    expect(first).to_contain_text("Doors open at nine")
    expect(first.locator("em")).to_have_text("Bring")
    expect(first).to_have_class("list-group-item notif-unread")
    expect(center.locator("[data-center-item]")).to_have_count(2)
    # The unread highlight is a bar on the left, not a ring like keyboard focus.
    style = first.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return [s.borderLeftWidth, s.borderTopWidth, s.outlineStyle, s.boxShadow]; }"
    )
    assert style[0] != style[1]
    assert style[2] == "none"
    assert style[3] == "none"
    expect(page.get_by_test_id("notif-live")).to_have_text("2 unread notifications")

    # Mark read, in place.
    first.get_by_role("button", name="Mark read").click()
    expect(first).to_have_attribute("data-read", "true")
    expect(first).not_to_have_class("list-group-item notif-unread")
    expect(first.get_by_role("button", name="Mark read")).to_have_count(0)
    # Read elsewhere (here: by the service, then the page asks): the other one loses its highlight too.
    services.mark_all_read(user)
    page.wait_for_timeout(MIN_REFRESH_SECONDS * 1000 + 100)  # the socket answers one refresh per interval
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(center.locator('[data-center-item][data-read="false"]')).to_have_count(0)
    expect(page.get_by_test_id("notif-badge")).to_be_hidden()
    assert page.evaluate("window.stillTheSamePage") is True
