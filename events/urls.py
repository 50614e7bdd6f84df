from django.urls import path

from events.views import activity, dashboard, images, pages, roles, speakers, wizard

app_name = "events"

urlpatterns = [
    path("", pages.my_events, name="mine"),
    path("all/", pages.all_events, name="all"),
    # The creation wizard (events.views.wizard) and its image upload.
    path("new/", wizard.NewEventView.as_view(), name="new"),
    path("<int:event_id>/wizard/details/", wizard.DetailsStepView.as_view(), name="wizard-details"),
    # (page 2, the tickets, is tickets.urls: "tickets:wizard")
    path("<int:event_id>/wizard/publish/", wizard.PublishStepView.as_view(), name="wizard-publish"),
    path("<int:event_id>/files/bgimage/", images.BackgroundImageView.as_view(), name="bgimage"),
    path("<int:event_id>/dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("<int:event_id>/dashboard/settings/", dashboard.EventSettingsView.as_view(), name="settings"),
    path("<int:event_id>/dashboard/delete/", dashboard.EventDeleteView.as_view(), name="delete"),
    path("<int:event_id>/dashboard/activity/", activity.ActivityView.as_view(), name="activity"),
    *dashboard.resource_urlpatterns(),
    # A session's speakers and invitations to speak (events.views.speakers); the link answers one.
    path(
        "<int:event_id>/dashboard/sessions/<int:pk>/speakers/",
        speakers.SessionInvitesView.as_view(),
        name="session-invites",
    ),
    path(
        "<int:event_id>/dashboard/sessions/<int:pk>/speakers/invites/<int:invite_pk>/revoke/",
        speakers.RevokeSessionInviteView.as_view(),
        name="session-invite-revoke",
    ),
    path("speaker-invites/<str:link>/", speakers.AnswerSpeakerInviteView.as_view(), name="speaker-invite"),
    # Who holds which role (events.views.roles); invitations are answered in permissions.urls.
    path("<int:event_id>/dashboard/roles/", roles.RolesView.as_view(), name="roles"),
    path("<int:event_id>/dashboard/roles/<int:pk>/remove/", roles.RemoveRoleView.as_view(), name="role-remove"),
    path("<int:event_id>/dashboard/roles/invite/", roles.InviteView.as_view(), name="invite-create"),
    path(
        "<int:event_id>/dashboard/roles/invites/<int:pk>/revoke/",
        roles.RevokeInviteView.as_view(),
        name="invite-revoke",
    ),
]
