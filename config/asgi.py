"""ASGI entry point: HTTP goes to Django (anonymous API reads through the front door,
``core.api.front_door``), websockets through session auth to the router."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()  # before importing anything that touches models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from core.api.front_door import PublicAnswers  # noqa: E402
from core.middleware import refuse_nul_websockets  # noqa: E402
from core.unavailable import guard_websockets  # noqa: E402


def leave_bodies_to_django():
    """Daphne's requests are Twisted's, which parse a multipart body into ``request.args``
    (daphne never reads them) before the application is called: a malformed one got
    Twisted's bare 400, without headers or body (neither the API's JSON nor the site's
    page), and every upload was parsed twice. Django parses the body it receives and
    answers in the endpoint's format: daphne's requests are made with Twisted's
    ``parsePOSTFormSubmission=False`` (its ``Request``'s own switch for that)."""
    try:
        from daphne.http_protocol import WebRequest  # noqa: PLC0415
    except ImportError:  # another server
        return
    if getattr(WebRequest, "eventdesk_leaves_bodies", False):
        return
    started = WebRequest.__init__

    def __init__(self, *args, **kwargs):
        started(self, *args, **{**kwargs, "parsePOSTFormSubmission": False})

    WebRequest.__init__ = __init__
    WebRequest.eventdesk_leaves_bodies = True


leave_bodies_to_django()
http_app = PublicAnswers(django_asgi_app, prefix="/api/")
if settings.SERVE_FILES:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    http_app = ASGIStaticFilesHandler(http_app)

application = ProtocolTypeRouter(
    {
        "http": http_app,
        # A database or Redis out of reach closes the socket with 4503 (try again later).
        # A NUL in the handshake (a cookie looked up as a session key...): refused first.
        "websocket": guard_websockets(
            refuse_nul_websockets(AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))))
        ),
    }
)
