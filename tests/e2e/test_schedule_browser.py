"""An attendee reads an event's public pages in Chromium: the home page, the programme
as a grid on a laptop (1280×800) and as a list on a phone (390×844, no sideways
scrolling), filtered by track and day, a session, the speakers."""

import re

import pytest
from playwright.sync_api import expect

from events.services import create_event
from tests.events.programme_data import add_programme, event_fields
from tests.utils import screenshot, sign_in

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def programme(organizer):
    event = create_event(organizer, state="published", **event_fields(name="Browser Public Conf"))
    return add_programme(event)


def scroll_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def visible_session_ids(container):
    return {
        int(i) for i in container.locator("[data-session-id]").evaluate_all("els => els.map(e => e.dataset.sessionId)")
    }


def test_schedule_on_a_laptop(open_page_at, programme):
    event, sessions, tracks = programme.event, programme.sessions, programme.tracks
    page = open_page_at(LAPTOP)

    page.goto(f"/e/{event.slug}/")
    expect(page.get_by_test_id("event-dates")).to_contain_text("Mon 2 Jun 2031, 08:00")
    expect(page.get_by_test_id("event-zone").first).to_have_text("Europe/Berlin")
    expect(page.locator("[data-sponsor-level=Gold] [data-sponsor-name]")).to_have_count(2)
    expect(page.get_by_test_id("manage-link")).to_have_count(0)
    screenshot(page, "public-1-home")

    page.get_by_role("link", name="See the programme").click()
    page.wait_for_url(re.compile(rf"/e/{event.slug}/schedule/$"))
    days = page.get_by_test_id("schedule-day")
    expect(days).to_have_count(2)
    grid = days.first.get_by_test_id("schedule-grid")
    expect(grid).to_be_visible()
    expect(days.first.get_by_test_id("schedule-list")).to_be_hidden()
    expect(grid.locator("thead th.schedule-room")).to_have_text(["Main hall", "Room B", "Room to be announced"])
    keynote = grid.locator(f"[data-session-id='{sessions['Opening keynote'].pk}']")
    expect(keynote).to_contain_text("09:00–10:00")
    # Coloured by its track, from the event's track stylesheet (no inline styles).
    expect(keynote).to_have_css("border-left-color", "rgb(192, 57, 43)")
    web_cell = grid.locator(f"[data-session-id='{sessions['Django at scale'].pk}']")
    expect(web_cell).to_have_css("border-left-color", "rgb(46, 134, 193)")
    assert scroll_width(page) <= LAPTOP["width"]
    screenshot(page, "public-2-schedule-laptop")

    # Filter by track: choosing it in the menu shows it at once.
    page.get_by_test_id("filter-track").select_option(label="Web")
    page.wait_for_url(re.compile(rf"\?track={tracks['Web'].pk}$"))
    grid = page.get_by_test_id("schedule-grid")
    expect(grid).to_have_count(1)
    assert visible_session_ids(grid) == {sessions["Django at scale"].pk, sessions["Async in practice"].pk}
    screenshot(page, "public-3-schedule-track-filter")

    # And by day, keeping the track.
    page.get_by_test_id("filter-track").select_option(value="")
    page.wait_for_url(re.compile(r"/schedule/$"))
    page.get_by_test_id("filter-day").select_option(value="2031-06-03")
    page.wait_for_url(re.compile(r"\?day=2031-06-03$"))
    expect(page.get_by_test_id("schedule-day")).to_have_count(1)
    expect(page.get_by_test_id("schedule-day")).to_have_attribute("data-day", "2031-06-03")

    # A session, from the grid.
    page.get_by_test_id("schedule-grid").get_by_role("link", name="Data pipelines").click()
    page.wait_for_url(re.compile(rf"/sessions/{sessions['Data pipelines'].pk}/$"))
    expect(page.get_by_test_id("session-time")).to_contain_text("Tuesday 3 June 2031, 09:30")
    expect(page.get_by_test_id("session-room")).to_have_text("Room B")
    expect(page.get_by_test_id("session-abstract").locator("b")).to_have_text("bold")
    expect(page.get_by_test_id("session-abstract").locator("script, img")).to_have_count(0)
    expect(page.get_by_test_id("session-speakers").locator("img.speaker-photo")).to_have_count(1)
    screenshot(page, "public-4-session")

    page.get_by_test_id("event-nav").get_by_role("link", name="Speakers").click()
    page.wait_for_url(re.compile(r"/speakers/$"))
    expect(page.get_by_test_id("speaker")).to_have_count(3)
    assert "@speakers.example" not in page.content()
    screenshot(page, "public-5-speakers")


def test_schedule_on_a_phone(open_page_at, programme):
    event, sessions, tracks = programme.event, programme.sessions, programme.tracks
    page = open_page_at(PHONE)

    for path, name in (
        ("", "home"),
        ("schedule/", None),
        (f"sessions/{sessions['Data pipelines'].pk}/", None),
        ("speakers/", "speakers"),
    ):
        page.goto(f"/e/{event.slug}/{path}")
        assert scroll_width(page) <= PHONE["width"], f"/e/{event.slug}/{path} scrolls sideways"
        if name:
            screenshot(page, f"public-phone-{name}")

    page.goto(f"/e/{event.slug}/schedule/")
    first_day = page.get_by_test_id("schedule-day").first
    expect(first_day.get_by_test_id("schedule-grid")).to_be_hidden()
    listing = first_day.get_by_test_id("schedule-list")
    expect(listing).to_be_visible()
    expect(listing.locator("[data-session-id]")).to_have_count(5)
    lightning = listing.locator(f"[data-session-id='{sessions['Lightning talks'].pk}']")
    expect(lightning).to_contain_text("10:45–11:30 · Room B")
    assert scroll_width(page) <= PHONE["width"]
    screenshot(page, "public-phone-schedule")

    # The track chips filter too.
    page.get_by_test_id("track-legend").get_by_role("link", name="Keynotes").click()
    page.wait_for_url(re.compile(rf"\?track={tracks['Keynotes'].pk}$"))
    lists = page.get_by_test_id("schedule-list")
    expect(lists).to_have_count(2)
    shown = set()
    for i in range(lists.count()):
        shown |= visible_session_ids(lists.nth(i))
    assert shown == {sessions["Opening keynote"].pk, sessions["Closing"].pk}
    assert scroll_width(page) <= PHONE["width"]
    screenshot(page, "public-phone-schedule-keynotes")

    # Garbage in the address: a page that says what is wrong, not a crash.
    response = page.goto(f"/e/{event.slug}/schedule/?day=someday")
    assert response.status == 400
    expect(page.get_by_test_id("error-400-problem")).to_contain_text("is not a day")
    assert scroll_width(page) <= PHONE["width"]


def test_a_draft_for_its_team_and_for_outsiders(open_page_at, live_url, organizer):
    event = create_event(organizer, **event_fields(name="Browser Draft Conf"))
    add_programme(event, photos=False)

    outsider = open_page_at(LAPTOP)
    assert outsider.goto(f"/e/{event.slug}/schedule/").status == 404
    assert "Browser Draft Conf" not in outsider.content()

    team = open_page_at(PHONE)
    sign_in(team, organizer, live_url)
    assert team.goto(f"/e/{event.slug}/").status == 200
    expect(team.get_by_test_id("draft-banner")).to_contain_text("Draft")
    expect(team.get_by_test_id("manage-link")).to_have_attribute("href", f"/events/{event.pk}/dashboard/")
    assert scroll_width(team) <= PHONE["width"]
    screenshot(team, "public-phone-draft-home")
