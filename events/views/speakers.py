"""Session invites. The organizer's side: a session's speakers and invitations, with the
form that invites someone by e-mail (``session`` read to see, update to invite or
withdraw). The invited person's side: the invitation's link (answer it), which needs no
account when the address has none. The rules: ``events.speakers``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic import FormView

from core.links import site_root
from core.request_scope import enter_scope
from events import speakers
from events.forms import SpeakerInviteForm
from events.models import Session, SessionInvite
from events.views.dashboard import DashboardMixin
from events.views.mixins import EventPermissionMixin
from permissions.services import InviteError

#: How a refused invitation answers: a link that names nothing is 404, someone else's
#: 403, one that needs a log-in 403, a used or expired one 410 Gone.
REFUSAL_STATUS = {"invalid": 404, "wrong_user": 403, "log_in": 403}


class SessionInvitesView(DashboardMixin, EventPermissionMixin, FormView):
    """GET: the session's speakers and pending invitations (their e-mail addresses for
    whoever may read speakers); the invitation form for whoever may update sessions.
    POST: invite (errors re-render the page, 200)."""

    resource = "session"
    nav = None
    form_class = SpeakerInviteForm
    template_name = "events/dashboard/session_invites.html"

    def get_operation(self):
        return "read" if self.request.method in ("GET", "HEAD", "OPTIONS") else "update"

    def get_session(self):
        if not hasattr(self, "session"):
            self.session = get_object_or_404(
                Session.objects.for_event(self.event).select_related("event", "microlocation"), pk=self.kwargs["pk"]
            )
        return self.session

    def get(self, request, *args, **kwargs):
        self.get_session()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.get_session()
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.get_session()
        context.update(
            session=session,
            resource="session",
            when=speakers.schedule_text(session),
            session_speakers=list(session.speakers.select_related("user")),
            may_invite=context["can"]["session"]["update"],
            # Speakers' and invitees' e-mail addresses are the speakers' (as the activity
            # log's session invitations): for who may read speakers.
            shows_addresses=context["can"]["speaker"]["read"],
        )
        context["pending_invites"] = speakers.pending_invites(session) if context["shows_addresses"] else []
        return context

    def form_valid(self, form):
        try:
            invite = speakers.invite_speaker(
                self.get_session(),
                form.cleaned_data["email"],
                form.cleaned_data["name"],
                invited_by=self.request.user,
                site_url=site_root(self.request),  # SITE_URL, or a named host (core.links)
                actor=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Invitation to speak sent to {invite.email}.")
        return HttpResponseRedirect(speakers.session_path(self.session))


class RevokeSessionInviteView(EventPermissionMixin, View):
    """POST: withdraw a pending invitation to speak at one of this event's sessions."""

    resource = "session"
    operation = "update"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        invite = get_object_or_404(
            SessionInvite.objects.select_related("session"),
            session__event=self.event,
            session_id=kwargs["pk"],
            pk=kwargs["invite_pk"],
        )
        try:
            speakers.revoke_invite(invite, actor=request.user)
        except InviteError as error:
            messages.error(request, error.message)
        else:
            whom = invite.email if request.event_permissions.allows("speaker", "read") else "that address"
            messages.success(request, f"The invitation of {whom} was withdrawn.")
        return HttpResponseRedirect(speakers.session_path(invite.session))


class AnswerSpeakerInviteView(View):
    """The invitation's link. GET: what it offers, with Accept and Decline (or a log-in
    link when the address has an account and the visitor is not it). POST
    ``answer=accept|decline``: answer it."""

    template_name = "events/speaker_invite.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.invite = speakers.find_invite(kwargs["link"])
        except InviteError as error:
            return self.refused(error)
        enter_scope(request, event=self.invite.session.event)  # the rest of the request works in its event
        return super().dispatch(request, *args, **kwargs)

    def refused(self, error):
        status = REFUSAL_STATUS.get(error.code, 410)
        return render(self.request, self.template_name, {"refusal": error.message}, status=status)

    def get(self, request, link):
        invite = self.invite
        refusal = speakers.answer_refusal(invite, request.user)
        if refusal == "wrong_user":
            return self.refused(InviteError(speakers.INVITE_REFUSALS[refusal], code=refusal))
        context = {
            "invite": invite,
            "session": invite.session,
            "when": speakers.schedule_text(invite.session),
            "may_answer": refusal is None,  # else a log-in link
        }
        return render(request, self.template_name, context)

    def post(self, request, link):
        answer = request.POST.get("answer")
        if answer not in ("accept", "decline"):
            return render(request, self.template_name, {"refusal": "Choose to accept or decline."}, status=400)
        verb = speakers.accept_invite if answer == "accept" else speakers.decline_invite
        user = request.user if request.user.is_authenticated else None
        try:
            invite = verb(self.invite, user, actor=user)
        except InviteError as error:
            return self.refused(error)
        session = invite.session
        if answer == "accept":
            messages.success(request, f"You speak at “{session.title}” of {session.event.name}. Thank you!")
        else:
            messages.info(request, f"You declined to speak at “{session.title}”.")
        if user is None:
            return render(request, self.template_name, {"answered": answer, "session": session})
        return HttpResponseRedirect(reverse("notifications:center"))
