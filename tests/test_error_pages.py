"""404, 403 and 500 answer with pages in the site's look."""

import pytest
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [*site_urlpatterns, path("test-500/", boom)]


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
