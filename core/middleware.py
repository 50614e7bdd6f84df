"""Refusals made before any view runs.

``RefuseNulMiddleware``: a NUL character (U+0000, ``%00`` in a URL) is no text. PostgreSQL
refuses it in every string, so a NUL that reached a query (a filter in a URL, a cookie
looked up as a session key, a token) was a 500 there, and SQLite stores it. Django's form
fields and DRF's fields refuse it in their own values; this refuses it everywhere else a
request carries text: the path, the query string (names and values, ``%00`` decoded), the
headers and cookies, and the names and values of a form-encoded or multipart POST. The
answer is a 400 (JSON under the API and for JSON-only views and scripts, a plain page
otherwise) before the session, the user or any query is touched.
"""

from django.http import HttpResponseBadRequest, UnreadablePostError, parse_cookie
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from core.errors import Conflict
from core.views import conflict_response, json_error

NUL = "\x00"
NUL_MESSAGE = "The request holds a NUL character (%00), which no input accepts."
#: Bodies Django parses into ``request.POST`` (and the CSRF check reads).
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _holds_nul(query_dict):
    return any(NUL in name or any(NUL in value for value in values) for name, values in query_dict.lists())


def _view_of(request):
    """The view the request's path leads to, if any (the URL is not resolved yet)."""
    try:
        return resolve(request.path_info).func
    except Resolver404:
        return None


def nul_refusal(request, view=None):
    """The 400 for a request that holds a NUL."""
    answer = json_error(request, NUL_MESSAGE, 400, view or _view_of(request))
    if answer is not None:
        return answer
    # A page of its own (templates/400.html): no session or user is read for it.
    return HttpResponseBadRequest(render_to_string("400.html", {"problem": NUL_MESSAGE}))


class RefuseNulMiddleware:
    """Answer 400 to a request that carries a NUL anywhere but a file's content. Placed
    before the session, authentication and CSRF middleware (settings.MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._nul_outside_the_body(request):
            return nul_refusal(request)
        return self.get_response(request)

    @staticmethod
    def _nul_outside_the_body(request):
        if NUL in request.path or NUL in request.path_info:
            return True
        for name, value in request.META.items():
            if (name.startswith("HTTP_") or name in ("CONTENT_TYPE", "QUERY_STRING")) and NUL in str(value):
                return True
        if _holds_nul(request.GET):
            return True
        return any(NUL in name or NUL in value for name, value in request.COOKIES.items())

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A form's field names and values. Read where the CSRF check would read them next
        (a POST to a view that is not ``csrf_exempt``); views that are (the API, the
        banner upload) parse their bodies themselves and refuse NUL in their fields."""
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None
        if request.content_type not in FORM_TYPES:
            return None
        try:
            post, files = request.POST, request.FILES
        except UnreadablePostError:
            return None  # the client went away: the CSRF check says so
        if _holds_nul(post) or any(NUL in name for name in files):
            return nul_refusal(request, view_func)
        return None


def refuse_nul_websockets(app):
    """ASGI middleware for websockets: a handshake with a NUL in its path, query string,
    a header or a cookie is refused (closed before it is accepted: the server answers
    403) before the session is looked up, as ``RefuseNulMiddleware`` does for HTTP."""

    async def refusing(scope, receive, send):
        if _scope_holds_nul(scope):
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close"})
            return None
        return await app(scope, receive, send)

    return refusing


def _scope_holds_nul(scope):
    query = scope.get("query_string", b"")
    if NUL in scope.get("path", "") or b"\x00" in query or b"%00" in query:
        return True
    for name, value in scope.get("headers", ()):
        if b"\x00" in name or b"\x00" in value:
            return True
        if name.lower() == b"cookie":
            cookies = parse_cookie(value.decode("latin-1"))
            if any(NUL in key or NUL in text for key, text in cookies.items()):
                return True
    return False


class ConflictMiddleware:
    """A ``core.errors.Conflict`` that a page's view did not catch (a concurrent writer came
    first): 409 with its message (``core.views.conflict_response``), never a 500. The API
    answers its own (``core.api.errors``); a view that shows its form again with the
    message catches it and answers ``core.views.refusal_status``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Conflict):
            return conflict_response(request, exception)
        return None
