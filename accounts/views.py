from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.views import SuccessMessageMixin
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from accounts import forms, services
from accounts.forms import SignUpForm
from accounts.throttling import LoginRateThrottle, PasswordResetRateThrottle, SignUpRateThrottle
from core.links import site_root
from core.views import local_path


def after_login_url():
    """Where a logged-in person goes on: config's ``LOGIN_REDIRECT_URL`` (accounts, low in
    the layers, knows no page of the apps above it)."""
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class SignUpView(View):
    """The sign-up page. It answers the same whether or not the address has an account
    (``accounts.services.register``): a redirect to "check your inbox", nobody logged in.
    Sign-ups count per client address like log-ins (past ``EVENTDESK_SIGNUP_RATE``: 429).
    It knows nothing of what an account may be made for; a page that signs up *for*
    something (an invitation: ``permissions.views.InvitationSignUpView``, which
    ``config.urls`` serves here) extends it through the hooks below."""

    template_name = "accounts/signup.html"
    #: The status of a page that shows no form errors (a hook may set another).
    status = 200

    def get_form(self, data=None):
        """Hook: the form (a subclass of ``SignUpForm``), bound to ``data`` when posted."""
        return SignUpForm(data)

    def already_logged_in(self):
        """Hook: the answer to someone already logged in."""
        return redirect(after_login_url())

    def form_valid(self, form):
        """Hook: act on the valid form; the answer, or ``None`` to show the form again
        (with ``self.status``)."""
        data = form.cleaned_data
        services.register(data["email"], data["password1"], data["full_name"], site_root=site_root(self.request))
        return redirect("signup_sent")

    def get_context_data(self, **kwargs):
        return kwargs

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return self.already_logged_in()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.show(self.get_form())

    def post(self, request, *args, **kwargs):
        throttle = SignUpRateThrottle()
        if not throttle.allow_request(request, self):
            wait = max(1, round(throttle.wait() or 1))
            self.status = 429
            refusal = f"Too many sign-ups from your address. Try again in {wait} seconds."
            return self.show(self.get_form(), refusal=refusal)
        form = self.get_form(request.POST)
        if form.is_valid():
            response = self.form_valid(form)
            if response is not None:
                return response
        return self.show(form)

    def show(self, form, **context):
        context = self.get_context_data(form=form, **context)
        return render(self.request, self.template_name, context, status=self.status)


def signup_sent(request):
    """Where every sign-up leads, whatever the address: check your inbox."""
    return render(request, "accounts/signup_sent.html")


class ConfirmEmailView(View):
    """The link e-mailed to confirm an address. It needs the account's log-in too (module
    docstring of ``accounts.services``): anonymous visitors are sent to log in first. GET
    shows a button, POST confirms (a mail scanner that fetches links confirms nothing)."""

    template_name = "accounts/confirm_email.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            services.check_confirmation(request.user, kwargs["token"])
        except services.ConfirmationError as error:
            return render(request, self.template_name, {"refusal": error.message}, status=400)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, token):
        return render(request, self.template_name, {"confirmed": request.user.email_confirmed})

    def post(self, request, token):
        services.confirm_by_link(request.user, token)
        messages.success(request, f"Your e-mail address {request.user.email} is confirmed.")
        return redirect(after_login_url())


class ResendConfirmationView(LoginRequiredMixin, View):
    """POST (the profile page's button): e-mail the confirmation link again, a few times an
    hour at most per address."""

    def post(self, request):
        if request.user.email_confirmed:
            messages.info(request, "Your e-mail address is already confirmed.")
        elif services.send_confirmation(request.user, site_root(request), required=True):  # no count: 503
            messages.success(request, f"We sent a new link to {request.user.email}.")
        else:
            messages.error(request, "We sent you several links in the last hour: check your inbox, or try later.")
        return redirect("profile")


class LoginView(auth_views.LoginView):
    """Django's log-in page, with a limit on attempts per client address
    (``accounts.throttling``): past it, the form answers 429 and says when to retry."""

    redirect_authenticated_user = True
    form_class = forms.LoginForm

    def get_redirect_url(self):
        # ``next`` as every form takes it: a path on this site, else the default
        # (Django's check kept "foo" or "logout", which led to a page relative to this one).
        return local_path(self.request, super().get_redirect_url()) or ""

    def post(self, request, *args, **kwargs):
        throttle = LoginRateThrottle()
        if not throttle.allow_request(request, self):
            # An unbound form: a refused attempt must not even check the password.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")[:254]})
            wait = max(1, round(throttle.wait() or 1))
            refusal = f"Too many log-in attempts from your address. Try again in {wait} seconds."
            return self.render_to_response(self.get_context_data(form=form, refusal=refusal), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        if not form.get_user().email_confirmed:
            messages.info(
                self.request,
                "Your e-mail address is not confirmed yet: open the link we e-mailed you "
                "(your profile page sends a new one). Until then, invitations sent to it do not reach you.",
            )
        return response


class LogoutView(auth_views.LogoutView):
    """Django's log-out (POST only), saying so on the page it leads to."""

    def get_redirect_url(self):
        return local_path(self.request, super().get_redirect_url()) or ""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out. See you soon!")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next_url": after_login_url()}


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

    def form_valid(self, form):
        # The link's scheme, host and port: SITE_URL, or a host ALLOWED_HOSTS names
        # (core.links; DisallowedHost, a 400, before anything is sent), never the request's word.
        scheme, _, domain = site_root(self.request).partition("://")
        form.save(
            domain_override=domain,
            use_https=scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            html_email_template_name=self.html_email_template_name,
            extra_email_context={**(self.extra_email_context or {}), "site_name": "Eventdesk"},
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password through the e-mailed link: it came to the address, so the address
    is confirmed too (the form saves through ``accounts.services.set_password``)."""

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
