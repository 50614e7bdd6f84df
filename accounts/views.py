from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.forms import SignUpForm
from accounts.throttling import LoginRateThrottle
from permissions import invite_views
from permissions import services as permission_services


@sensitive_post_parameters("password1", "password2")
def signup(request):
    # ?invite=<link>: sign-up from a role invitation's e-mail, with its address; the role
    # comes with the account, or there is no account.
    invite, invite_refusal = invite_views.invite_for_signup(request)
    if request.user.is_authenticated:
        return redirect(permission_services.invite_path(invite) if invite else "events:mine")
    form = SignUpForm(request.POST or None, invited_email=invite.email if invite else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_up(form, invite=invite)
        except permission_services.InviteError as error:  # used or withdrawn meanwhile
            invite, invite_refusal = None, error.message
            status = invite_views.REFUSAL_STATUS.get(error.code, 410)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if invite is not None:
                return invite_views.welcome_after_signup(request, invite)
            return redirect("events:mine")
    context = {"form": form, "invite": invite, "invite_refusal": invite_refusal}
    return render(request, "accounts/signup.html", context, status=400 if form.errors else status)


class LoginView(auth_views.LoginView):
    """Django's log-in page, with a limit on attempts per client address
    (``accounts.throttling``): past it, the form answers 429 and says when to retry."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        throttle = LoginRateThrottle()
        if not throttle.allow_request(request, self):
            # An unbound form: a refused attempt must not even check the password.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")[:254]})
            wait = max(1, round(throttle.wait() or 1))
            refusal = f"Too many log-in attempts from your address. Try again in {wait} seconds."
            return self.render_to_response(self.get_context_data(form=form, refusal=refusal), status=429)
        return super().post(request, *args, **kwargs)
