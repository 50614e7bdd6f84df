"""The account pages: styled forms (Bootstrap classes, red borders on errors), the
password reset by e-mail, the profile page, the name in the navbar, and the messages
after signing up and logging out."""

import re

import pytest
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse

from tests.utils import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-horse-battery-7"


def test_log_in_page_has_bootstrap_inputs_and_a_forgot_password_link(client):
    html = client.get(reverse("login")).content.decode()
    assert re.search(r'<input type="text" name="username"[^>]*class="form-control"', html)
    assert re.search(r'<input type="password" name="password"[^>]*class="form-control"', html)
    assert f'href="{reverse("password_reset")}"' in html
    assert "Forgot password?" in html


def test_a_failing_sign_up_marks_the_inputs_red(client):
    response = client.post(reverse("signup"), {"email": "bad", "password1": "1", "password2": "2"})
    html = response.content.decode()
    assert re.search(r'name="email"[^>]*class="form-control is-invalid"', html)
    assert re.search(r'name="password2"[^>]*class="form-control is-invalid"', html)


def test_password_change_form_is_styled_and_marks_errors(client, user):
    client.force_login(user)
    response = client.post(
        reverse("password_change"), {"old_password": "wrong", "new_password1": "x", "new_password2": "x"}
    )
    assert re.search(r'name="old_password"[^>]*class="form-control is-invalid"', response.content.decode())
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_sign_up_says_to_check_the_inbox_and_the_log_in_shows_the_name(client):
    response = client.post(
        reverse("signup"),
        {"email": "bea@example.com", "full_name": "Bea Browser", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    assert 'data-testid="signup-sent"' in response.content.decode()
    response = client.post(reverse("login"), {"username": "bea@example.com", "password": PASSWORD}, follow=True)
    html = response.content.decode()
    assert re.search(r'data-testid="navbar-user" title="bea@example.com">Bea Browser</a>', html)


def test_log_out_says_so(client, user):
    client.force_login(user)
    response = client.post(reverse("logout"), follow=True)
    assert "You are logged out." in response.content.decode()
    assert not get_user(client).is_authenticated


@pytest.mark.parametrize(
    ("target", "lands_on"),
    [
        ("/events/new/", "/events/new/"),
        ("foo", "/events/"),  # Django's check kept it: /accounts/login/foo, a 404
        ("logout", "/events/"),
        ("events:mine", "/events/"),
        ("//evil.example/", "/events/"),
        ("/\\evil.example/", "/events/"),
        ("https:evil.example", "/events/"),
        ("http://testserver/events/new/", "/events/"),  # a path, not a URL
    ],
)
def test_log_in_and_log_out_follow_next_only_to_a_local_path(client, user, target, lands_on):
    page = client.get(reverse("login"), {"next": target}).content.decode()
    shown = re.search(r'name="next" value="([^"]*)"', page).group(1)
    assert shown == (target if target == lands_on else "")
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response["Location"] == lands_on
    response = client.post(reverse("logout"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == (target if target == lands_on else reverse("home"))


@pytest.mark.parametrize(
    ("target", "lands_on"),
    [("/admin/events/event/", "/admin/events/event/"), ("logout", "/admin/"), ("//evil.example/", "/admin/")],
)
def test_the_admin_log_in_follows_next_only_to_a_local_path(client, super_admin, target, lands_on):
    response = client.post(
        f"/admin/login/?next={target}", {"username": super_admin.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_the_profile_page_changes_the_name_only(client, user):
    assert client.get(reverse("profile")).status_code == 302  # log in first
    client.force_login(user)
    assert client.get(reverse("profile")).status_code == 200
    response = client.post(reverse("profile"), {"full_name": "  Ada Lovelace ", "email": "x@example.com"}, follow=True)
    assert "Your profile is saved." in response.content.decode()
    user.refresh_from_db()
    assert (user.full_name, user.email) == ("Ada Lovelace", "someone@example.com")
    assert 'data-testid="navbar-user" title="someone@example.com">Ada Lovelace</a>' in response.content.decode()


def test_the_profile_refuses_a_name_too_long(client, user):
    client.force_login(user)
    response = client.post(reverse("profile"), {"full_name": "x" * 151})
    assert re.search(r'name="full_name"[^>]*class="form-control is-invalid"', response.content.decode())
    user.refresh_from_db()
    assert user.full_name != "x" * 151


def test_password_reset_by_e_mail(client, user, mailoutbox, run_tasks):
    response = client.post(reverse("password_reset"), {"email": "SOMEONE@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []  # queued: a worker sends it, not the request
    assert run_tasks() == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["someone@example.com"]
    assert mail.subject == "Choose a new Eventdesk password"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.body).group(1)

    form = client.get(link, follow=True)
    assert 'name="new_password1"' in form.content.decode()
    assert "form-control" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link works once.
    again = client.get(link, follow=True)
    assert 'data-testid="password-reset-invalid"' in again.content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, mailoutbox, run_tasks):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert run_tasks() == 0
    assert mailoutbox == []


def test_password_reset_requests_are_limited_per_address(settings, user, mailoutbox, run_tasks):
    settings.EVENTDESK_LOGIN_RATE = "2/min"
    client = Client()
    for _ in range(2):
        assert client.post(reverse("password_reset"), {"email": user.email}).status_code == 302
    refused = client.post(reverse("password_reset"), {"email": user.email})
    assert refused.status_code == 429
    assert "Too many requests from your address" in refused.content.decode()
    run_tasks()
    assert len(mailoutbox) == 2
