"""An organizer creates an event with the wizard, in Chromium: details, a cropped
background image uploaded at once, Free / Paid / Donation tickets, publish."""

import json
import re
from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event
from tests.e2e.cropper import crop_and_upload, photo_png
from tests.images import open_stored_image
from tests.utils import screenshot, sign_in

pytestmark = pytest.mark.e2e

NEXT_YEAR = timezone.now().year + 1


def add_ticket(page, kind, name, quantity, price=None):
    rows = page.get_by_test_id("ticket-row")
    index = rows.count()
    page.get_by_test_id(f"add-{kind}").click()
    row = rows.nth(index)  # a locator by position: valid until a row before it goes
    expect(row.get_by_test_id("ticket-type")).to_have_text(kind.capitalize())
    row.locator("input[name$='-name']").fill(name)
    price_input = row.locator("input[name$='-price']")
    if kind == "paid":
        expect(price_input).to_be_visible()
        price_input.fill(price)
    else:
        expect(price_input).to_be_hidden()
    row.locator("input[name$='-quantity']").fill(str(quantity))
    return row


def test_create_and_publish_an_event(page, live_url, organizer):
    sign_in(page, organizer, live_url)

    # My events → New event: page 1, Details.
    page.goto("/events/")
    page.get_by_test_id("new-event").click()
    page.wait_for_url("**/events/new/")
    expect(page.get_by_test_id("bgimage-after-save")).to_be_visible()
    page.fill("input[name=name]", "Browser Conf")
    page.fill("textarea[name=description]", "Made in Chromium.")
    page.fill("input[name=location]", "Berlin")
    page.fill("input[name=starts_at]", f"{NEXT_YEAR}-06-01T09:30")
    page.fill("input[name=ends_at]", f"{NEXT_YEAR}-06-02T18:00")
    page.fill("input[name=timezone]", "Europe/Berlin")  # a searchable list (datalist)
    page.select_option("select[name=currency]", "EUR")
    screenshot(page, "wizard-1-new-event")
    page.get_by_test_id("wizard-next").click()
    page.wait_for_url(re.compile(r"/events/\d+/wizard/details/$"))
    event = Event.objects.get(name="Browser Conf")
    assert event.state == Event.State.DRAFT
    assert event.starts_at.astimezone(event.tzinfo).strftime("%H:%M") == "09:30"

    # The background image: pick, crop in the modal, Done → uploaded at once.
    preview = page.get_by_test_id("bgimage-preview")
    expect(preview).to_be_hidden()
    crop_and_upload(page, photo_png(), screenshot_name="wizard-2-crop")
    expect(preview).to_be_visible()
    expect(preview).to_have_attribute("src", re.compile(r"^/media/events/backgrounds/[\w-]{30,}\.png$"))
    expect(page.get_by_test_id("bgimage-progress")).to_have_attribute("aria-valuenow", "100")
    first_src = preview.get_attribute("src")
    event.refresh_from_db()
    assert event.background_image.url == first_src
    stored_name = event.background_image.name
    width, height = open_stored_image(event.background_image).size
    assert abs(width - 2 * height) <= 2  # the 2:1 banner

    # A failed upload shows its reason and keeps the image there was.
    def refuse(route):
        body = json.dumps({"status": "error", "error": "The image is damaged or incomplete and cannot be read."})
        route.fulfill(status=400, content_type="application/json", body=body)

    page.route("**/files/bgimage/", refuse)
    crop_and_upload(page, photo_png(1000, 600))
    expect(page.get_by_test_id("bgimage-error")).to_contain_text("damaged or incomplete")
    expect(page.get_by_test_id("bgimage-error")).to_contain_text("The previous image is kept.")
    expect(preview).to_have_attribute("src", first_src)
    page.unroute("**/files/bgimage/")

    # Remove (once confirmed) deletes it; a new one goes up again.
    page.get_by_test_id("bgimage-remove").click()
    page.get_by_test_id("bgimage-remove-yes").click()
    expect(preview).to_be_hidden()
    expect(page.get_by_test_id("bgimage-remove")).to_be_hidden()
    event.refresh_from_db()
    assert not event.background_image
    assert not default_storage.exists(stored_name)
    crop_and_upload(page, photo_png())
    expect(preview).to_have_attribute("src", re.compile(r"^/media/events/backgrounds/"))
    assert preview.get_attribute("src") != first_src
    expect(page.get_by_test_id("bgimage-error")).to_be_hidden()
    expect(page.get_by_test_id("bgimage-progress")).to_be_hidden()
    screenshot(page, "wizard-3-details")
    page.get_by_test_id("wizard-next").click()

    # Page 2, Tickets.
    page.wait_for_url(re.compile(r"/wizard/tickets/$"))
    add_ticket(page, "free", "Community", 100)
    mistake = add_ticket(page, "paid", "Mistake", 5, price="99")
    add_ticket(page, "paid", "Regular", 50, price="25.00")
    supporter = add_ticket(page, "donation", "Supporter", 20)
    supporter.get_by_test_id("ticket-settings").click()
    # Bootstrap marks the details "show" once they have slid open (clicks during the slide may miss).
    expect(supporter.locator("[data-ticket-details]")).to_have_class(re.compile(r"\bshow\b"))
    hide = supporter.get_by_label("Hide this ticket from the public page")
    hide.check()
    supporter.get_by_label("Description").fill("Pay what you like")
    expect(page.locator("input[name=tickets-TOTAL_FORMS]")).to_have_value("4")

    mistake.get_by_test_id("ticket-remove").click()
    confirm = page.get_by_test_id("ticket-confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("“Mistake” will be removed")
    screenshot(page, "wizard-4-remove-ticket")
    page.get_by_test_id("ticket-confirm-yes").click()
    expect(confirm).to_be_hidden()
    expect(page.locator(".modal-backdrop")).to_have_count(0)
    expect(page.get_by_test_id("ticket-row")).to_have_count(3)
    expect(page.locator("input[name=tickets-TOTAL_FORMS]")).to_have_value("3")
    # The rows after the removed one moved up: indices 0, 1, 2 with their own values.
    expect(page.locator("input[name=tickets-1-name]")).to_have_value("Regular")
    expect(page.locator("input[name=tickets-2-name]")).to_have_value("Supporter")
    expect(page.locator("input[name=tickets-2-hidden]")).to_be_checked()
    screenshot(page, "wizard-5-tickets")
    page.get_by_test_id("wizard-next").click()

    # Page 3, Review and publish; back and forward keep everything.
    page.wait_for_url(re.compile(r"/wizard/publish/$"))
    assert list(event.tickets.values_list("name", "type", "hidden")) == [
        ("Community", "free", False),
        ("Regular", "paid", False),
        ("Supporter", "donation", True),
    ]
    page.get_by_test_id("wizard-back").click()
    page.wait_for_url(re.compile(r"/wizard/tickets/$"))
    expect(page.get_by_test_id("ticket-row")).to_have_count(3)
    expect(page.locator("input[name=tickets-2-hidden]")).to_be_checked()
    expect(page.locator("input[name=tickets-0-hidden]")).not_to_be_checked()

    # The draft can be left and resumed from My events.
    page.goto("/events/")
    page.get_by_role("row", name=re.compile("Browser Conf")).locator("[data-action=wizard]").click()
    page.wait_for_url(re.compile(r"/wizard/details/$"))
    expect(page.locator("input[name=name]")).to_have_value("Browser Conf")
    expect(page.locator("input[name=starts_at]")).to_have_value(f"{NEXT_YEAR}-06-01T09:30")
    expect(page.get_by_test_id("bgimage-preview")).to_be_visible()
    page.get_by_test_id("wizard-steps").get_by_role("link", name="3. Review and publish").click()

    page.wait_for_url(re.compile(r"/wizard/publish/$"))
    review = page.get_by_test_id("review-tickets")
    expect(review.locator("[data-ticket-name=Supporter]")).to_contain_text("Hidden")
    expect(page.get_by_test_id("review-banner")).to_be_visible()
    screenshot(page, "wizard-6-review")
    page.get_by_test_id("publish").click()

    # The public page: the banner and the tickets that are not hidden.
    page.wait_for_url(re.compile(r"/e/browser-conf/$"))
    public = page.get_by_test_id("public-tickets")
    expect(public.locator("[data-ticket-name]")).to_have_count(2)
    expect(public.locator("[data-ticket-name=Community]")).to_contain_text("Free")
    expect(public.locator("[data-ticket-name=Regular]")).to_contain_text("25.00 EUR")
    expect(public.locator("[data-ticket-name=Supporter]")).to_have_count(0)
    expect(page.get_by_test_id("event-banner")).to_be_visible()
    starts = f"{date(NEXT_YEAR, 6, 1):%a} 1 Jun {NEXT_YEAR}, 09:30"
    expect(page.get_by_text(starts)).to_be_visible()  # in the event's time zone
    screenshot(page, "wizard-7-public-page")
    event.refresh_from_db()
    assert event.state == Event.State.PUBLISHED
