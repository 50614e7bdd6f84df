"""``SERVE_FILES``: the ASGI app serves ``/static/`` and ``/media/`` itself, whatever ``DEBUG`` says.

The switch is read when the app is imported (``/static/``, config.asgi), so it is tested
in a daphne process. Uploads are read through the storage API (config.views.media):
tested here in the test process, where the storage keeps them in memory (tests/conftest.py).
"""

import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.http import http_date

from tests.images import data_url, image_bytes, stored_files

PNG = b"\x89PNG\r\n\x1a\nnot really an image"


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a loopback URL
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def uploaded(start_daphne):
    """A file in the storage the servers share (on disk: start_daphne)."""
    return default_storage.save("events/backgrounds/banner.png", ContentFile(PNG))


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


# --- uploads, served from the storage (in memory here) --------------------------------------


def served(client, url, **headers):
    response = client.get(url, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, response.get("Content-Type"), body


def upload_banner(client, event, data):
    response = client.post(
        reverse("events:bgimage", args=[event.pk]),
        urlencode({"bgimage": data_url(data)}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.content
    return response.json()["background_url"]


@pytest.mark.django_db
def test_an_upload_is_served_replaced_and_removed_through_the_storage(
    organizer_client, event, settings, django_capture_on_commit_callbacks
):
    """Not a file on disk anywhere: what is served at an image's URL is what the storage
    holds, and a replaced or removed image is gone from both."""
    settings.SERVE_FILES = True
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.InMemoryStorage"
    with django_capture_on_commit_callbacks(execute=True):
        first = upload_banner(organizer_client, event, image_bytes("PNG"))
    event.refresh_from_db()
    assert first == event.background_image.url == f"{settings.MEDIA_URL}{event.background_image.name}"
    with event.background_image.open("rb") as stored:
        content = stored.read()
    assert served(organizer_client, first) == (200, "image/png", content)
    assert served(organizer_client, first, if_modified_since=http_date())[0] == 304  # not changed since

    with django_capture_on_commit_callbacks(execute=True):
        second = upload_banner(organizer_client, event, image_bytes("JPEG"))
    assert second != first
    event.refresh_from_db()
    assert stored_files() == [event.background_image.name]
    status, content_type, body = served(organizer_client, second)
    assert (status, content_type, body[:3]) == (200, "image/jpeg", b"\xff\xd8\xff")
    assert served(organizer_client, first)[0] == 404  # the replaced file is deleted

    with django_capture_on_commit_callbacks(execute=True):
        removed = organizer_client.delete(reverse("events:bgimage", args=[event.pk]))
    assert removed.status_code == 200
    assert stored_files() == []
    assert served(organizer_client, second)[0] == 404


@pytest.mark.django_db
def test_only_stored_files_are_served_and_only_with_serve_files(client, settings):
    name = default_storage.save("events/backgrounds/banner.png", ContentFile(PNG))
    settings.SERVE_FILES = False
    assert served(client, f"/media/{name}")[0] == 404  # nginx or the object store serves them
    settings.SERVE_FILES = True
    assert served(client, f"/media/{name}") == (200, "image/png", PNG)
    for url in ("/media/events/", "/media/events", "/media/events//backgrounds/banner.png", "/media/missing.png"):
        assert served(client, url)[0] == 404, url
    for url in ("/media/events/../events/backgrounds/banner.png", "/media/%2e%2e/config/settings.py"):
        assert served(client, url)[0] in (400, 404), url
