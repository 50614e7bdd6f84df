"""Role invitations: the Organizer invites and revokes on the roles page; the invited
person answers through the link of their notification or e-mail."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from events.views.mixins import EventPermissionMixin
from permissions import services
from permissions.models import RoleInvite
from permissions.views import RolesView, roles_url

#: How a refused invitation answers: a link that names nothing is 404, a used or
#: expired one 410 Gone, someone else's 403.
REFUSAL_STATUS = {"invalid": 404, "wrong_user": 403}


class InviteView(RolesView):
    """POST: invite an e-mail address to a role; errors re-render the roles page (400).

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
                site_url=self.request.build_absolute_uri("/")[:-1],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Invitation sent to {invite.email} as {invite.role.title}.")
        return HttpResponseRedirect(roles_url(self.event))


def invite_has_account(invite):
    return get_user_model().objects.filter(email__iexact=invite.email, is_active=True).exists()


class RevokeInviteView(EventPermissionMixin, View):
    """POST: withdraw a pending invitation of this event."""

    operation = "manage_roles"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        invite = get_object_or_404(RoleInvite, event=self.event, pk=kwargs["pk"])
        try:
            services.revoke_invite(invite)
        except services.InviteError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The invitation of {invite.email} was revoked.")
        return HttpResponseRedirect(roles_url(self.event))


class AnswerInviteView(View):
    """The invitation link. GET: what it offers, and Accept / Decline for the invited
    person (log in or sign up first). POST ``answer=accept|decline``: answer it."""

    template_name = "permissions/invite.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.invite = services.find_invite(kwargs["link"])
        except services.InviteError as error:
            return self.refused(error)
        return super().dispatch(request, *args, **kwargs)

    def refused(self, error, invite=None):
        status = REFUSAL_STATUS.get(error.code, 410)
        return render(self.request, self.template_name, {"refusal": error.message, "invite": invite}, status=status)

    def get(self, request, link):
        invite, user = self.invite, request.user
        if user.is_authenticated and not services.is_invitee(invite, user):
            return self.refused(services.InviteError(services.INVITE_REFUSALS["wrong_user"], code="wrong_user"))
        context = {
            "invite": invite,
            "link": link,
            # Only asked when the page offers log-in or sign-up (not to a logged-in invitee).
            "has_account": not user.is_authenticated and invite_has_account(invite),
            "signup_url": services.signup_path(invite),
        }
        return render(request, self.template_name, context)

    def post(self, request, link):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        answer = request.POST.get("answer")
        if answer not in ("accept", "decline"):
            return render(request, self.template_name, {"refusal": "Choose to accept or decline."}, status=400)
        verb = services.accept_invite if answer == "accept" else services.decline_invite
        try:
            invite = verb(self.invite, request.user)
        except services.InviteError as error:
            return self.refused(error)
        if answer == "decline":
            messages.info(request, f"You declined to be {invite.role.title} of {invite.event.name}.")
            return HttpResponseRedirect(reverse("events:mine"))
        messages.success(request, f"You are now {invite.role.title} of {invite.event.name}.")
        return HttpResponseRedirect(reverse("events:dashboard", args=[invite.event_id]))


# --- sign-up through an invitation (called by accounts.views.signup) -----------------------


def invite_for_signup(request):
    """``(invite, None)`` for a usable ``?invite=`` link, ``(None, message)`` for a refused one,
    ``(None, None)`` without one."""
    link = request.GET.get("invite")
    if not link:
        return None, None
    try:
        return services.find_invite(link), None
    except services.InviteError as error:
        return None, error.message


def welcome_after_signup(request, invite):
    """Where a new account that accepted ``invite`` (``accounts.services.sign_up``) goes."""
    messages.success(request, f"Welcome! You are now {invite.role.title} of {invite.event.name}.")
    return HttpResponseRedirect(reverse("events:dashboard", args=[invite.event_id]))
