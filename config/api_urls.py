"""URLs of the JSON API, included under ``/api/v1/`` (namespace ``api``).

Everything of an event lives under ``events/<event_id>/``, so each object is found
through its event. The schema and its docs are served from vendored files (no CDN).
"""

from csp.decorators import csp_update
from django.urls import include, path, re_path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.api import AuthTokenView
from core.api.errors import not_found
from events import activity_api
from events import api as events_api
from notifications.api import NotificationViewSet
from orders.api import OrderViewSet
from orders.sales_api import SalesSettingsViewSet
from tickets.api import TicketViewSet

app_name = "api"

#: The one inline <style> element Swagger UI (static/vendor/swagger-ui-5.33.1) inserts,
#: allowed by its hash on the docs page only: the site's policy allows no inline style.
#: A new Swagger UI may need a new hash (tests/e2e/test_screenshots.py would tell).
SWAGGER_UI_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"

router = SimpleRouter(use_regex_path=False)
router.register("events", events_api.EventViewSet, basename="event")
router.register("notifications", NotificationViewSet, basename="notification")

in_event = SimpleRouter(use_regex_path=False)
in_event.register("tracks", events_api.TrackViewSet, basename="track")
in_event.register("sessions", events_api.SessionViewSet, basename="session")
in_event.register("speakers", events_api.SpeakerViewSet, basename="speaker")
in_event.register("sponsors", events_api.SponsorViewSet, basename="sponsor")
in_event.register("microlocations", events_api.MicrolocationViewSet, basename="microlocation")
in_event.register("tickets", TicketViewSet, basename="ticket")
in_event.register("orders", OrderViewSet, basename="order")


@extend_schema(summary="The API's entry points", responses=OpenApiTypes.OBJECT, auth=[])
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request):
    """What the API offers, as links: where to get a token, the lists, each event's
    resources (``{event_id}`` in the path), the schema and its docs. Anyone may read it."""

    def link(name, *args):
        return request.build_absolute_uri(reverse(f"api:{name}", args=args))

    event_path = link("event-detail", 0).replace("/0/", "/{event_id}/")
    return Response(
        {
            "name": "Eventdesk API",
            "version": "v1",
            "docs": link("docs"),
            "schema": link("schema"),
            "auth_token": link("auth-token"),
            "events": link("event-list"),
            "notifications": link("notification-list"),
            "event": event_path,
            "event_versions": event_path + "versions/",
            "event_resources": {prefix: f"{event_path}{prefix}/" for prefix, *_ in in_event.registry},
        }
    )


urlpatterns = [
    path("", api_root, name="root"),
    path("auth/token/", AuthTokenView.as_view(), name="auth-token"),
    *router.urls,
    path(
        "events/<int:event_id>/versions/",
        events_api.EventVersionsViewSet.as_view({"get": "retrieve"}),
        name="event-versions",
    ),
    path(
        "events/<int:event_id>/activity/",
        activity_api.EventActivityViewSet.as_view({"get": "list"}),
        name="event-activity",
    ),
    path(
        "events/<int:event_id>/sales-settings/",
        SalesSettingsViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="event-sales-settings",
    ),
    path("events/<int:event_id>/", include(in_event.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        csp_update({"style-src": [SWAGGER_UI_STYLE_HASH]})(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    # Anything else under /api/v1/ is a JSON 404 too, not the site's HTML page.
    re_path(r"", not_found),
]
