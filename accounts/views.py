from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.forms import SignUpForm
from accounts.throttling import LoginRateThrottle


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
            user = self.create_user(form)
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

    def post(self, request, *args, **kwargs):
        throttle = LoginRateThrottle()
        if not throttle.allow_request(request, self):
            # An unbound form: a refused attempt must not even check the password.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")[:254]})
            wait = max(1, round(throttle.wait() or 1))
            refusal = f"Too many log-in attempts from your address. Try again in {wait} seconds."
            return self.render_to_response(self.get_context_data(form=form, refusal=refusal), status=429)
        return super().post(request, *args, **kwargs)
