from django.urls import path

from permissions import views

app_name = "permissions"

# The invited person's link (the Organizer's side of invitations is on the event's roles
# page: events.urls, events.views.roles).
urlpatterns = [
    path("invites/<str:link>/", views.AnswerInviteView.as_view(), name="invite"),
]
