"""The OpenAPI schema and its interactive docs, served from vendored files (no CDN)."""

import re

import yaml
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient


def test_the_schema_is_openapi_3_and_names_every_part(db):
    answer = APIClient().get("/api/v1/schema/")
    assert answer.status_code == 200
    schema = yaml.safe_load(answer.content)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {
        "/api/v1/auth/token/",
        "/api/v1/events/",
        "/api/v1/events/{event_id}/",
        "/api/v1/events/{event_id}/versions/",
        "/api/v1/events/{event_id}/tracks/{id}/",
        "/api/v1/events/{event_id}/sessions/",
        "/api/v1/events/{event_id}/speakers/",
        "/api/v1/events/{event_id}/sponsors/",
        "/api/v1/events/{event_id}/microlocations/",
        "/api/v1/events/{event_id}/tickets/{id}/",
        "/api/v1/notifications/",
        "/api/v1/notifications/{id}/mark-read/",
        "/api/v1/notifications/mark-all-read/",
    } <= paths
    sessions = schema["paths"]["/api/v1/events/{event_id}/sessions/"]["get"]
    assert {p["name"] for p in sessions["parameters"]} >= {"track", "day", "page", "page_size", "If-None-Match"}
    assert "304" in sessions["responses"]
    assert "ETag" in sessions["responses"]["200"]["headers"]
    patch = schema["paths"]["/api/v1/events/{event_id}/tracks/{id}/"]["patch"]
    assert "412" in patch["responses"]
    assert "If-Match" in {p["name"] for p in patch["parameters"]}
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_docs_use_only_local_files(db):
    answer = APIClient().get("/api/v1/docs/", HTTP_ACCEPT="text/html")
    assert answer.status_code == 200
    html = answer.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith(("/static/", "/api/v1/")), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/").split("?")[0]), url
    assert "http://" not in html
    assert "https://" not in html
    # The page's own script (no inline code) is served from the same place.
    script = APIClient().get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    assert '"validatorUrl": null' in script.content.decode()  # no call to swagger.io
