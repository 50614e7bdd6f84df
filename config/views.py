"""Site-wide views: the CSRF failure answer and the 400, 403, 404 and 500 handlers in the site's
look (JSON where the answers are JSON), the /favicon.ico that browsers ask for, and the
uploaded files under /media/ when the app serves them itself (``SERVE_FILES``)."""

import mimetypes

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseNotModified, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.http import http_date
from django.views import defaults
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

from core.views import json_error

CSRF_MESSAGE = "This form has expired or came from elsewhere: reload the page and try again."


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: JSON wherever the answers are JSON (the API, a view marked
    ``core.views.json_only`` such as the banner upload, a script asking for JSON), in
    the format of the endpoint's own errors; the page in the site's look otherwise."""
    answer = json_error(request, CSRF_MESSAGE, 403)
    return answer or render(request, "403_csrf.html", {"reason": reason}, status=403)


def bad_request(request, exception):
    """``handler400`` (a request Django refuses before a view: a Host header ``ALLOWED_HOSTS``
    does not name, a malformed body): JSON where the answers are JSON, else the page."""
    answer = json_error(request, "Bad request.", 400)
    return answer or defaults.bad_request(request, exception)


def page_not_found(request, exception):
    """``handler404``: JSON where the answers are JSON (``/api/v2/``, outside the API's own
    catch-all), else the page."""
    answer = json_error(request, "Not found.", 404)
    return answer or defaults.page_not_found(request, exception)


def permission_denied(request, exception):
    """``handler403``: JSON where the answers are JSON, else the page."""
    answer = json_error(request, "You do not have permission to do this.", 403)
    return answer or defaults.permission_denied(request, exception)


def server_error(request):
    """``handler500``: JSON where the answers are JSON (the API, the banner upload, a
    script), else the page (templates/500.html). Nothing of the error is shown."""
    answer = json_error(request, "Server error: the failure is logged. Try again later.", 500)
    return answer or defaults.server_error(request)


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on a first visit, whatever the pages' <link rel=icon>
    says: send them to the static file (its hashed name in production), for a day."""
    response = HttpResponseRedirect(static("favicon.ico"))
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response


@require_safe
def media(request, name):
    """``MEDIA_URL<name>`` with ``SERVE_FILES`` on (development, browser tests): the uploaded
    file ``name`` read from the default storage, wherever that keeps it (the disk, an
    object store, memory in the tests). Production leaves /media/ to nginx, or the browser
    fetches the object store's own URLs. Only stored files: no folder, nothing above."""
    if not settings.SERVE_FILES or not _is_stored_name(name):
        raise Http404("No such file.")
    try:
        stored = default_storage.open(name, "rb")
    except (OSError, SuspiciousFileOperation):  # none, or a folder
        raise Http404("No such file.") from None
    try:
        modified = default_storage.get_modified_time(name).timestamp()
    except NotImplementedError:
        modified = None
    if modified is not None and not was_modified_since(request.headers.get("If-Modified-Since"), modified):
        stored.close()
        return HttpResponseNotModified()
    response = FileResponse(stored, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    return response


def _is_stored_name(name):
    """A name the storage could have made: relative, no empty, ``.`` or ``..`` part."""
    parts = name.split("/")
    return "\\" not in name and "\0" not in name and all(part not in ("", ".", "..") for part in parts)
