from django.urls import path

from events.views import dashboard, images, pages, wizard

app_name = "events"

urlpatterns = [
    path("", pages.my_events, name="mine"),
    path("all/", pages.all_events, name="all"),
    # The creation wizard (events.views.wizard) and its image upload.
    path("new/", wizard.NewEventView.as_view(), name="new"),
    path("<int:event_id>/wizard/details/", wizard.DetailsStepView.as_view(), name="wizard-details"),
    path("<int:event_id>/wizard/tickets/", wizard.TicketsStepView.as_view(), name="wizard-tickets"),
    path("<int:event_id>/wizard/publish/", wizard.PublishStepView.as_view(), name="wizard-publish"),
    path("<int:event_id>/files/bgimage/", images.BackgroundImageView.as_view(), name="bgimage"),
    path("<int:event_id>/dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("<int:event_id>/dashboard/settings/", dashboard.EventSettingsView.as_view(), name="settings"),
    path("<int:event_id>/dashboard/delete/", dashboard.EventDeleteView.as_view(), name="delete"),
    *dashboard.service_urlpatterns(),
]
