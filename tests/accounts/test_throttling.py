"""Password guessing is limited per client address, on the log-in page and the API alike."""

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.throttling import client_address
from tests.utils import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _low_rate(settings):
    settings.EVENTDESK_LOGIN_RATE = "3/min"


def test_login_page_refuses_after_the_limit(client, user):
    for _ in range(3):
        response = client.post(reverse("login"), {"username": user.email, "password": "wrong"})
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password waits


def test_another_address_is_counted_apart(client, user):
    for _ in range(3):
        client.post(reverse("login"), {"username": user.email, "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 302


def test_an_ipv6_client_counts_by_its_64(client, user):
    # One machine holds a whole /64: a new address in it for every guess is the same client.
    for host in range(1, 4):
        client.post(
            reverse("login"), {"username": user.email, "password": "wrong"}, REMOTE_ADDR=f"2001:db8:1:2::{host}"
        )
    response = client.post(
        reverse("login"), {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="2001:db8:1:2::99"
    )
    assert response.status_code == 429
    response = client.post(
        reverse("login"), {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="2001:db8:1:3::1"
    )
    assert response.status_code == 302  # the next /64 is another client


def test_token_endpoint_shares_the_limit(client, user):
    for _ in range(2):
        client.post(reverse("login"), {"username": user.email, "password": "wrong"})
    api = APIClient()
    assert api.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong"}).status_code == 400
    response = api.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "throttled" in response.json()["detail"].lower() or "request" in response.json()["detail"].lower()
    assert "Retry-After" in response


def test_the_admin_log_in_shares_the_limit(client, super_admin):
    # The admin's own log-in page guessed passwords without end: it counts with the others.
    client.post(reverse("login"), {"username": super_admin.email, "password": "wrong"})
    for _ in range(2):
        response = client.post("/admin/login/", {"username": super_admin.email, "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/admin/login/", {"username": super_admin.email, "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "Too many log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password waits
    assert client.post(reverse("login"), {"username": super_admin.email, "password": PASSWORD}).status_code == 429


def test_limit_holds_across_processes_on_redis(settings, redis_url, user):
    # With REDIS_URL the counts are in Redis, which every server process shares.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}",
        }
    }
    api = APIClient()
    for _ in range(3):
        assert api.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong"}).status_code == 400
    assert api.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).status_code == 429
    from django.core.cache import cache

    assert cache.get("throttle_login_127.0.0.1") is not None


# --- whose address counts: X-Forwarded-For is the client's own words without a proxy ------


def forged(n):
    return f"203.0.113.{n}"


def test_a_forged_forwarded_for_does_not_make_a_new_client_on_the_page(client, user):
    for n in range(3):
        response = client.post(
            reverse("login"), {"username": user.email, "password": "wrong"}, HTTP_X_FORWARDED_FOR=forged(n)
        )
        assert response.status_code == 200
    for n in range(3, 18):  # the right password, from "new" addresses: each one refused unchecked
        response = client.post(
            reverse("login"), {"username": user.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR=forged(n)
        )
        assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_forged_forwarded_for_does_not_make_a_new_client_on_the_api(user):
    api = APIClient()
    for n in range(3):
        response = api.post(
            "/api/v1/auth/token/", {"email": user.email, "password": "wrong"}, HTTP_X_FORWARDED_FOR=forged(n)
        )
        assert response.status_code == 400
    for n in range(3, 18):
        response = api.post(
            "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR=forged(n)
        )
        assert response.status_code == 429


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_PROXY = True


@pytest.mark.usefixtures("behind_proxy")
def test_behind_the_proxy_only_the_address_it_appended_counts(client, user):
    # nginx appends the address it saw: what the client sent before it changes nothing.
    api = APIClient()
    for n in range(3):
        client.post(
            reverse("login"),
            {"username": user.email, "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"{forged(n)}, 198.51.100.7",
        )
    for n in range(3, 8):
        xff = f"{forged(n)}, 198.51.100.7"
        page = client.post(reverse("login"), {"username": user.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR=xff)
        token = api.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR=xff)
        assert (page.status_code, token.status_code) == (429, 429)
    # Another client of the same proxy is counted apart.
    response = client.post(
        reverse("login"), {"username": user.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.8"
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("proxy", "meta", "address"),
    [
        (False, {"REMOTE_ADDR": "10.0.0.1"}, "10.0.0.1"),
        (False, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.1"),
        (True, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8"}, "5.6.7.8"),
        (True, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "2001:db8::1"}, "2001:db8::1"),
        (True, {"REMOTE_ADDR": "127.0.0.1"}, "127.0.0.1"),
        (True, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, junk"}, "127.0.0.1"),
    ],
)
def test_client_address(rf, settings, proxy, meta, address):
    settings.BEHIND_PROXY = proxy
    assert client_address(rf.get("/", **meta)) == address


def test_drf_counts_no_forwarded_for_without_a_proxy():
    # Any DRF throttle (its own get_ident) agrees: NUM_PROXIES is 0, never None, without nginx.
    from rest_framework.settings import api_settings

    assert api_settings.NUM_PROXIES == 0
