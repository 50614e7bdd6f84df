"""Role invitations, the invited person's side: the link of their notification or e-mail
(answer it), and signing up through it. The Organizer's side (invite, revoke) is on the
event's roles page (``events.views.roles``); the rules are ``permissions.services``."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views import View

from accounts.views import SignUpView, after_login_url
from core.errors import Conflict
from core.request_scope import enter_scope
from permissions import services
from permissions.forms import InvitationSignUpForm
from permissions.pages import event_page

#: How a refused invitation answers: a link that names nothing is 404, a used or
#: expired one 410 Gone, someone else's 403.
REFUSAL_STATUS = {"invalid": 404, "wrong_user": 403}


class AnswerInviteView(View):
    """The invitation link. GET: what it offers, and Accept / Decline for the invited
    person (log in or sign up first). POST ``answer=accept|decline``: answer it."""

    template_name = "permissions/invite.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.invite = services.find_invite(kwargs["link"])
        except services.InviteError as error:
            return self.refused(error)
        enter_scope(request, event=self.invite.event)  # the rest of the request works in its event
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
            "has_account": not user.is_authenticated and services.invite_has_account(invite),
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
            return HttpResponseRedirect(after_login_url())
        messages.success(request, f"You are now {invite.role.title} of {invite.event.name}.")
        return HttpResponseRedirect(event_page("dashboard", invite.event_id))


# --- sign-up through an invitation ----------------------------------------------------------


class InvitationSignUpView(SignUpView):
    """The sign-up page (``config.urls`` serves it as ``signup``), aware of ``?invite=<link>``:
    sign-up from a role invitation's e-mail, with its address; the role comes with the
    account, or there is no account. Without the parameter, the plain sign-up."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # (invite, None) for a usable link, (None, message) for a refused one, (None, None) without.
        self.invite, self.invite_refusal = None, None
        link = request.GET.get("invite")
        if link:
            try:
                self.invite = services.find_invite(link)
            except services.InviteError as error:
                self.invite_refusal = error.message
            else:
                enter_scope(request, event=self.invite.event)

    def already_logged_in(self):
        if self.invite is not None:
            return HttpResponseRedirect(services.invite_path(self.invite))
        return super().already_logged_in()

    def get_form(self, data=None):
        if self.invite is None:
            return super().get_form(data)
        return InvitationSignUpForm(data, invited_email=self.invite.email)

    def form_valid(self, form):
        """With the invitation: the account (its address confirmed: the link went there),
        logged in, in the role; without: the plain sign-up."""
        if self.invite is None:
            return super().form_valid(form)
        data = form.cleaned_data
        try:
            user = services.sign_up_invited(self.invite, data["password1"], data["full_name"])
        except Conflict as conflict:  # the address taken since the form checked it
            form.add_error("email", conflict.message)
            return None
        except services.InviteError as error:  # used or withdrawn meanwhile
            self.invite, self.invite_refusal = None, error.message
            self.status = REFUSAL_STATUS.get(error.code, 410)
            return None
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        invite = self.invite
        messages.success(self.request, f"Welcome! You are now {invite.role.title} of {invite.event.name}.")
        return HttpResponseRedirect(event_page("dashboard", invite.event_id))

    def get_context_data(self, **kwargs):
        return super().get_context_data(invite=self.invite, invite_refusal=self.invite_refusal, **kwargs)
