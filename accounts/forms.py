import logging

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import BaseUserCreationForm
from django.template.loader import render_to_string

from accounts import services
from accounts.models import User, canonical_address
from core.forms import BootstrapFormMixin
from core.mail import may_send
from core.outbox import send_later

logger = logging.getLogger(__name__)

#: ``core.mail.may_send``'s kind for password-reset links.
PASSWORD_RESET_MAIL = "password_reset"  # noqa: S105 (a word, not a password)


class SignUpForm(BootstrapFormMixin, BaseUserCreationForm):
    """E-mail, name and a password checked by Django's password validators.

    Whether the address already has an account is never a form error (that would tell
    anyone who has an account): ``accounts.services.register`` answers both alike."""

    class Meta:
        model = User
        fields = ["email", "full_name"]

    def clean_email(self):
        return canonical_address(self.cleaned_data["email"])

    def validate_unique(self):
        """No "already exists" error for a taken address (see the class)."""


# Django's account forms, with the site's Bootstrap classes (red borders on errors).


class LoginForm(BootstrapFormMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(BootstrapFormMixin, auth_forms.PasswordChangeForm):
    def save(self, commit=True):
        """Through ``accounts.services.set_password``: saved and logged as the user's."""
        return services.set_password(self.user, self.cleaned_data["new_password1"], actor=self.user)


class PasswordResetForm(BootstrapFormMixin, auth_forms.PasswordResetForm):
    """Django's form; its e-mail goes to one mailbox a few times an hour at most
    (``core.mail.may_send``): requests are limited per client address, and many clients
    asking for one address's link would otherwise have the site mail it without end."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        """Django's message (its two templates), queued like every e-mail of the site
        (``core.outbox.send_later``): a worker sends it, never the request. Plain text
        only: the view names no HTML template, and ``from_email`` is the default sender."""
        if not may_send(PASSWORD_RESET_MAIL, to_email):
            logger.warning("A password-reset link not sent: too many e-mails to the address this hour")
            return
        subject = render_to_string(subject_template_name, context)
        send_later(subject, render_to_string(email_template_name, context), [to_email])


class SetPasswordForm(BootstrapFormMixin, auth_forms.SetPasswordForm):
    """A new password through the e-mailed reset link (``accounts.services.set_password``,
    ``reset``): saved, the address confirmed (the link came to it), logged as the user's."""

    def save(self, commit=True):
        return services.set_password(self.user, self.cleaned_data["new_password1"], actor=self.user, reset=True)


class ProfileForm(BootstrapFormMixin, forms.ModelForm):
    """What a person may change about themselves on the profile page: their name."""

    class Meta:
        model = User
        fields = ["full_name"]
        labels = {"full_name": "Full name"}
        help_texts = {"full_name": "Shown in the menu and to the teams of your events."}
