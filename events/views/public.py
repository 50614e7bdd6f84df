"""The public pages of an event (``/e/<slug>/...``): its home, the schedule, a session,
the speakers, the iCalendar feeds and the track colours' stylesheet.

Read only (GET and HEAD). A published event is public; a draft exists only for people
with a role in it (and admins), who see it with a "Draft" banner: anyone else gets 404,
as for a slug that does not exist. What the pages show is built by ``events.public``
(a fixed number of queries per page) and ``events.ical``.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from events import ical
from events import public as programme
from events.scope import enter_event


def _render(request, template, context, status=200):
    event = request.event
    perms = request.event_permissions
    context = {
        "event": event,
        # Whoever may open the event's dashboard: a role in it, an admin, a super admin.
        "can_manage": perms.allows_event("read"),
        **context,
    }
    response = render(request, template, context, status=status)
    return _private_if_draft(event, response)


def _private_if_draft(event, response):
    if not event.is_published:
        response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
def event_home(request, slug):
    """The event's home: banner, dates and place, description, tickets, programme links, sponsors."""
    event = enter_event(request, slug=slug)
    response = _render(
        request,
        "events/public/home.html",
        {
            "sponsor_levels": programme.sponsors_by_level(event),
            "has": programme.programme_state(event),
            "nav": "home",
        },
    )
    # What other apps add to it may be one visitor's (orders' form carries a one-time token
    # and the CSRF token: a page served to two buyers would send the second to the first
    # one's order, its secret link with it): never a shared cache's.
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
def schedule(request, slug):
    """The programme: a grid per day (a column per room) on wide screens, a list on phones."""
    event = enter_event(request, slug=slug)
    tracks = programme.public_tracks(event)
    try:
        filters = programme.parse_filters(request.GET, tracks)
    except programme.BadFilter as error:
        return _render(
            request,
            "events/public/bad_request.html",
            {"problem": str(error), "back": reverse("event_schedule", args=[event.slug]), "nav": "schedule"},
            status=400,
        )
    sessions = list(programme.public_sessions(event))
    return _render(
        request,
        "events/public/schedule.html",
        {
            "tracks": tracks,
            "filters": filters,
            "all_days": programme.schedule_days(event, sessions),
            "days": programme.build_schedule(event, sessions, filters),
            "has_sessions": bool(sessions),
            "nav": "schedule",
        },
    )


def _session_or_404(event, pk):
    session = programme.public_session(event, pk)
    if session is None:
        raise Http404("No such session.")
    return session


@require_safe
def session_detail(request, slug, pk):
    event = enter_event(request, slug=slug)
    session = _session_or_404(event, pk)
    return _render(request, "events/public/session.html", {"session": session, "nav": "schedule"})


@require_safe
def speakers(request, slug):
    event = enter_event(request, slug=slug)
    return _render(
        request, "events/public/speakers.html", {"speakers": list(programme.public_speakers(event)), "nav": "speakers"}
    )


def _calendar_response(request, event, sessions, filename, disposition, name=None):
    def session_url(session):
        return request.build_absolute_uri(reverse("event_session", args=[event.slug, session.pk]))

    body = ical.calendar_for(event, sessions, session_url, name=name)
    response = HttpResponse(body, content_type=ical.CONTENT_TYPE)
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return _private_if_draft(event, response)


@require_safe
def schedule_ics(request, slug):
    """The whole programme as a calendar to subscribe to."""
    event = enter_event(request, slug=slug)
    return _calendar_response(request, event, programme.public_sessions(event), f"{event.slug}.ics", "inline")


@require_safe
def session_ics(request, slug, pk):
    """One session as a calendar file."""
    event = enter_event(request, slug=slug)
    session = _session_or_404(event, pk)
    return _calendar_response(
        request,
        event,
        [session],
        f"{event.slug}-session-{session.pk}.ics",
        "attachment",
        name=f"{session.title} · {event.name}",
    )


@require_safe
def track_styles(request, slug):
    """The event's track colours as a stylesheet (``.track-<id>`` classes): pages need no
    inline styles, so a Content-Security-Policy can forbid them."""
    event = enter_event(request, slug=slug)
    css = programme.track_stylesheet(programme.public_tracks(event))
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    return _private_if_draft(event, response)
