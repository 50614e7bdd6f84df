"""The organizer's pages on a phone (390×844) and a laptop (1280×800), in Chromium: the
cropper fits the screen, the bell stays beside the menu button and catches up with a
notification made in another process, dashboard tables fit, and every time names its zone."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from events.models import Event, Microlocation, Speaker, Track
from notifications.models import Notification
from permissions import services as permission_services
from permissions.models import RoleInvite
from tests.e2e.cropper import photo_png
from tests.factories import SessionFactory
from tests.utils import screenshot, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(LAPTOP, id="laptop")]
# 08:00 UTC on 15 January: 09:00 in Berlin, 03:00 in New York.
START = datetime(2031, 1, 15, 8, 0, tzinfo=UTC)


@pytest.fixture
def open_page(open_page_at):
    """``open_page(viewport)``: a page of its own (cookies too) at that size, in New York."""
    return lambda viewport: open_page_at(viewport, timezone_id="America/New_York")


def size_name(viewport):
    return "phone" if viewport == PHONE else "laptop"


def assert_no_sideways_scrolling(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.fixture
def berlin_event(make_event, organizer):
    event = make_event(organizer, name="Winter Conf", timezone="Europe/Berlin", starts_at=START)
    event.ends_at = START + timedelta(days=1)
    event.save(update_fields=["ends_at"])
    return event


@pytest.mark.parametrize("viewport", SIZES)
def test_the_cropper_fits_the_screen_and_keeps_two_to_one(open_page, live_url, viewport, berlin_event, organizer):
    page = open_page(viewport)
    sign_in(page, organizer, live_url)
    page.goto(f"/events/{berlin_event.pk}/wizard/details/")

    # The step pills stay on one line; on a phone the image card comes before "Save and continue".
    pills = page.get_by_test_id("wizard-steps").locator(".nav-link")
    tops = {round(pills.nth(i).bounding_box()["y"]) for i in range(pills.count())}
    assert len(tops) == 1
    card = page.get_by_test_id("bgimage-input").bounding_box()
    save = page.get_by_test_id("wizard-next").bounding_box()
    if viewport == PHONE:
        assert card["y"] < save["y"]
    assert_no_sideways_scrolling(page)

    page.get_by_test_id("bgimage-input").set_input_files(photo_png())
    modal = page.get_by_test_id("bgimage-modal")
    crop_box = modal.locator(".cropper-crop-box")
    expect(crop_box).to_be_visible()
    expect(page.get_by_test_id("bgimage-done")).to_be_enabled()
    area = modal.locator(".cropper-container").bounding_box()
    frame = crop_box.bounding_box()
    if viewport == LAPTOP:
        assert (round(area["width"]), round(area["height"])) == (508, 350)
        assert (round(frame["width"]), round(frame["height"])) == (490, 245)
    else:
        assert area["width"] < 390 - 16
        assert abs(area["width"] / area["height"] - 508 / 350) < 0.02
    assert abs(frame["width"] - 2 * frame["height"]) <= 2
    assert frame["width"] >= 0.95 * area["width"]  # the frame fills the area's width, scaled with it
    # Every handle of the frame is on screen, inside the dialog.
    dialog = modal.locator(".modal-content").bounding_box()
    handles = modal.locator(".cropper-point")
    for i in range(handles.count()):
        box = handles.nth(i).bounding_box()
        if box is None:
            continue
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= viewport["width"]
        assert dialog["x"] <= box["x"]
        assert box["x"] + box["width"] <= dialog["x"] + dialog["width"]
    screenshot(page, f"phone-layout-cropper-{size_name(viewport)}", relayout=True)
    # A full-page screenshot relayouts the page: the frame is still the same.
    expect(page.get_by_test_id("bgimage-done")).to_be_enabled()
    assert crop_box.bounding_box() == frame

    with page.expect_response(lambda response: "/files/bgimage/" in response.url):
        page.get_by_test_id("bgimage-done").click()
    expect(modal).to_be_hidden()
    expect(page.get_by_test_id("bgimage-preview")).to_be_visible()
    berlin_event.refresh_from_db()
    assert berlin_event.background_image


def test_the_cropper_keeps_its_frame_when_the_screen_changes_size(open_page, live_url, berlin_event, organizer):
    """A window made narrow and wide again (or a phone turned) while cropping: the frame
    scales with the area and frames the same part of the picture, never shrinking to nothing."""
    page = open_page(LAPTOP)
    sign_in(page, organizer, live_url)
    page.goto(f"/events/{berlin_event.pk}/wizard/details/")
    page.get_by_test_id("bgimage-input").set_input_files(photo_png())
    modal = page.get_by_test_id("bgimage-modal")
    crop_box, area = modal.locator(".cropper-crop-box"), modal.locator(".cropper-container")
    done = page.get_by_test_id("bgimage-done")
    expect(done).to_be_enabled()
    # The frame moved to the picture's left edge, as a person drags it.
    start = crop_box.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 - 100, start["y"] + start["height"] / 2, steps=5)
    page.mouse.up()
    wide = crop_box.bounding_box()
    assert wide["x"] < start["x"]
    at_left = wide["x"] - area.bounding_box()["x"]

    # A resize seen while the area has no size (the middle of a relayout) changes nothing.
    page.evaluate("""() => {
        const area = document.querySelector("[data-bgimage-modal] .bgimage-crop-area");
        area.style.display = "none";
        window.dispatchEvent(new Event("resize"));
        area.style.display = "";
    }""")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    assert crop_box.bounding_box() == wide

    page.set_viewport_size(PHONE)
    expect(area).to_have_js_property("offsetWidth", 340)
    expect(done).to_be_enabled()
    narrow, narrow_area = crop_box.bounding_box(), area.bounding_box()
    scale = narrow_area["width"] / 508
    assert abs(narrow["width"] - wide["width"] * scale) <= 2
    assert abs(narrow["width"] - 2 * narrow["height"]) <= 2
    assert abs((narrow["x"] - narrow_area["x"]) - at_left * scale) <= 2

    page.set_viewport_size(LAPTOP)
    expect(area).to_have_js_property("offsetWidth", 508)
    expect(done).to_be_enabled()
    again = crop_box.bounding_box()
    assert abs(again["width"] - wide["width"]) <= 2
    assert abs(again["x"] - wide["x"]) <= 2

    with page.expect_response(lambda response: "/files/bgimage/" in response.url) as answer:
        done.click()
    assert answer.value.ok
    expect(page.get_by_test_id("bgimage-preview")).to_be_visible()
    berlin_event.refresh_from_db()
    assert berlin_event.background_image


@pytest.mark.parametrize("viewport", SIZES)
def test_the_bell_sits_beside_the_menu_and_catches_up_with_another_process(open_page, live_url, viewport, user):
    page = open_page(viewport)
    sign_in(page, user, live_url)
    page.goto("/events/")
    bell, badge = page.locator("[data-notifications]"), page.get_by_test_id("notif-badge")
    expect(bell).to_have_attribute("data-notif-state", "live")
    expect(badge).to_be_hidden()
    # Outside the collapsed menu: visible without opening it.
    expect(page.get_by_test_id("notif-bell")).to_be_visible()
    if viewport == PHONE:
        toggler = page.locator(".navbar-toggler")
        expect(toggler).to_be_visible()
        expect(page.get_by_test_id("navbar-user")).to_be_hidden()  # in the collapsed menu
        bell_box, toggler_box = page.get_by_test_id("notif-bell").bounding_box(), toggler.bounding_box()
        assert abs((bell_box["y"] + bell_box["height"] / 2) - (toggler_box["y"] + toggler_box["height"] / 2)) < 4
        assert bell_box["x"] < toggler_box["x"]
    page.evaluate("window.stillTheSamePage = true")

    # Made by this test's process, as `manage.py notify` is under `make run`: the push goes
    # to this process's channel layer, never to the server's. The bell asks when its tab is shown.
    Notification.objects.create(user=user, action="Announcement", title="Doors open at nine")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(badge).to_have_text("1")
    expect(badge).to_be_visible()
    page.get_by_test_id("notif-bell").click()
    menu = page.get_by_test_id("notif-menu")
    expect(menu).to_contain_text("Doors open at nine")
    box = menu.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= viewport["width"]
    assert_no_sideways_scrolling(page)
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot(page, f"phone-layout-badge-{size_name(viewport)}")


@pytest.mark.parametrize("viewport", SIZES)
def test_dashboard_tables_fit_and_times_name_their_zone(open_page, live_url, viewport, berlin_event, organizer):
    track = Track.objects.create(event=berlin_event, name="Data and Machine Learning", color="#336699")
    room = Microlocation.objects.create(event=berlin_event, name="Auditorium Maximum")
    speakers = [Speaker.objects.create(event=berlin_event, name=name) for name in ("Ada Lovelace", "Grace Hopper")]
    session = SessionFactory(
        event=berlin_event, title="Opening keynote: a long title", track=track, microlocation=room
    )
    session.speakers.set(speakers)
    page = open_page(viewport)
    sign_in(page, organizer, live_url)

    page.goto("/events/")
    row = page.get_by_test_id("my-events").locator("tbody tr").first
    expect(row).to_contain_text("Wed 15 Jan 2031, 09:00")
    expect(row).to_contain_text("Europe/Berlin")
    assert_no_sideways_scrolling(page)
    screenshot(page, f"phone-layout-my-events-{size_name(viewport)}")

    page.goto(f"/events/{berlin_event.pk}/dashboard/sessions/")
    table = page.get_by_test_id("service-list")
    expect(table).to_contain_text("Opening keynote")
    expect(table).to_contain_text("Wed 15 Jan, 10:00–10:45")  # an hour after the start, in Berlin
    expect(page.get_by_test_id("dashboard-event")).to_be_visible()
    if viewport == PHONE:
        expect(table.locator("td[data-label^='When']").first).to_be_visible()
        when_label = table.locator("td[data-label^='When']").first.evaluate(
            "td => getComputedStyle(td, '::before').content"
        )
        assert "Europe/Berlin" in when_label
    else:
        expect(page.get_by_test_id("session-zone")).to_have_text("(Europe/Berlin)")
    assert_no_sideways_scrolling(page)
    screenshot(page, f"phone-layout-dashboard-sessions-{size_name(viewport)}")

    page.goto(f"/events/{berlin_event.pk}/dashboard/roles/")
    assert_no_sideways_scrolling(page)

    # A time tied to no event: shown in the reader's zone (New York here), named.
    permission_services.invite_to_role(berlin_event, "ada@example.com", "moderator", organizer)
    RoleInvite.objects.update(expires_at=START)
    page.reload()
    expiry = page.get_by_test_id("pending-invites").locator("time")
    expect(expiry).to_have_attribute("data-localized", "America/New_York")
    expect(expiry).to_have_text(re.compile(r"^Wed 15 Jan 2031, 03:00 America/New_York$"))
    screenshot(page, f"phone-layout-roles-{size_name(viewport)}")

    # The current tab is in view, even where the row of tabs scrolls (the last ones).
    page.goto(f"/events/{berlin_event.pk}/dashboard/settings/")
    active = page.get_by_test_id("dashboard-nav").locator(".nav-link.active")
    expect(active).to_have_text("Settings")
    page.wait_for_function(
        "el => { const r = el.getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth; }",
        arg=active.element_handle(),
    )


def test_a_published_events_start_is_in_its_zone_on_the_home_page(open_page, berlin_event):
    berlin_event.state = Event.State.PUBLISHED
    berlin_event.save(update_fields=["state"])
    page = open_page(PHONE)
    page.goto("/")
    expect(page.locator(".card", has_text="Winter Conf")).to_contain_text("Wed 15 Jan 2031, 09:00 Europe/Berlin")
    assert_no_sideways_scrolling(page)
