from django import forms
from django.contrib.auth.forms import BaseUserCreationForm

from accounts.models import User


class SignUpForm(BaseUserCreationForm):
    """E-mail, name and a password checked by Django's password validators.

    ``invited_email``: signing up through an invitation's link, whose address is fixed
    (the account takes the invited role, which is that address's): the field shows it
    and cannot be changed, and a request that sends another one is refused.
    """

    class Meta:
        model = User
        fields = ["email", "full_name"]

    def __init__(self, *args, invited_email=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invited_email = invited_email
        if invited_email:
            field = self.fields["email"]
            field.disabled = True  # Django then takes the initial value, never the posted one
            field.help_text = "The address the invitation was sent to."
            self.initial["email"] = invited_email

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if self.invited_email:
            sent = self.data.get(self.add_prefix("email"))
            if sent and sent.strip().lower() != self.invited_email.lower():
                raise forms.ValidationError(
                    f"This invitation is for {self.invited_email}: sign up with that address "
                    "(or without the invitation's link).",
                    code="not_the_invited_address",
                )
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this e-mail address already exists.")
        return email
