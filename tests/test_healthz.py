import json
import subprocess
import sys

import pytest
from django.urls import reverse

from config import health
from tests.utils import BASE_DIR, free_port


@pytest.mark.django_db(transaction=True)
def test_healthy(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok", "cache": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db(transaction=True)
def test_healthy_on_redis(client, settings, redis_url):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": settings.CHANNEL_LAYER_BACKEND,
            "CONFIG": {"hosts": [redis_url], "prefix": "healthz-test"},
        }
    }
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok", "cache": "ok"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "backend", ["channels_redis.pubsub.RedisPubSubChannelLayer", "channels_redis.core.RedisChannelLayer"]
)
def test_redis_unreachable_is_503(client, settings, backend):
    # Nothing listens on this port: the channel layer cannot reach "Redis".
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": backend, "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]}}
    }
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "channel_layer": "unavailable", "cache": "ok"}


@pytest.fixture
def no_failure_seen(monkeypatch):
    monkeypatch.setattr(health, "_failing", set())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_failure_seen")
def test_a_failing_check_is_logged_once_per_outage(client, settings, caplog):
    # Polled every few seconds through an outage: one traceback, not one per poll.
    unreachable = {
        "BACKEND": settings.CHANNEL_LAYER_BACKEND,
        "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
    }
    healthy = settings.CHANNEL_LAYERS["default"]
    settings.CHANNEL_LAYERS = {"default": unreachable}
    with caplog.at_level("INFO"):
        for _ in range(3):
            assert client.get(reverse("healthz")).status_code == 503
        failed = [record for record in caplog.records if "failed" in record.getMessage()]
        assert len(failed) == 1
        assert failed[0].exc_info
        settings.CHANNEL_LAYERS = {"default": healthy}
        assert client.get(reverse("healthz")).status_code == 200
        assert client.get(reverse("healthz")).status_code == 200
        assert [record.getMessage() for record in caplog.records][1:] == ["health check channel_layer passes again"]
        settings.CHANNEL_LAYERS = {"default": unreachable}
        assert client.get(reverse("healthz")).status_code == 503
    assert len([record for record in caplog.records if "failed" in record.getMessage()]) == 2


def test_database_unreachable_is_503():
    # A real process whose database is a port nothing listens on.
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, json.dumps(r.json()))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{free_port()}/none",
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "CRITICAL",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"database": "unavailable", "channel_layer": "ok", "cache": "ok"}
