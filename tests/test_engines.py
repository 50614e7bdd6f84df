"""Which database and channel layer ran: CI sets DATABASE_URL and REDIS_URL and must
really use PostgreSQL and Redis, not fall back to the embedded defaults."""

import os
import uuid

import pytest
import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_database_engine_follows_database_url():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://", "pgsql://")) else "sqlite"
    assert connection.vendor == expected


def test_channel_layer_round_trip():
    layer = get_channel_layer()
    group = f"engine-check-{uuid.uuid4().hex}"

    async def round_trip():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await layer.group_send(group, {"type": "engine.check", "text": "hello"})
        message = await layer.receive(channel)
        await layer.group_discard(group, channel)
        return message

    assert async_to_sync(round_trip)() == {"type": "engine.check", "text": "hello"}


def test_channel_layer_follows_redis_url():
    layer = get_channel_layer()
    if not os.environ.get("REDIS_URL"):
        assert type(layer).__name__ == "InMemoryChannelLayer"
        return
    assert type(layer).__module__.startswith("channels_redis.")
    # The message really passes through Redis: a subscriber on the server sees it.
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert client.ping()
    group = f"engine-check-{uuid.uuid4().hex}"

    async def send_and_count():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        seen_before = client.info("stats")["total_commands_processed"]
        await layer.group_send(group, {"type": "engine.check"})
        message = await layer.receive(channel)
        await layer.group_discard(group, channel)
        return message, client.info("stats")["total_commands_processed"] - seen_before

    message, commands = async_to_sync(send_and_count)()
    assert message == {"type": "engine.check"}
    assert commands >= 1
