import json
import subprocess
import sys
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from config import health
from core.outbox import send_later
from tests.utils import BASE_DIR, free_port, run_tasks

EMPTY = {"ready": 0, "oldest_ready_age": None}


@pytest.mark.django_db(transaction=True)
def test_the_queue_is_reported_and_a_waiting_queue_is_healthy(client):
    send_later("Hello", "Body", ["ada@example.com"])
    send_later("Hello", "Body", ["bob@example.com"])
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))
    response = client.get(reverse("healthz"))
    assert response.status_code == 200  # no EVENTDESK_QUEUE_MAX_AGE: reported, not unhealthy
    body = response.json()
    assert (body["tasks"], body["queue"]["ready"]) == ("ok", 2)
    assert 600 <= body["queue"]["oldest_ready_age"] < 660
    run_tasks()
    assert client.get(reverse("healthz")).json()["queue"] == EMPTY


@pytest.mark.django_db(transaction=True)
def test_a_queue_waiting_longer_than_its_limit_is_503(client, settings, run_tasks):
    settings.EVENTDESK_QUEUE_MAX_AGE = 300
    send_later("Hello", "Body", ["ada@example.com"])
    assert client.get(reverse("healthz")).status_code == 200  # queued a moment ago
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=301))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["tasks"] == "behind"
    run_tasks()  # a worker catches up
    assert client.get(reverse("healthz")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_deferred_task_waits_from_its_time_not_from_when_it_was_queued(client):
    from core.tasks import send_email

    send_email.using(run_after=timezone.now() + timedelta(hours=1)).enqueue("Later", "Body", ["ada@example.com"])
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(days=1))
    assert client.get(reverse("healthz")).json()["queue"] == EMPTY  # not ready yet
    DBTaskResult.objects.update(run_after=timezone.now() - timedelta(seconds=30))
    assert 30 <= client.get(reverse("healthz")).json()["queue"]["oldest_ready_age"] < 90


@pytest.mark.django_db(transaction=True)
def test_healthy(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok", "cache": "ok", "tasks": "ok", "queue": EMPTY}
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
    assert response.json() == {"database": "ok", "channel_layer": "ok", "cache": "ok", "tasks": "ok", "queue": EMPTY}


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
    assert response.json() == {
        "database": "ok",
        "channel_layer": "unavailable",
        "cache": "ok",
        "tasks": "ok",
        "queue": EMPTY,
    }


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
    assert json.loads(body) == {
        "database": "unavailable",
        "channel_layer": "ok",
        "cache": "ok",
        "tasks": "unavailable",
        "queue": None,
    }
