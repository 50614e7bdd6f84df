"""The roles page of an event's dashboard: who holds which role; the Organizer invites
people, revokes invitations and removes roles (the rules: ``permissions.services``; the
invited person answers in ``permissions.views``). Reading it needs any role in the event (or
admin); changing it needs "manage_roles" (the Organizer's, or the super admin's).

Nobody is put into a role here: joining an event is always an invitation that the
person accepts."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import FormView

from core.links import site_root
from events.views.dashboard import DashboardMixin
from events.views.mixins import EventPermissionMixin
from permissions import checks, services
from permissions.forms import InviteForm
from permissions.models import EventRole, RoleInvite


def roles_url(event):
    return reverse("events:roles", args=[event.pk])


class RolesView(DashboardMixin, EventPermissionMixin, FormView):
    """GET: the event's roles; for whoever manages them, the invitation form
    (``InviteView`` takes it) and the pending invitations."""

    nav = "roles"
    form_class = InviteForm
    template_name = "events/dashboard/roles.html"
    http_method_names = ["get", "head", "options"]

    def get_operation(self):
        return "read" if self.request.method in ("GET", "HEAD", "OPTIONS") else "manage_roles"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event_roles = list(EventRole.objects.filter(event=self.event).select_related("user", "role"))
        context["event_roles"] = event_roles
        # revoke_role refuses it (the same rule); the page does not offer it.
        context["last_organizer_role"] = services.kept_role(event_roles)
        # What each role may do: the matrix as it is now, for everyone who sees the page.
        context["role_rights"] = checks.role_rights()
        if checks.can_manage_roles(self.request.user, self.event):
            context["invite_form"] = context["form"]
            context["pending_invites"] = services.pending_invites(self.event)
        return context


class RemoveRoleView(EventPermissionMixin, View):
    """POST: take one role (an EventRole of this event) away; never the last Organizer's."""

    operation = "manage_roles"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        event_role = get_object_or_404(
            EventRole.objects.select_related("user", "role"), event=self.event, pk=kwargs["pk"]
        )
        try:
            services.remove_event_role(event_role, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(roles_url(self.event))
        messages.success(request, f"{event_role.user.email} is no longer {event_role.role.title} of this event.")
        checks.forget(request.user)
        if not checks.can_read_event(request.user, self.event):
            return HttpResponseRedirect(reverse("events:mine"))  # they removed their own last role
        return HttpResponseRedirect(roles_url(self.event))


# --- invitations: the Organizer's side (the invited person answers in permissions.views) --


class InviteView(RolesView):
    """POST: invite an e-mail address to a role; errors re-render the roles page (200).

    The answer is the same whether or not the address has an account: the page must not
    tell anyone who is registered."""

    http_method_names = ["post"]

    def get_operation(self):
        return "manage_roles"

    def form_valid(self, form):
        try:
            invite = services.invite_to_role(
                self.event,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                invited_by=self.request.user,
                site_url=site_root(self.request),  # SITE_URL, or a named host (core.links)
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Invitation sent to {invite.email} as {invite.role.title}.")
        return HttpResponseRedirect(roles_url(self.event))


class RevokeInviteView(EventPermissionMixin, View):
    """POST: withdraw a pending invitation of this event."""

    operation = "manage_roles"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        invite = get_object_or_404(RoleInvite, event=self.event, pk=kwargs["pk"])
        try:
            services.revoke_invite(invite, actor=request.user)
        except services.InviteError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The invitation of {invite.email} was revoked.")
        return HttpResponseRedirect(roles_url(self.event))
