"""The site as a whole: the favicon, the logo, the API's root and the link to its docs,
the admin's name."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"
    assert "max-age=86400" in response["Cache-Control"]
    with Image.open(finders.find("favicon.ico")) as icon:
        assert icon.format == "ICO"


@pytest.mark.django_db
def test_every_page_names_its_icon_and_shows_the_logo(client, organizer):
    for who in (None, organizer):
        if who:
            client.force_login(who)
        body = client.get(reverse("home")).content.decode()
        assert 'rel="icon" href="/static/favicon.svg"' in body
        assert 'src="/static/img/logo.svg"' in body
    assert finders.find("favicon.svg")
    assert finders.find("img/logo.svg")


@pytest.mark.django_db
def test_the_user_menu_links_to_the_api_docs(client, organizer):
    client.force_login(organizer)
    body = client.get(reverse("events:mine")).content.decode()
    assert f'href="{reverse("api:docs")}"' in body


@pytest.mark.django_db
def test_the_api_root_lists_its_entry_points():
    answer = APIClient().get("/api/v1/")
    assert answer.status_code == 200
    body = answer.json()
    base = "http://testserver/api/v1/"
    assert body["docs"] == base + "docs/"
    assert body["schema"] == base + "schema/"
    assert body["auth_token"] == base + "auth/token/"
    assert body["events"] == base + "events/"
    assert body["notifications"] == base + "notifications/"
    assert body["event"] == base + "events/{event_id}/"
    assert body["event_resources"]["tracks"] == base + "events/{event_id}/tracks/"
    assert {"sessions", "speakers", "sponsors", "microlocations", "tickets"} <= set(body["event_resources"])
    # Anything else under /api/v1/ is still a JSON 404.
    assert APIClient().get("/api/v1/nothing/").status_code == 404


@pytest.mark.django_db
def test_the_api_root_is_in_the_schema():
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert "get" in schema["paths"]["/api/v1/"]


@pytest.mark.django_db
def test_the_admin_is_branded(client, super_admin):
    client.force_login(super_admin)
    body = client.get(reverse("admin:index")).content.decode()
    assert "Eventdesk administration" in body
    assert "Django administration" not in body
    assert "<title>Site administration | Eventdesk admin</title>" in body


@pytest.mark.django_db
def test_every_dashboard_tab_has_its_icon(client, organizer, event):
    import re

    client.force_login(organizer)
    body = client.get(reverse("events:dashboard", args=[event.pk])).content.decode()
    nav = body[body.index('data-testid="dashboard-nav"') :].split("</ul>")[0]
    tabs = re.findall(r"<a class=\"nav-link[^>]*>(.*?)</a>", nav, re.S)
    assert len(tabs) >= 8
    sprite = Path(finders.find("img/icons.svg")).read_text()
    for tab in tabs:
        name = re.search(r'icons\.svg#([\w-]+)"', tab).group(1)
        assert f'<symbol id="{name}"' in sprite, name
