"""Site-wide views: the CSRF failure answer in the site's look (JSON for scripts)."""

from django.http import JsonResponse
from django.shortcuts import render

from core.views import wants_json

CSRF_MESSAGE = "This form has expired or came from elsewhere: reload the page and try again."


def csrf_failure(request, reason=""):
    if wants_json(request):
        return JsonResponse({"status": "error", "error": CSRF_MESSAGE}, status=403)
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
