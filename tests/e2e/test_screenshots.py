"""Every main page of the demo event (``seed_demo``) at 390×844; on each, what a browser
would complain of: no script error and no Content-Security-Policy violation (the policy
is strict: no inline script or style), no sideways scrolling. With SCREENSHOTS set
(``make screenshots``) the pages are read at 1280×800 too, and each page's screenshot
goes into test-artifacts/screenshots-<size>/ for a person to look at. (Without, the
phone alone: the same pages and scripts, and the one size that can scroll sideways.)"""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from demo.management.commands.seed_demo import DEMO_SLUG, ORGANIZER_EMAIL, SUPER_ADMIN_EMAIL
from events.models import Event
from orders.models import Order
from tests.utils import ARTIFACTS, SCREENSHOTS, sign_in

pytestmark = pytest.mark.e2e

SIZES = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def pages(event, order):
    """(name, URL, who) of every main page; who: None (anonymous), "organizer", "admin"."""
    e, slug = event.pk, event.slug
    session = event.sessions.order_by("starts_at", "pk").first()
    return [
        ("home", reverse("home"), None),
        ("login", reverse("login"), None),
        ("signup", reverse("signup"), None),
        ("event-public", reverse("event_public", args=[slug]), None),
        ("event-schedule", reverse("event_schedule", args=[slug]), None),
        ("event-session", reverse("event_session", args=[slug, session.pk]), None),
        ("event-speakers", reverse("event_speakers", args=[slug]), None),
        ("event-order", reverse("event_order", args=[slug]), None),
        ("my-events", reverse("events:mine"), "organizer"),
        ("new-event", reverse("events:new"), "organizer"),
        ("wizard-details", reverse("events:wizard-details", args=[e]), "organizer"),
        ("wizard-tickets", reverse("tickets:wizard", args=[e]), "organizer"),
        ("wizard-publish", reverse("events:wizard-publish", args=[e]), "organizer"),
        ("dashboard", reverse("events:dashboard", args=[e]), "organizer"),
        ("dashboard-sessions", reverse("events:session-list", args=[e]), "organizer"),
        ("dashboard-tracks", reverse("events:track-list", args=[e]), "organizer"),
        ("dashboard-speakers", reverse("events:speaker-list", args=[e]), "organizer"),
        ("dashboard-sponsors", reverse("events:sponsor-list", args=[e]), "organizer"),
        ("dashboard-rooms", reverse("events:microlocation-list", args=[e]), "organizer"),
        ("dashboard-session-edit", reverse("events:session-update", args=[e, session.pk]), "organizer"),
        ("dashboard-settings", reverse("events:settings", args=[e]), "organizer"),
        ("dashboard-roles", reverse("events:roles", args=[e]), "organizer"),
        ("dashboard-sales", reverse("orders:sales", args=[e]), "organizer"),
        ("dashboard-orders", reverse("orders:list", args=[e]), "organizer"),
        ("dashboard-order", reverse("orders:detail", args=[e, order.code]), "organizer"),
        ("notifications", reverse("notifications:center"), "organizer"),
        ("password-change", reverse("password_change"), "organizer"),
        ("all-events", reverse("events:all"), "admin"),
        ("admin", reverse("admin:index"), "admin"),
        ("admin-events", reverse("admin:events_event_changelist"), "admin"),
        ("api-docs", reverse("api:docs"), "admin"),
    ]


@pytest.fixture
def demo(live_url):
    # As `make run` does it (in this process: the live server reads the same database).
    call_command("seed_demo", stdout=io.StringIO())
    event = Event.objects.get(slug=DEMO_SLUG)
    return event, Order.objects.filter(event=event).order_by("pk").first()


def test_every_main_page(browser, live_url, demo):
    """The sizes on one seeded demo (seeding it is the slow part)."""
    event, order = demo
    complaints, too_wide = {}, {}
    sizes = SIZES if SCREENSHOTS else {"phone": SIZES["phone"]}
    for size, viewport in sizes.items():
        visit_every_main_page(browser, live_url, pages(event, order), size, viewport, complaints, too_wide)
    assert complaints == {}
    assert too_wide == {}


def visit_every_main_page(browser, live_url, main_pages, size, viewport, complaints, too_wide):
    """Load each page once at ``viewport`` (and keep its screenshot, with SCREENSHOTS
    set); what the browser complained of goes into ``complaints``, a phone page wider than
    the screen into ``too_wide`` (both keyed by size and page). One browser context: its
    cookies change where the person reading the pages does (the site's scripts keep
    nothing else in the browser)."""
    folder = ARTIFACTS / f"screenshots-{size}"
    if SCREENSHOTS:
        folder.mkdir(parents=True, exist_ok=True)
    emails = {"organizer": ORGANIZER_EMAIL, "admin": SUPER_ADMIN_EMAIL}
    context = browser.new_context(base_url=live_url, viewport=viewport, reduced_motion="reduce")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.complaints = []
    page.on("console", lambda message: message.type == "error" and page.complaints.append(message.text))
    page.on("pageerror", lambda error: page.complaints.append(f"script error: {error}"))
    reader = None

    try:
        for index, (name, url, who) in enumerate(main_pages, start=1):
            if who != reader:
                context.clear_cookies()
                if who:
                    sign_in(context, User.objects.get(email=emails[who]), live_url)
                reader = who
            page.complaints.clear()
            response = page.goto(url)  # returns once the page's "load" event has fired
            assert response.status == 200, (size, name, url, response.status)
            # Past "load" the pages fetch nothing but the bell's socket; wait for it to be
            # connected (a failure would be a complaint). The API docs fetch the schema
            # and draw it afterwards: wait for the network to settle there.
            bell = page.locator("[data-notifications]")
            if bell.count():
                expect(bell).to_have_attribute("data-notif-state", "live")
            if name == "api-docs":
                page.wait_for_load_state("networkidle")
            if SCREENSHOTS:
                # The API docs are ~8000 px tall: their first screen is what a person looks at.
                page.screenshot(path=str(folder / f"{index:02d}-{name}.png"), full_page=name != "api-docs")
            # A round trip to the page before the complaints are read: what it logged
            # before answering has reached page.complaints by then.
            width = page.evaluate("document.documentElement.scrollWidth")
            if page.complaints:
                complaints[size, name] = list(page.complaints)
            if size == "phone" and width > viewport["width"] and not name.startswith(("admin", "api-docs")):
                too_wide[size, name] = width
    finally:
        context.close()
