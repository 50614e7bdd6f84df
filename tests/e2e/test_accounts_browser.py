"""A person signs up and logs in through the pages, in Chromium."""

import pytest

from tests.utils import PASSWORD, screenshot

pytestmark = pytest.mark.e2e


def test_sign_up_log_out_and_log_in(page):
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "browser@example.com")
    page.fill("input[name=full_name]", "Bea Browser")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/events/")
    assert page.get_by_test_id("navbar-user").inner_text() == "browser@example.com"
    screenshot(page, "accounts-signed-up")

    page.get_by_test_id("navbar-user").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/")
    assert page.get_by_test_id("navbar-user").count() == 0

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "browser@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/events/")
    assert page.get_by_test_id("navbar-user").inner_text() == "browser@example.com"


def test_weak_password_shows_a_form_error(page):
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "weak@example.com")
    page.fill("input[name=password1]", "12345678")
    page.fill("input[name=password2]", "12345678")
    page.click("form button[type=submit]")
    assert "entirely numeric" in page.locator(".invalid-feedback").all_inner_texts()[0] + " ".join(
        page.locator(".invalid-feedback").all_inner_texts()
    )
