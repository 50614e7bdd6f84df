"""The order form in Chromium: Back and Submit again (the page re-fetched, its fields
restored by the browser) finds the order the page placed instead of placing a second one;
a new visit places a new one (Step 13, item 15)."""

import pytest

from events.models import Event
from orders.models import Order
from tests.factories import TicketFactory

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path", ["", "order/"])
def test_back_and_submit_again_places_one_order(page, live_url, event, path):
    Event.objects.filter(pk=event.pk).update(state="published")
    ticket = TicketFactory(event=event, name="Regular", paid=True, quantity=10, max_order=5)
    page.goto(f"/e/{event.slug}/{path}")
    page.locator(f"input[name=quantity_{ticket.pk}]").fill("2")
    page.locator("input[name=name]").fill("Ada")
    page.locator("input[name=email]").fill("ada@example.com")
    token = page.locator("input[name=once]").input_value()
    page.get_by_test_id("order-form").locator("button[type=submit]").click()
    page.wait_for_url("**/orders/**")
    first = page.url
    page.go_back()
    page.wait_for_url(f"**/e/{event.slug}/{path}")
    page.wait_for_load_state()
    assert page.locator("input[name=once]").input_value() == token  # the page sent, again
    page.get_by_test_id("order-form").locator("button[type=submit]").click()
    page.wait_for_url("**/orders/**")
    assert page.url == first
    assert "sent already" in page.content()
    assert Order.objects.filter(event=event).count() == 1
    # A new visit is a new order.
    page.goto(f"/e/{event.slug}/{path}")
    page.locator(f"input[name=quantity_{ticket.pk}]").fill("1")
    page.locator("input[name=name]").fill("Ada")
    page.locator("input[name=email]").fill("ada@example.com")
    page.get_by_test_id("order-form").locator("button[type=submit]").click()
    page.wait_for_url("**/orders/**")
    assert page.url != first
    assert Order.objects.filter(event=event).count() == 2
