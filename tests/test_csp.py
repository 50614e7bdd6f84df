"""A Content-Security-Policy (django-csp) on every kind of answer: pages, the dashboard,
the wizard, public pages, the admin, the API and its docs, error pages. Nothing in a
template may need 'unsafe-inline': no style attributes, no inline scripts."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import path, reverse

from config.api_urls import SWAGGER_UI_STYLE_HASH
from config.urls import urlpatterns as site_urlpatterns

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def boom(request):
    raise RuntimeError("deliberate failure for the CSP-on-500 test")


urlpatterns = [*site_urlpatterns, path("test-500/", boom)]


def directives(response):
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def assert_strict(response, style=("'self'",)):
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == list(style)
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


@pytest.fixture
def published(make_event, organizer):
    return make_event(organizer, state="published")


@pytest.mark.django_db
def test_every_kind_of_page_has_the_policy(client, organizer, published, super_admin):
    anonymous = [
        reverse("home"),
        reverse("login"),
        reverse("signup"),
        reverse("event_public", args=[published.slug]),
        reverse("event_schedule", args=[published.slug]),
        reverse("event_track_styles", args=[published.slug]),
        "/api/v1/schema/",
        "/api/v1/events/",  # a JSON 401
        "/no/such/page/",  # 404
        reverse("healthz"),
    ]
    for url in anonymous:
        assert_strict(client.get(url))
    # Swagger UI's one inline <style>, by its hash, on its page only.
    assert_strict(client.get("/api/v1/docs/"), style=("'self'", SWAGGER_UI_STYLE_HASH))

    client.force_login(organizer)
    for url in [
        reverse("events:mine"),
        reverse("events:new"),
        reverse("events:wizard-details", args=[published.pk]),
        reverse("events:dashboard", args=[published.pk]),
        reverse("events:settings", args=[published.pk]),
        reverse("events:roles", args=[published.pk]),
        reverse("events:all"),  # 403 for an organizer
        "/api/v1/events/",
    ]:
        assert_strict(client.get(url))

    client.force_login(super_admin)
    assert_strict(client.get(reverse("admin:index")))
    assert_strict(client.get(reverse("admin:login")))


@pytest.mark.django_db
@pytest.mark.urls("tests.test_csp")
def test_server_error_page_has_the_policy():
    client = Client(raise_request_exception=False)
    response = client.get("/test-500/")
    assert response.status_code == 500
    assert_strict(response)


def test_no_template_needs_unsafe_inline():
    """No style attribute, no inline event handler, no script that runs inline."""
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        if re.search(r"""\sstyle\s*=\s*["']""", text):
            offenders.append(f"{template}: style attribute")
        if re.search(r"""\son[a-z]+\s*=\s*["']""", text):
            offenders.append(f"{template}: inline event handler")
        if re.search(r"javascript:", text):
            offenders.append(f"{template}: javascript: URL")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{template}: inline script {tag}")
    assert offenders == []
