from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import BaseUserCreationForm

from accounts.models import User
from accounts.services import EMAIL_TAKEN
from core.forms import BootstrapFormMixin


class SignUpForm(BootstrapFormMixin, BaseUserCreationForm):
    """E-mail, name and a password checked by Django's password validators."""

    class Meta:
        model = User
        fields = ["email", "full_name"]

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN)
        return email


# Django's account forms, with the site's Bootstrap classes (red borders on errors).


class LoginForm(BootstrapFormMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(BootstrapFormMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(BootstrapFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(BootstrapFormMixin, auth_forms.SetPasswordForm):
    pass


class ProfileForm(BootstrapFormMixin, forms.ModelForm):
    """What a person may change about themselves on the profile page: their name."""

    class Meta:
        model = User
        fields = ["full_name"]
        labels = {"full_name": "Full name"}
        help_texts = {"full_name": "Shown in the menu and to the teams of your events."}
