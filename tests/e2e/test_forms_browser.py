"""The organizer's forms in Chromium, on a laptop (1280×800) and a phone (390×844): the
wizard warns before a step link throws edits away, the background image says when it is
saved, asks before it is removed and names a file that is not an image; hidden tickets say
so with their settings folded, and ticket name fields line up; the session form's
speakers are a searchable multi-select; the notification center follows new
notifications live."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from events.models import Speaker
from tests.e2e.cropper import crop_and_upload, photo_png
from tests.utils import screenshot, sign_in
from tickets.models import Ticket

pytestmark = pytest.mark.e2e

VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def open_page(open_page_at, viewport):
    """``open_page()``: a page of its own at the test's viewport."""
    return lambda: open_page_at(VIEWPORTS[viewport])


@pytest.fixture
def organizer_page(open_page, organizer, live_url):
    page = open_page()
    sign_in(page, organizer, live_url)
    return page


def test_a_step_link_asks_before_throwing_unsaved_edits_away(organizer_page, event, viewport):
    page = organizer_page
    page.goto(f"/events/{event.pk}/wizard/details/")
    steps = page.get_by_test_id("wizard-steps")
    dialog = page.get_by_test_id("unsaved-dialog")

    # Nothing changed: the link just goes.
    steps.get_by_role("link", name="2. Tickets").click()
    page.wait_for_url(re.compile(r"/wizard/tickets/$"))
    page.go_back()
    page.wait_for_url(re.compile(r"/wizard/details/$"))

    page.fill("input[name=name]", "Renamed Conf")
    steps.get_by_role("link", name="3. Review and publish").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Review and publish")
    screenshot(page, f"forms-unsaved-warning-{viewport}")
    page.get_by_test_id("unsaved-stay").click()
    expect(dialog).to_be_hidden()
    assert page.url.endswith("/wizard/details/")
    expect(page.locator("input[name=name]")).to_have_value("Renamed Conf")

    steps.get_by_role("link", name="3. Review and publish").click()
    page.get_by_test_id("unsaved-leave").click()
    page.wait_for_url(re.compile(r"/wizard/publish/$"))
    event.refresh_from_db()
    assert event.name != "Renamed Conf"

    # Saving is not leaving: no question.
    page.goto(f"/events/{event.pk}/wizard/details/")
    page.fill("input[name=name]", "Renamed Conf")
    page.get_by_test_id("wizard-next").click()
    page.wait_for_url(re.compile(r"/wizard/tickets/$"))
    event.refresh_from_db()
    assert event.name == "Renamed Conf"


def test_the_image_says_saved_asks_before_removal_and_refuses_what_is_not_an_image(organizer_page, event, viewport):
    page = organizer_page
    page.goto(f"/events/{event.pk}/wizard/details/")
    label, saved = page.get_by_test_id("bgimage-choose-label"), page.get_by_test_id("bgimage-saved")
    preview = page.get_by_test_id("bgimage-preview")
    expect(label).to_have_text("Choose image…")

    # A text file named .jpg: the dialog says it is not an image; Done stays off.
    page.get_by_test_id("bgimage-input").set_input_files(
        {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"Shopping list: milk, eggs.\n" * 20}
    )
    modal = page.get_by_test_id("bgimage-modal")
    expect(modal).to_be_visible()
    expect(page.get_by_test_id("bgimage-crop-error")).to_contain_text("This is not an image")
    expect(page.get_by_test_id("bgimage-done")).to_be_disabled()
    expect(modal.locator(".cropper-container")).to_have_count(0)
    screenshot(page, f"forms-not-an-image-{viewport}")
    modal.get_by_role("button", name="Cancel").last.click()
    expect(modal).to_be_hidden()
    expect(preview).to_be_hidden()

    # A picture afterwards crops as usual; once stored: "Saved", and "Change image…".
    if viewport == "laptop":
        crop_and_upload(page, photo_png())
    else:  # the phone's cropper is sized to the screen (not the laptop's 508×350 area)
        page.get_by_test_id("bgimage-input").set_input_files(photo_png())
        expect(modal.locator(".cropper-crop-box")).to_be_visible()
        expect(page.get_by_test_id("bgimage-crop-error")).to_be_hidden()
        page.get_by_test_id("bgimage-done").click()
        expect(modal).to_be_hidden()
    expect(preview).to_be_visible()
    expect(saved).to_contain_text("Saved")
    expect(label).to_have_text("Change image…")
    screenshot(page, f"forms-image-saved-{viewport}")

    # Remove asks; Keep it keeps it. (The upload's progress bar goes 0.4 s after the
    # answer, moving what is below it: the click waits for the card to settle.)
    expect(page.get_by_test_id("bgimage-progress")).to_be_hidden()
    page.get_by_test_id("bgimage-remove").click()
    confirm = page.get_by_test_id("bgimage-remove-confirm")
    expect(confirm).to_be_visible()
    screenshot(page, f"forms-image-remove-confirm-{viewport}")
    page.get_by_test_id("bgimage-remove-keep").click()
    expect(confirm).to_be_hidden()
    expect(preview).to_be_visible()
    event.refresh_from_db()
    assert event.background_image

    page.get_by_test_id("bgimage-remove").click()
    page.get_by_test_id("bgimage-remove-yes").click()
    expect(preview).to_be_hidden()
    expect(saved).to_contain_text("Removed")
    expect(label).to_have_text("Choose image…")
    event.refresh_from_db()
    assert not event.background_image


def test_a_hidden_ticket_says_so_folded_and_the_names_line_up(organizer_page, event, viewport):
    Ticket.objects.create(event=event, name="Community", type="free", quantity=10, position=0)
    Ticket.objects.create(event=event, name="Regular", type="paid", price=20, quantity=10, position=1)
    Ticket.objects.create(event=event, name="Supporter", type="donation", quantity=10, position=2, hidden=True)
    page = organizer_page
    page.goto(f"/events/{event.pk}/wizard/tickets/")
    rows = page.get_by_test_id("ticket-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(2).get_by_test_id("ticket-hidden-label")).to_be_visible()
    expect(rows.nth(2).locator("[data-ticket-details]")).not_to_be_visible()
    expect(rows.nth(0).get_by_test_id("ticket-hidden-label")).to_be_hidden()

    lefts = [rows.nth(i).locator("input[name$='-name']").bounding_box() for i in range(3)]
    assert len({round(box["x"]) for box in lefts}) == 1, lefts
    assert len({round(box["width"]) for box in lefts}) == 1, lefts

    # Hiding another one shows the label at once.
    rows.nth(0).get_by_test_id("ticket-settings").click()
    expect(rows.nth(0).locator("[data-ticket-details]")).to_have_class(re.compile(r"\bshow\b"))
    rows.nth(0).get_by_label("Hide this ticket from the public page").check()
    expect(rows.nth(0).get_by_test_id("ticket-hidden-label")).to_be_visible()
    screenshot(page, f"forms-tickets-hidden-{viewport}")


def test_speakers_are_a_searchable_multi_select(organizer_page, event, viewport):
    for name in ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"]:
        Speaker.objects.create(event=event, name=name)
    page = organizer_page
    page.goto(f"/events/{event.pk}/dashboard/sessions/new/")
    expect(page.locator("select[name=speakers]")).to_be_hidden()  # the script's widget stands in front
    search = page.get_by_role("combobox", name="Speakers")
    search.fill("gra")
    options = page.get_by_test_id("searchable-option")
    expect(options).to_have_count(1)
    expect(options).to_have_text("Grace Hopper")
    options.first.click()
    search.fill("")
    search.press_sequentially("tur")
    search.press("Enter")  # picks the active (first) match, does not send the form
    chips = page.get_by_test_id("searchable-chip")
    expect(chips).to_have_text(["Alan Turing", "Grace Hopper"])
    search.fill("zz")
    expect(page.get_by_role("listbox")).to_contain_text("No match.")
    page.get_by_role("button", name="Remove Alan Turing").click()
    expect(chips).to_have_text(["Grace Hopper"])
    search.fill("a")
    screenshot(page, f"forms-speakers-select-{viewport}")

    # The date pickers open on the event's days, in its time zone, which they name.
    starts = page.locator("input[name=starts_at]")
    expect(starts).to_have_attribute("min", re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d$"))
    expect(page.get_by_text(f"In the event's time zone, {event.timezone}.").first).to_be_visible()
    page.fill("input[name=title]", "Keynote")
    starts.fill(starts.get_attribute("min"))
    later = event.starts_at + timedelta(hours=2)
    page.fill("input[name=ends_at]", later.astimezone(event.tzinfo).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/dashboard/sessions/$"))
    session = event.sessions.get()
    assert [s.name for s in session.speakers.all()] == ["Grace Hopper"]
