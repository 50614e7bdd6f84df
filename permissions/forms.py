from django import forms
from django.contrib.auth import get_user_model

from accounts.forms import SignUpForm
from accounts.services import EMAIL_TAKEN, same_address
from core.validators import validate_email_characters
from permissions import resources
from permissions.models import Role


class InviteForm(forms.Form):
    """The roles page: invite an e-mail address to a role. Whether or not it has an
    account, the person joins only by accepting (``permissions.services.invite_to_role``)."""

    prefix = "invite"

    email = forms.EmailField(
        label="E-mail address",
        max_length=254,  # RoleInvite.email
        validators=[validate_email_characters],
        widget=forms.EmailInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    role = forms.ModelChoiceField(
        queryset=Role.objects.all(),
        empty_label=None,
        initial=Role.MODERATOR,  # the least powerful role: more is a deliberate choice
        to_field_name="name",
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class PermissionMatrixForm(forms.Form):
    """The whole matrix as one form: a checkbox per role × service × operation (the
    operations the resource's row has: ``permissions.resources.operations``).

    ``rows`` are the Permission rows (with role and service loaded). Field names are
    ``<role>__<service>__<operation>``, e.g. ``coorganizer__track__update``; a box left
    unticked is a flag set to false, as an HTML form submits the whole grid.
    """

    def __init__(self, *args, rows, disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        self._cells = {}
        for permission in rows:
            key = (permission.role.name, permission.service.name)
            self._cells[key] = []
            for op in resources.operations(permission.service.name):
                name = self.field_name(*key, op)
                implied = (permission.service.name, op) in resources.IMPLIED_FOR_EVERY_ROLE
                label = f"{permission.role.title} may {op} {permission.service.title.lower()}"
                self.fields[name] = forms.BooleanField(
                    required=False,
                    # A cell every role holds (permissions.resources) shows ticked, fixed.
                    initial=implied or getattr(permission, f"can_{op}"),
                    disabled=disabled or implied,
                    label=f"{label} (every role does)" if implied else label,
                )
                self._cells[key].append((op, name))

    @staticmethod
    def field_name(role, service, operation):
        return f"{role}__{service}__{operation}"

    def grid(self):
        """For the template: ``(services, [(role, [(service, [(operation, bound field)])])])``."""
        roles, services = {}, {}
        for permission in self.rows:
            roles.setdefault(permission.role.name, permission.role)
            services.setdefault(permission.service.name, permission.service)
        table = []
        for role in roles.values():
            cells = []
            for service in services.values():
                ops = self._cells.get((role.name, service.name), [])
                cells.append((service, [(op, self[name]) for op, name in ops]))
            table.append((role, cells))
        return list(services.values()), table

    def flags(self):
        """The submitted matrix: ``{(role, service): {operations ticked}}``."""
        return {key: {op for op, name in ops if self.cleaned_data[name]} for key, ops in self._cells.items()}


class InvitationSignUpForm(SignUpForm):
    """Signing up through an invitation's link, whose address is fixed (the account takes
    the invited role, which is that address's): the field shows it and cannot be
    changed, and a request that sends another one is refused."""

    def __init__(self, *args, invited_email, **kwargs):
        super().__init__(*args, **kwargs)
        self.invited_email = invited_email
        field = self.fields["email"]
        field.disabled = True  # Django then takes the initial value, never the posted one
        field.help_text = "The address the invitation was sent to."
        self.initial["email"] = invited_email

    def clean_email(self):
        sent = self.data.get(self.add_prefix("email"))
        if sent and not same_address(sent, self.invited_email):
            raise forms.ValidationError(
                f"This invitation is for {self.invited_email}: sign up with that address "
                "(or without the invitation's link).",
                code="not_the_invited_address",
            )
        email = super().clean_email()
        # The link went to this address, so its holder may learn that it has an account.
        if get_user_model().objects.filter(email=email).exists():
            raise forms.ValidationError(
                f"{EMAIL_TAKEN} Log in (or choose a new password) and open the invitation's link again.",
                code="taken",
            )
        return email
