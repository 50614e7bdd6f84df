from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import BaseUserCreationForm

from accounts.models import User
from core.forms import BootstrapFormMixin


class SignUpForm(BootstrapFormMixin, BaseUserCreationForm):
    """E-mail, name and a password checked by Django's password validators.

    Whether the address already has an account is never a form error (that would tell
    anyone who has an account): ``accounts.services.register`` answers both alike."""

    class Meta:
        model = User
        fields = ["email", "full_name"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def validate_unique(self):
        """No "already exists" error for a taken address (see the class)."""


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
