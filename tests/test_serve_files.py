"""``SERVE_FILES``: the ASGI app serves ``/static/`` and ``/media/`` itself, whatever ``DEBUG`` says.

Run in a daphne process, since both settings are read when the app is imported.
"""

import urllib.error
import urllib.request

import pytest

PNG = b"\x89PNG\r\n\x1a\nnot really an image"


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a loopback URL
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def uploaded(settings):
    folder = settings.MEDIA_ROOT / "events" / "backgrounds"
    folder.mkdir(parents=True)
    (folder / "banner.png").write_bytes(PNG)
    return "events/backgrounds/banner.png"


def test_with_debug_off_serve_files_serves_static_and_media(start_daphne, uploaded):
    server = start_daphne(DEBUG="false", SERVE_FILES="true")

    assert get(f"{server.url}/media/{uploaded}") == (200, PNG)
    status, body = get(f"{server.url}/static/css/eventdesk.css")
    assert status == 200
    assert b".notif-badge" in body
    # Only what lies under MEDIA_ROOT, and no folder listings.
    assert get(f"{server.url}/media/events/")[0] == 404
    assert get(f"{server.url}/media/%2e%2e/%2e%2e/config/settings.py")[0] in (400, 404)
    assert get(f"{server.url}/media/missing.png")[0] == 404


def test_without_serve_files_neither_is_served(start_daphne, uploaded):
    server = start_daphne(DEBUG="false", SERVE_FILES="false")

    assert get(f"{server.url}/media/{uploaded}")[0] == 404
    assert get(f"{server.url}/static/css/eventdesk.css")[0] == 404
