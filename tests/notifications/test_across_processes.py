"""Two daphne processes sharing Redis: a change made in one reaches a socket held by the other."""

import asyncio
import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid

import pytest
from django.test import Client
from websockets.asyncio.client import connect

from notifications.models import Notification
from tests.utils import BASE_DIR, PASSWORD, server_env

pytestmark = pytest.mark.integration

TIMEOUT = 15


def session_cookie(user):
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client.cookies["sessionid"].value


def post_form(server, path, session, **data):
    """POST a form on a live server as a browser would: CSRF cookie and token first."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy
    page = opener.open(
        urllib.request.Request(f"{server.url}/notifications/", headers={"Cookie": f"sessionid={session}"})
    )
    csrf_cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"]).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
    request = urllib.request.Request(
        f"{server.url}{path}",
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode(),
        headers={"Cookie": f"sessionid={session}; csrftoken={csrf_cookie}"},
        method="POST",
    )
    with opener.open(request) as response:
        return response.status


async def receive(socket):
    return json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))


def test_a_notification_made_elsewhere_reaches_the_socket_on_another_process(start_daphne, redis_url, user, settings):
    layer_env = {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
    first, second = start_daphne(**layer_env), start_daphne(**layer_env)
    session = session_cookie(user)

    async def scenario():
        async with connect(
            f"ws://127.0.0.1:{first.port}/ws/notifications/",
            origin=first.url,
            additional_headers={"Cookie": f"sessionid={session}"},
            proxy=None,
            open_timeout=TIMEOUT,
        ) as socket:
            assert await receive(socket) == {"meta": "WS connected", "notif_count": 0, "notifs": []}

            # Created by a third process: the notify command, on the same database and Redis.
            command = [sys.executable, "manage.py", "notify", "--email", user.email, "--title", "From afar"]
            await asyncio.to_thread(
                subprocess.run, command, cwd=BASE_DIR, env=server_env(settings, **layer_env), check=True, timeout=60
            )
            pushed = await receive(socket)
            assert pushed["meta"] == "New notifications"
            assert pushed["notif_count"] == 1
            assert [notif["title"] for notif in pushed["notifs"]] == ["From afar"]

            # Read through an HTTP request served by the second daphne process.
            status = await asyncio.to_thread(post_form, second, "/notifications/read-all/", session)
            assert status == 200  # after the redirect back to the center
            pushed = await receive(socket)
            assert pushed == {"meta": "Notifications read", "notif_count": 0, "notifs": []}

    asyncio.run(scenario())
    assert not Notification.objects.filter(user=user, has_read=False).exists()
