"""Site-wide views: the CSRF failure answer in the site's look (JSON for scripts), the
/favicon.ico that browsers ask for."""

from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from core.views import API_PREFIX, answers_json

CSRF_MESSAGE = "This form has expired or came from elsewhere: reload the page and try again."


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: JSON wherever the answers are JSON (the API, a view marked
    ``core.views.json_only`` such as the banner upload, a script asking for JSON), in
    the format of the endpoint's own errors; the page in the site's look otherwise."""
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": CSRF_MESSAGE}, status=403)
    if answers_json(request):
        return JsonResponse({"status": "error", "error": CSRF_MESSAGE}, status=403)
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on a first visit, whatever the pages' <link rel=icon>
    says: send them to the static file (its hashed name in production), for a day."""
    response = HttpResponseRedirect(static("favicon.ico"))
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response
