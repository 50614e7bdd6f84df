"""The ASGI router: HTTP to Django, websockets through origin check and session auth."""

import json
import urllib.error
import urllib.request

import pytest
from channels.testing import HttpCommunicator, WebsocketCommunicator

from config.asgi import application


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_http_goes_to_django():
    communicator = HttpCommunicator(application, "GET", "/accounts/login/", headers=[(b"host", b"localhost")])
    response = await communicator.get_response()
    assert response["status"] == 200
    assert b"Log in" in response["body"]


@pytest.mark.django_db(transaction=True)  # the refusing consumer closes old DB connections first
@pytest.mark.asyncio
async def test_websocket_from_a_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[(b"origin", b"https://evil.example"), (b"host", b"localhost")]
    )
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_websocket_to_an_unknown_path_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/nothing-here/", headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )
    with pytest.raises(ValueError, match="No route found"):
        await communicator.connect()


@pytest.mark.parametrize("path", ["/events/1/files/bgimage/", "/api/v1/auth/token/"])
def test_a_malformed_multipart_body_is_answered_by_django(live_url, path):
    # Twisted (under daphne) parsed multipart bodies itself, and answered a malformed one
    # with a bare 400 (no Content-Type, no body) before Django saw it.
    request = urllib.request.Request(
        live_url + path, data=b"garbage", method="POST", headers={"Content-Type": "multipart/form-data; boundary=x"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code in (400, 403, 415)
    assert refused.value.headers["Content-Type"] == "application/json"
    assert json.loads(refused.value.read())
