from django.urls import path

from tickets import views

app_name = "tickets"

# Under /events/ (config.urls), beside the wizard's other pages (events.urls).
urlpatterns = [
    path("<int:event_id>/wizard/tickets/", views.TicketsStepView.as_view(), name="wizard"),
]
