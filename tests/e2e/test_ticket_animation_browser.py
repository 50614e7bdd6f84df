"""The wizard's tickets step, in Chromium: a ticket added with an "Add" button comes in
with a short animation, and with none for someone whose system asks for reduced motion
(``prefers-reduced-motion: reduce``); the tickets already there never animate."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.utils import sign_in
from tickets.models import Ticket

pytestmark = pytest.mark.e2e

# Click an "Add" button and read, in the same task (before any frame could end it), the
# animations the new row runs and its computed animation's name.
ADD_AND_READ = """(kind) => {
  const rows = () => document.querySelectorAll("[data-ticket-row]");
  const before = rows().length;
  document.querySelector(`[data-testid="add-${kind}"]`).click();
  const row = rows()[before];
  return {
    animations: row.getAnimations().map((a) => [a.animationName, a.playState]),
    name: getComputedStyle(row).animationName,
    stored: [...document.querySelectorAll("[data-ticket-stored]")].flatMap((r) => r.getAnimations()).length,
  };
}"""

# The animations the ticket rows run (their own, not their fields' transitions).
RUNNING = """[...document.querySelectorAll("[data-ticket-row]")].flatMap((row) => row.getAnimations())
  .map((a) => [a.constructor.name, a.animationName || a.transitionProperty, a.playState])"""


@pytest.fixture
def tickets_page(page, live_url, organizer, event):
    Ticket.objects.create(event=event, name="Community", type="free", quantity=10, position=0)
    sign_in(page, organizer, live_url)
    return page, reverse("tickets:wizard", args=[event.pk])


def test_an_added_ticket_comes_in_with_an_animation(tickets_page):
    page, url = tickets_page
    page.emulate_media(reduced_motion="no-preference")
    page.goto(url)
    assert page.evaluate(RUNNING) == []
    for kind in ("free", "paid", "donation"):
        seen = page.evaluate(ADD_AND_READ, kind)
        assert seen["name"] == "ticket-row-in", seen
        assert [name for name, _ in seen["animations"]] == ["ticket-row-in"], seen
        assert seen["animations"][0][1] in ("running", "pending"), seen
        assert seen["stored"] == 0  # the tickets there were stay still
    # Once played, it is gone: nothing replays it (a row moved up after a removal, say).
    rows = page.get_by_test_id("ticket-row")
    expect(rows).to_have_count(4)
    for index in range(1, 4):
        expect(rows.nth(index)).not_to_have_class(re.compile(r"\bticket-row-added\b"), timeout=5000)
    assert page.evaluate(RUNNING) == []
    expect(rows.nth(3).locator("input[name$='-name']")).to_be_focused()


def test_no_animation_when_the_system_asks_for_reduced_motion(tickets_page):
    page, url = tickets_page
    page.emulate_media(reduced_motion="reduce")
    page.goto(url)
    for kind in ("free", "paid", "donation"):
        seen = page.evaluate(ADD_AND_READ, kind)
        assert seen == {"animations": [], "name": "none", "stored": 0}, seen
    rows = page.get_by_test_id("ticket-row")
    expect(rows).to_have_count(4)
    for index in range(1, 4):  # nothing left to play if the preference changes
        expect(rows.nth(index)).not_to_have_class(re.compile(r"\bticket-row-added\b"))
    expect(rows.nth(3)).to_be_visible()
    expect(rows.nth(3).locator("input[name$='-name']")).to_be_focused()
