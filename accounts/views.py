from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.forms import SignUpForm


@sensitive_post_parameters("password1", "password2")
def signup(request):
    if request.user.is_authenticated:
        return redirect("events:mine")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.sign_up(form)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("events:mine")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)
