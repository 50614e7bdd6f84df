from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.views import local_path
from notifications import services
from notifications.models import Notification

PAGE_SIZE = 20


@login_required
def notification_center(request):
    """All of the user's notifications, newest first, paginated."""
    notifications = Notification.objects.filter(user=request.user).order_by("-received_at", "-id")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/center.html", {"page": page})


@login_required
@require_POST
def mark_read(request, notification_id):
    try:
        services.mark_read(request.user, notification_id)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    changed = services.mark_all_read(request.user)
    if changed:
        messages.success(request, f"Marked {changed} notification{'s' if changed != 1 else ''} read.")
    return _back(request)


def _back(request):
    """To the page the form was on (``next``), if it is a path on this site
    (``core.views.local_path``: never a URL name, never another site); else the center."""
    target = local_path(request, request.POST.get("next"))
    return HttpResponseRedirect(target) if target else redirect("notifications:center")
