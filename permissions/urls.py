from django.urls import path

from permissions import invite_views, views

app_name = "permissions"

urlpatterns = [
    path("<int:event_id>/dashboard/roles/", views.RolesView.as_view(), name="roles"),
    path("<int:event_id>/dashboard/roles/<int:pk>/remove/", views.RemoveRoleView.as_view(), name="role-remove"),
    # Invitations (permissions.invite_views): the Organizer's side, then the invited person's link.
    path("<int:event_id>/dashboard/roles/invite/", invite_views.InviteView.as_view(), name="invite-create"),
    path(
        "<int:event_id>/dashboard/roles/invites/<int:pk>/revoke/",
        invite_views.RevokeInviteView.as_view(),
        name="invite-revoke",
    ),
    path("invites/<str:link>/", invite_views.AnswerInviteView.as_view(), name="invite"),
]
