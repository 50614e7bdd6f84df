from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from events import services
from events.models import Event


def home(request):
    """What Eventdesk is, and the published events that have not ended yet, soonest first."""
    return render(request, "events/home.html", {"events": services.upcoming_events()})


@login_required
def my_events(request):
    events = services.events_of(request.user).order_by("-created_at")
    page = Paginator(events, 25).get_page(request.GET.get("page"))
    return render(request, "events/my_events.html", {"page": page})


@login_required
def all_events(request):
    if not request.user.is_staff:
        raise PermissionDenied("Only administrators may list all events.")
    events = Event.objects.order_by("-created_at")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "events/all_events.html", {"page": page})
