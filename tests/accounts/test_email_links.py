"""E-mailed links point at the site, never where the request's headers say (Step 13,
item 14): the password-reset link uses SITE_URL when it is set, and otherwise only a host
ALLOWED_HOSTS names, with the port the request came in on (core.links)."""

import re

import pytest
from django.core.exceptions import DisallowedHost
from django.urls import reverse

from core.links import site_root
from tests.utils import run_tasks

pytestmark = pytest.mark.django_db


def reset(client, email, capture, **headers):
    with capture(execute=True):
        answer = client.post(reverse("password_reset"), {"email": email}, headers=headers)
    run_tasks()  # the e-mail is a background task
    return answer


def reset_link(mail):
    return re.search(r"(\S+/accounts/password/reset/\S+/)", mail.body).group(1)


def test_the_reset_link_uses_site_url_whatever_the_host_header(
    client, user, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://events.example.org/"
    settings.ALLOWED_HOSTS = ["events.example.org", "evil.example.net", "testserver"]
    response = reset(client, user.email, django_capture_on_commit_callbacks, host="evil.example.net:6666")
    assert response.status_code == 302
    [mail] = mailoutbox
    assert reset_link(mail).startswith("https://events.example.org/accounts/password/reset/")
    assert "evil" not in mail.body
    assert "6666" not in mail.body


@pytest.mark.parametrize(
    ("allowed", "host"),
    [
        (["*"], "evil.example.net"),  # a wildcard names no host
        ([".example.net"], "evil.example.net"),
        (["testserver"], "testserver:6666"),  # an allowed name, another port than the request's
    ],
)
def test_without_site_url_a_host_allowed_host_does_not_name_is_refused(
    client, user, settings, mailoutbox, django_capture_on_commit_callbacks, allowed, host
):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = allowed
    response = reset(client, user.email, django_capture_on_commit_callbacks, host=host)
    assert response.status_code == 400
    assert mailoutbox == []


def test_without_site_url_an_unknown_host_is_refused(client, user, settings, mailoutbox):
    settings.SITE_URL = ""
    response = client.post(reverse("password_reset"), {"email": user.email}, headers={"host": "evil.example.net"})
    assert response.status_code == 400
    assert run_tasks() == 0
    assert mailoutbox == []


def test_without_site_url_a_named_host_and_the_requests_port_make_the_link(
    client, user, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["localhost"]
    response = client.post(
        reverse("password_reset"), {"email": user.email}, headers={"host": "localhost:8000"}, SERVER_PORT="8000"
    )
    assert response.status_code == 302
    run_tasks()
    assert reset_link(mailoutbox[0]).startswith("http://localhost:8000/accounts/password/reset/")


def test_behind_the_proxy_the_forwarded_port_is_nginxs_not_the_clients(settings, rf):
    settings.SITE_URL = ""
    settings.BEHIND_PROXY = True
    settings.USE_X_FORWARDED_HOST = True
    settings.USE_X_FORWARDED_PORT = True
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    # nginx passes the client's Host on as X-Forwarded-Host, and its own port as X-Forwarded-Port.
    honest = rf.get("/", HTTP_X_FORWARDED_HOST="127.0.0.1:8443", HTTP_X_FORWARDED_PORT="8443")
    assert site_root(honest) == "http://127.0.0.1:8443"
    forged = rf.get("/", HTTP_X_FORWARDED_HOST="127.0.0.1:6666", HTTP_X_FORWARDED_PORT="8443")
    with pytest.raises(DisallowedHost):
        site_root(forged)


def test_invitation_links_use_site_url_too(
    organizer, event, settings, mailoutbox, client, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://events.example.org"
    settings.ALLOWED_HOSTS = ["events.example.org", "evil.example.net", "testserver"]
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("events:invite-create", args=[event.pk]),
            {"invite-email": "ada@example.com", "invite-role": "moderator"},
            headers={"host": "evil.example.net"},
        )
    assert response.status_code == 302
    run_tasks()
    [mail] = mailoutbox
    assert "https://events.example.org/accounts/signup/?invite=" in mail.body
    assert "evil" not in mail.body
