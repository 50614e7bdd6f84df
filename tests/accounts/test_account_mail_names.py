"""Account e-mails greet nobody by a name the mailbox's owner did not choose.

Anyone may sign up with anyone's address and any name; until the address is confirmed the
name is the signer's word. The confirmation link, "someone tried to sign up with your
address" and password-reset links go to that mailbox on anyone's request, so a name such as
"https://evil.example/verify" would be the site's own mail carrying a stranger's text to it.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.utils import PASSWORD, run_tasks

pytestmark = pytest.mark.django_db

BAIT = "https://evil.example/verify-your-payout"


def sign_up(email, capture, full_name=BAIT):
    data = {"email": email, "full_name": full_name, "password1": PASSWORD, "password2": PASSWORD}
    with capture(execute=True):
        answer = Client().post(reverse("signup"), data)
    run_tasks()  # the e-mails are background tasks
    return answer


def reset(email, capture):
    with capture(execute=True):
        answer = Client().post(reverse("password_reset"), {"email": email})
    run_tasks()
    return answer


def test_mail_to_an_unconfirmed_address_carries_no_name_the_signer_typed(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EVENTDESK_SIGNUP_RATE = "100/min"
    capture = django_capture_on_commit_callbacks
    assert sign_up("victim@example.com", capture).status_code == 302  # the confirmation link
    assert User.objects.get(email="victim@example.com").full_name == BAIT
    assert sign_up("victim@example.com", capture).status_code == 302  # "someone tried"
    assert reset("victim@example.com", capture).status_code == 302  # a reset link
    assert len(mailoutbox) == 3
    for mail in mailoutbox:
        assert mail.to == ["victim@example.com"]
        assert "evil.example" not in mail.body
        assert mail.body.startswith("Hello,\n")


def test_a_confirmed_owner_is_greeted_by_their_name(
    make_user, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EVENTDESK_SIGNUP_RATE = "100/min"
    make_user("owner@example.com", full_name="Ada Lovelace")
    sign_up("owner@example.com", django_capture_on_commit_callbacks, full_name="Someone Else")
    reset("owner@example.com", django_capture_on_commit_callbacks)
    assert [mail.body.splitlines()[0] for mail in mailoutbox] == ["Hello Ada,", "Hello Ada,"]
