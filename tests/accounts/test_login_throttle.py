"""Password guessing is limited per client address, on the log-in page and the API alike."""

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

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


def test_token_endpoint_shares_the_limit(client, user):
    for _ in range(2):
        client.post(reverse("login"), {"username": user.email, "password": "wrong"})
    api = APIClient()
    assert api.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong"}).status_code == 400
    response = api.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "throttled" in response.json()["detail"].lower() or "request" in response.json()["detail"].lower()
    assert "Retry-After" in response


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
