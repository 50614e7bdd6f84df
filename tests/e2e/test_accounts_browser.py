"""A person signs up and logs in through the pages, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.utils import PASSWORD, screenshot

pytestmark = pytest.mark.e2e


def test_sign_up_log_out_and_log_in(page):
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "browser@example.com")
    page.fill("input[name=full_name]", "Bea Browser")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/accounts/signup/sent/")
    assert "Check your e-mail" in page.get_by_test_id("signup-sent").inner_text()
    screenshot(page, "accounts-signed-up")

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "browser@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/events/")
    assert page.get_by_test_id("navbar-user").inner_text() == "Bea Browser"

    page.get_by_test_id("navbar-user").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/")
    assert page.get_by_test_id("navbar-user").count() == 0
    assert "You are logged out." in page.get_by_role("alert").inner_text()

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "browser@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/events/")
    assert page.get_by_test_id("navbar-user").inner_text() == "Bea Browser"


def test_weak_password_shows_a_form_error(page):
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "weak@example.com")
    page.fill("input[name=password1]", "12345678")
    page.fill("input[name=password2]", "12345678")
    page.click("form button[type=submit]")
    assert "entirely numeric" in page.locator(".invalid-feedback").all_inner_texts()[0] + " ".join(
        page.locator(".invalid-feedback").all_inner_texts()
    )


@pytest.mark.parametrize(
    "viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 800}], ids=["phone", "laptop"]
)
def test_log_in_page_is_styled_with_red_borders_and_a_forgot_password_link(open_page_at, viewport):
    page = open_page_at(viewport)
    page.goto("/accounts/login/")
    page.click("form button[type=submit]")  # empty: Django's errors
    username = page.locator("input[name=username]")
    expect(username).to_have_class(re.compile(r"\bform-control\b.*\bis-invalid\b"))
    assert page.evaluate("getComputedStyle(document.querySelector('input[name=username]')).borderColor") != (
        page.evaluate("getComputedStyle(document.querySelector('button[type=submit]')).borderColor")
    )
    screenshot(page, f"accounts-login-errors-{'phone' if viewport['width'] < 500 else 'laptop'}")
    page.get_by_test_id("forgot-password").click()
    page.wait_for_url("**/accounts/password/reset/")
    page.fill("input[name=email]", "nobody@example.com")
    page.click("form button[type=submit]")
    expect(page.get_by_test_id("password-reset-sent")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
