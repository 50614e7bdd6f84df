import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from config.health import healthz
from events.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("e/<slug:slug>/", include("events.public_urls")),  # an event's public pages
    path("accounts/", include("accounts.urls")),
    path("events/", include("events.urls")),
    path("events/", include("permissions.urls")),  # the roles page of an event's dashboard
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
]

if settings.SERVE_FILES:
    # Uploaded images, whatever DEBUG says (django.conf.urls.static.static() would add
    # nothing unless DEBUG); /static/ is served by the ASGI handler (config.asgi).
    def serve_media(request, path):
        return serve(request, path, document_root=settings.MEDIA_ROOT)

    urlpatterns += [re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$", serve_media)]
