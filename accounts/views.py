from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from accounts import forms, services
from accounts.forms import SignUpForm
from accounts.throttling import LoginRateThrottle, PasswordResetRateThrottle
from core.errors import Conflict


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class SignUpView(View):
    """The sign-up page: a new account, logged in at once. It knows nothing of what an
    account may be made for; a page that signs up *for* something (an invitation:
    ``permissions.views.InvitationSignUpView``, which ``config.urls`` serves here) extends
    it through the hooks below."""

    template_name = "accounts/signup.html"
    #: The status of a page that shows no form errors (a hook may set another).
    status = 200

    def get_form(self, data=None):
        """Hook: the form (a subclass of ``SignUpForm``), bound to ``data`` when posted."""
        return SignUpForm(data)

    def already_logged_in(self):
        """Hook: the answer to someone already logged in."""
        return redirect("events:mine")

    def create_user(self, form):
        """Hook: make the account from the valid form; ``None`` makes none (the page is
        shown again, with ``self.status``)."""
        data = form.cleaned_data
        return services.sign_up(data["email"], data["password1"], data["full_name"])

    def signed_up(self, user):
        """Hook: where the new, logged-in user goes."""
        messages.success(self.request, f"Welcome to Eventdesk, {user.get_short_name()}! Your account is ready.")
        return redirect("events:mine")

    def get_context_data(self, **kwargs):
        return kwargs

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return self.already_logged_in()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.show(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                user = self.create_user(form)
            except Conflict as conflict:  # the address taken since the form checked it
                form.add_error("email", conflict.message)
                user = None
            if user is not None:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return self.signed_up(user)
        return self.show(form)

    def show(self, form):
        context = self.get_context_data(form=form)
        return render(self.request, self.template_name, context, status=self.status)


class LoginView(auth_views.LoginView):
    """Django's log-in page, with a limit on attempts per client address
    (``accounts.throttling``): past it, the form answers 429 and says when to retry."""

    redirect_authenticated_user = True
    form_class = forms.LoginForm

    def post(self, request, *args, **kwargs):
        throttle = LoginRateThrottle()
        if not throttle.allow_request(request, self):
            # An unbound form: a refused attempt must not even check the password.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")[:254]})
            wait = max(1, round(throttle.wait() or 1))
            refusal = f"Too many log-in attempts from your address. Try again in {wait} seconds."
            return self.render_to_response(self.get_context_data(form=form, refusal=refusal), status=429)
        return super().post(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    """Django's log-out (POST only), saying so on the page it leads to."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out. See you soon!")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm


class PasswordResetView(auth_views.PasswordResetView):
    """Django's "forgot password" page: an e-mail with a one-time link to any account with
    that address (the page says the same whether there is one or not). Requests count
    per client address like log-in attempts (past the limit: 429, no e-mail)."""

    form_class = forms.PasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def post(self, request, *args, **kwargs):
        throttle = PasswordResetRateThrottle()
        if not throttle.allow_request(request, self):
            wait = max(1, round(throttle.wait() or 1))
            refusal = f"Too many requests from your address. Try again in {wait} seconds."
            form = self.get_form_class()(initial={"email": request.POST.get("email", "")[:254]})
            return self.render_to_response(self.get_context_data(form=form, refusal=refusal), status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm


class ProfileView(LoginRequiredMixin, SuccessMessageMixin, FormView):
    """The logged-in person's own page: their name (the e-mail address is how they log in
    and stays as it is)."""

    template_name = "accounts/profile.html"
    form_class = forms.ProfileForm
    success_url = reverse_lazy("profile")
    success_message = "Your profile is saved."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.request.user}

    def form_valid(self, form):
        services.update_profile(self.request.user, full_name=form.cleaned_data["full_name"])
        return super().form_valid(form)
