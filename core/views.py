"""View pieces every app's pages use."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import Conflict


def wants_json(request):
    """A script's request (the pages' AJAX calls send X-Requested-With), or a client that
    asks for JSON rather than a page."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    return request.accepts("application/json") and not request.accepts("text/html")


#: Where the JSON API lives: every answer under it is JSON, errors included.
API_PREFIX = "/api/"


def json_only(view):
    """Mark a view (function or class) whose every answer is JSON, errors included (an
    AJAX endpoint such as the banner upload): the site's own refusals, a failed CSRF
    check among them, answer it in JSON too (``answers_json``)."""
    view.answers_json = True
    return view


def answers_json(request, view=None):
    """Is an error for this request to be JSON? Under the API, for a view marked
    ``json_only`` (``view``, or the one the request's URL resolved to), or when the
    client asks for JSON (``wants_json``)."""
    if request.path_info.startswith(API_PREFIX):
        return True
    if view is None and getattr(request, "resolver_match", None) is not None:
        view = request.resolver_match.func
    if view is not None and (
        getattr(view, "answers_json", False) or getattr(getattr(view, "view_class", None), "answers_json", False)
    ):
        return True
    return wants_json(request)


def json_error(request, message, status, view=None):
    """The error ``message`` in the format of the endpoint's own errors if its answers are
    JSON (``answers_json``): ``{"detail": ...}`` under the API, ``{"status": "error",
    "error": ...}`` elsewhere; ``None`` where the answer is a page."""
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=status)
    if answers_json(request, view):
        return JsonResponse({"status": "error", "error": message}, status=status)
    return None


def refusal_status(error):
    """The status of a page that shows a form again with a service's refusal ``error``:
    409 for a ``core.errors.Conflict`` (stored data moved: reload and try again), 200 for
    invalid input (as Django's forms answer). The pages' one mapping of a conflict (the
    API's is ``core.api.errors``)."""
    return 409 if isinstance(error, Conflict) else 200


def conflict_response(request, conflict):
    """A ``Conflict`` no view caught (``core.middleware.ConflictMiddleware``): 409 with its
    message, JSON where the answers are JSON, else the page (templates/409.html)."""
    status = refusal_status(conflict)
    if answers_json(request):
        return JsonResponse({"status": "error", "error": conflict.message}, status=status)
    return render(request, "409.html", {"problem": conflict.message}, status=status)


#: The longest ``next`` followed (Django's own bound on URLs it checks).
MAX_NEXT_LENGTH = 2048


def local_path(request, target):
    """``target`` if it is a path on this site ("/..." on the request's host), else None.

    For ``next`` fields and parameters: never resolved as a URL name, never followed off
    the site. A path starts with one "/" (not "//" or "/\\", which browsers take for
    another host), holds no control character or surrounding blank anywhere (a NUL, CR or
    LF would break the ``Location`` header), and passes Django's
    ``url_has_allowed_host_and_scheme`` for the request's host and scheme. Redirect to it
    with ``HttpResponseRedirect``, never with ``redirect()``, which resolves URL names.
    """
    if not isinstance(target, str) or not target.startswith("/") or len(target) > MAX_NEXT_LENGTH:
        return None
    if target.startswith(("//", "/\\")) or target != target.strip():
        return None
    if any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in target):
        return None
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else None
