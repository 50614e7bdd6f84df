"""Site-wide views: the CSRF failure answer in the site's look (JSON for scripts)."""

from django.http import JsonResponse
from django.shortcuts import render

CSRF_MESSAGE = "This form has expired or came from elsewhere: reload the page and try again."


def wants_json(request):
    """A script's request (the pages' AJAX calls send X-Requested-With), or a client that
    asks for JSON rather than a page."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    return request.accepts("application/json") and not request.accepts("text/html")


def csrf_failure(request, reason=""):
    if wants_json(request):
        return JsonResponse({"status": "error", "error": CSRF_MESSAGE}, status=403)
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
