"""Password-reset links go to one mailbox a few times an hour at most
(``EVENTDESK_MAIL_PER_RECIPIENT_HOUR``): requests are limited per client address, and
many clients asking for one address's link had the site mail it without end (attack 3,
item 4). The page answers the same either way."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_many_clients_asking_for_one_address_get_it_a_few_links(make_user, settings, mailoutbox, run_tasks):
    settings.EVENTDESK_MAIL_PER_RECIPIENT_HOUR = 3
    cache.clear()
    make_user("victim@example.com")
    for n in range(6):
        answer = Client(REMOTE_ADDR=f"10.7.0.{n}").post(reverse("password_reset"), {"email": "Victim@example.com"})
        assert answer.status_code == 302  # "check your e-mail", as for any address
    run_tasks()
    assert len(mailoutbox) == 3
    assert all(mail.to == ["victim@example.com"] for mail in mailoutbox)
    # Another address has its own count.
    make_user("other@example.com")
    Client(REMOTE_ADDR="10.7.1.1").post(reverse("password_reset"), {"email": "other@example.com"})
    run_tasks()
    assert len(mailoutbox) == 4
