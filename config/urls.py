from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from config.health import healthz
from events.views import home
from events.views.pages import public_event

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("e/<slug:slug>/", public_event, name="event_public"),
    path("accounts/", include("accounts.urls")),
    path("events/", include("events.urls")),
    path("events/", include("permissions.urls")),  # the roles page of an event's dashboard
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
]

if settings.SERVE_FILES:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
