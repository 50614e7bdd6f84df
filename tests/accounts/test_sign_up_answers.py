"""The sign-up page tells nobody whether an address has an account, and is limited per
client address (Step 13, item 13); a new account's address is confirmed by its link."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.utils import PASSWORD, run_tasks

pytestmark = pytest.mark.django_db


def signup(client, email, capture, **extra):
    data = {"email": email, "full_name": "Ann", "password1": PASSWORD, "password2": PASSWORD, **extra}
    with capture(execute=True):
        answer = client.post(reverse("signup"), data, **extra.pop("headers", {}))
    run_tasks()  # the e-mails are background tasks
    return answer


def answer_of(response):
    """What the sign-up answers, as the sender sees it: status, where it leads, who is logged in."""
    page = response.client.get(response["Location"]).content.decode() if response.status_code == 302 else ""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return response.status_code, response.get("Location"), response.client.session.get("_auth_user_id"), page


def test_a_taken_and_a_free_address_get_the_same_answer(make_user, mailoutbox, django_capture_on_commit_callbacks):
    owner = make_user("taken@example.com", full_name="Owner")
    taken = signup(Client(), "TAKEN@example.com", django_capture_on_commit_callbacks)
    free = signup(Client(), "free@example.com", django_capture_on_commit_callbacks)
    assert answer_of(taken) == answer_of(free)
    assert taken.status_code == 302
    assert answer_of(taken)[2] is None  # nobody is logged in by signing up
    # No second account; the owner keeps their password and name, and is told.
    assert User.objects.filter(email="taken@example.com").count() == 1
    owner.refresh_from_db()
    assert owner.full_name == "Owner"
    told, confirm = mailoutbox
    assert told.to == ["taken@example.com"]
    assert "already has an account" in told.body
    assert "/accounts/password/reset/" in told.body
    assert confirm.to == ["free@example.com"]
    assert "/accounts/confirm/" in confirm.body
    new = User.objects.get(email="free@example.com")
    assert new.email_confirmed_at is None


def test_a_taken_address_is_no_form_error(make_user, client, django_capture_on_commit_callbacks):
    make_user("taken@example.com")
    response = signup(client, "taken@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert "already exists" not in client.get(response["Location"]).content.decode()


def test_the_owner_of_a_taken_address_gets_a_few_mails_an_hour_at_most(
    make_user, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EVENTDESK_SIGNUP_RATE = "100/min"
    make_user("taken@example.com")
    for _ in range(10):
        assert signup(Client(), "taken@example.com", django_capture_on_commit_callbacks).status_code == 302
    assert 1 <= len(mailoutbox) <= settings.EVENTDESK_MAIL_PER_RECIPIENT_HOUR


def test_sign_ups_are_limited_per_client_address(settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.EVENTDESK_SIGNUP_RATE = "3/hour"
    answers = [signup(Client(), f"n{n}@example.com", django_capture_on_commit_callbacks).status_code for n in range(4)]
    assert answers == [302, 302, 302, 429]
    assert not User.objects.filter(email="n3@example.com").exists()
    # Another client address is counted apart.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert signup(other, "n4@example.com", django_capture_on_commit_callbacks).status_code == 302
    refused = signup(Client(), "n5@example.com", django_capture_on_commit_callbacks)
    assert refused.status_code == 429
    assert "Too many sign-ups" in refused.content.decode()


def test_an_ipv6_client_counts_by_its_64(settings, django_capture_on_commit_callbacks):
    settings.EVENTDESK_SIGNUP_RATE = "2/hour"
    answers = [
        signup(Client(REMOTE_ADDR=f"2001:db8:1:2::{n:x}"), f"v{n}@example.com", django_capture_on_commit_callbacks)
        for n in range(3)
    ]
    assert [answer.status_code for answer in answers] == [302, 302, 429]
    other = Client(REMOTE_ADDR="2001:db8:1:3::1")
    assert signup(other, "w@example.com", django_capture_on_commit_callbacks).status_code == 302


def test_confirming_needs_the_link_and_the_log_in(make_user, client, mailoutbox, django_capture_on_commit_callbacks):
    signup(client, "new@example.com", django_capture_on_commit_callbacks)
    user = User.objects.get(email="new@example.com")
    path = re.search(r"http://testserver(/accounts/confirm/\S+/)", mailoutbox[0].body).group(1)
    # Someone else's account, logged in, cannot use it.
    other = Client()
    other.force_login(make_user("other@example.com", email_confirmed_at=None))
    assert other.post(path).status_code == 400
    # A forged or cut link is refused.
    client.force_login(user)
    assert client.post(path[:-3] + "x/").status_code == 400
    assert client.post(reverse("confirm_email", args=["nonsense"])).status_code == 400
    user.refresh_from_db()
    assert user.email_confirmed_at is None
    # The account, logged in, confirms (GET only shows the button).
    assert client.get(path).status_code == 200
    user.refresh_from_db()
    assert user.email_confirmed_at is None
    assert client.post(path).status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed_at is not None


def test_logging_in_unconfirmed_says_so(make_user, client):
    make_user("new@example.com", email_confirmed_at=None)
    page = client.post(reverse("login"), {"username": "new@example.com", "password": PASSWORD}, follow=True)
    assert "not confirmed yet" in page.content.decode()
    make_user("old@example.com")
    other = Client()
    page = other.post(reverse("login"), {"username": "old@example.com", "password": PASSWORD}, follow=True)
    assert "not confirmed yet" not in page.content.decode()


def test_the_profile_sends_the_link_again_a_few_times(
    make_user, client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    user = make_user("new@example.com", email_confirmed_at=None)
    client.force_login(user)
    assert "Not confirmed" in client.get(reverse("profile")).content.decode()
    for _ in range(settings.EVENTDESK_MAIL_PER_RECIPIENT_HOUR + 2):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(reverse("confirm_email_again")).status_code == 302
    run_tasks()
    assert len(mailoutbox) == settings.EVENTDESK_MAIL_PER_RECIPIENT_HOUR
    assert client.post(reverse("confirm_email_again"), follow=True).content.decode().count("several links") >= 1


def test_a_changed_address_is_confirmed_again_and_old_links_stop_working(
    super_admin, make_user, client, mailoutbox, django_capture_on_commit_callbacks
):
    user = make_user("old@example.com", email_confirmed_at=None)
    from accounts import services

    old_link = services.confirmation_path(user)
    user.email_confirmed_at = user.date_joined
    user.save()
    # The super admin changes the address in the admin.
    admin = Client()
    admin.force_login(super_admin)
    change = reverse("admin:accounts_user_change", args=[user.pk])
    data = {
        "email": "new@example.com",
        "full_name": "",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(change, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert (user.email, user.email_confirmed_at) == ("new@example.com", None)
    run_tasks()
    [mail] = mailoutbox
    assert mail.to == ["new@example.com"]
    client.force_login(user)
    assert client.post(old_link).status_code == 400
    new_link = re.search(r"http://testserver(/accounts/confirm/\S+/)", mail.body).group(1)
    assert client.post(new_link).status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed_at is not None


def test_operators_accounts_are_confirmed(db):
    assert User.objects.create_superuser("root@example.com", PASSWORD).email_confirmed_at is not None
    assert User.objects.create_user("plain@example.com", PASSWORD).email_confirmed_at is None
