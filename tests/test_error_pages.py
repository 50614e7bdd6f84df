"""404, 403 and 500 answer with pages in the site's look; JSON where the answers are JSON
(the API, the banner upload), whatever failed."""

import pytest
from django.test import Client
from django.urls import path

from config import urls as site_urls
from config.urls import urlpatterns as site_urlpatterns
from core.cache import CacheUnavailable
from events import services
from tests.images import image_bytes


def boom(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [*site_urlpatterns, path("test-500/", boom)]
# The API's own URLs end with a catch-all: a failing view under /api/ comes first.
urlpatterns.insert(0, path("api/v1/test-500/", boom))
# This module stands for the root URLconf in some tests: the site's error handlers too.
handler400 = getattr(site_urls, "handler400", "django.views.defaults.bad_request")
handler403 = getattr(site_urls, "handler403", "django.views.defaults.permission_denied")
handler404 = getattr(site_urls, "handler404", "django.views.defaults.page_not_found")
handler500 = getattr(site_urls, "handler500", "django.views.defaults.server_error")


@pytest.mark.django_db
def test_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'data-testid="error-404"' in body
    assert "bootstrap.min.css" in body


@pytest.mark.django_db
def test_403_page(client, organizer):
    client.force_login(organizer)
    response = client.get("/events/all/")
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-testid="error-403"' in body
    assert "Only administrators may list all events." in body
    assert organizer.email in body  # the navbar, as on every page


@pytest.mark.django_db
def test_csrf_failure_page(organizer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(organizer)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert 'data-testid="error-403-csrf"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_500_page():
    client = Client(raise_request_exception=False)
    response = client.get("/test-500/")
    assert response.status_code == 500
    body = response.content.decode()
    assert 'data-testid="error-500"' in body
    assert "deliberate failure" not in body


@pytest.mark.django_db
def test_csrf_failure_of_a_script_is_json(organizer, event):
    client = Client(enforce_csrf_checks=True)
    client.force_login(organizer)
    response = client.post(
        f"/events/{event.pk}/files/bgimage/", {"bgimage": "x"}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert response.status_code == 403
    assert response.json() == {
        "status": "error",
        "error": "This form has expired or came from elsewhere: reload the page and try again.",
    }
    event.refresh_from_db()
    assert not event.background_image


# --- JSON stays JSON, whatever fails: the API and the banner upload never answer a page ----


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_failure_under_the_api_is_a_json_500():
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/test-500/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "deliberate failure" not in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/events/1/tracks/"])
def test_a_host_not_allowed_under_the_api_is_a_json_400(client, path):
    response = client.get(path, HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v2/", "/api/nothing"])
def test_a_path_under_the_api_that_nothing_serves_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_a_host_not_allowed_elsewhere_is_the_page(client):
    response = client.get("/", HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.fixture
def banner_upload(organizer, event):
    client = Client(raise_request_exception=False)
    client.force_login(organizer)

    def upload(**headers):
        return client.post(f"/events/{event.pk}/files/bgimage/", {"bgimage": _png()}, **headers)

    return upload


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    return SimpleUploadedFile("banner.png", image_bytes(size=(400, 200)), content_type="image/png")


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_failing_banner_upload_is_a_json_500(banner_upload, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("deliberate failure of the banner")

    monkeypatch.setattr(services, "set_background_image", fail)
    response = banner_upload()  # no X-Requested-With, no Accept: any client
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "error"
    assert "deliberate" not in response.json()["error"]


@pytest.mark.django_db
def test_an_outage_met_by_the_banner_upload_is_a_json_503(banner_upload, monkeypatch):
    def unavailable(*args, **kwargs):
        raise CacheUnavailable

    monkeypatch.setattr(services, "set_background_image", unavailable)
    response = banner_upload()
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "error"
