import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from config.health import healthz
from config.views import favicon, media
from events.views import home
from permissions.views import InvitationSignUpView

# The admin says whose it is.
admin.site.site_header = "Eventdesk administration"
admin.site.site_title = "Eventdesk admin"
admin.site.index_title = "Site administration"

# Errors raised past a view's own handling: JSON under the API and for JSON-only views.
handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"

urlpatterns = [
    path("", home, name="home"),
    # Browsers ask for /favicon.ico whatever the page's <link rel=icon> says.
    path("favicon.ico", favicon, name="favicon"),
    path("healthz", healthz, name="healthz"),
    path("e/<slug:slug>/", include("events.public_urls")),  # an event's public pages
    path("e/<slug:slug>/", include("orders.public_urls")),  # its order form and the buyers' order pages
    # The sign-up page, aware of role invitations (``?invite=``): permissions extends
    # accounts' plain one (accounts.urls names the same path "signup").
    path("accounts/signup/", InvitationSignUpView.as_view()),
    path("accounts/", include("accounts.urls")),
    path("events/", include("events.urls")),
    path("events/", include("tickets.urls")),  # the wizard's tickets page
    path("events/", include("orders.urls")),  # the dashboard's Tickets and Orders tabs
    path("events/", include("permissions.urls")),  # the invited person's answer page
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
]

# Uploaded images through the storage API, if SERVE_FILES (whatever DEBUG says; a 404
# otherwise: nginx or the object store serves them); /static/ is served by the ASGI
# handler (config.asgi).
urlpatterns += [re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<name>.*)$", media, name="media")]
