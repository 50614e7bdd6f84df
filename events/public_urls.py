"""The public pages of one event, under ``/e/<slug>/`` (config.urls includes them)."""

from django.urls import path

from events.views import public

urlpatterns = [
    path("", public.event_home, name="event_public"),
    path("schedule/", public.schedule, name="event_schedule"),
    path("schedule.ics", public.schedule_ics, name="event_schedule_ics"),
    path("sessions/<int:pk>/", public.session_detail, name="event_session"),
    path("sessions/<int:pk>.ics", public.session_ics, name="event_session_ics"),
    path("speakers/", public.speakers, name="event_speakers"),
    path("tracks.css", public.track_styles, name="event_track_styles"),
]
