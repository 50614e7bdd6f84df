from django.urls import path

from events.views import pages

app_name = "events"

urlpatterns = [
    path("", pages.my_events, name="mine"),
    path("all/", pages.all_events, name="all"),
    path("e/<slug:slug>/", pages.public_event, name="public"),
]
