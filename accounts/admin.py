"""Accounts and API tokens in the Django admin.

Secrets are their owner's alone: an admin reads everything else here, the super admin
changes it, but neither ever sees a password hash (not even Django's masked summary of
it) or anything of an API token but its owner and date (the key is stored nowhere; its
digest is not shown). The super admin may revoke a token; nobody makes one here (its key
would be shown once made): the owner gets it through the API. No list filters, searches
or sorts by a secret field: the admin site refuses it for every model
(``core.admin_site``).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    ReadOnlyPasswordHashField,
    ReadOnlyPasswordHashWidget,
    UserChangeForm,
)
from django.contrib.auth.models import Group

from accounts import services, tokens
from accounts.models import ApiToken, User
from accounts.throttling import LoginRateThrottle
from core.links import site_root

# Rights come from the system roles and the permission matrix (permissions), never from
# Django's groups: the admin offers none to edit (no service changes them, nothing logs them,
# and a group's model permissions would let an admin change what the matrix does not allow).
if admin.site.is_registered(Group):
    admin.site.unregister(Group)

# The admin's log-in counts with the log-in page's and the token endpoint's (per client
# address; Redis unreachable, a 503): core.admin_site.AdminSite.login.
admin.site.login_throttle = LoginRateThrottle


class PasswordStateWidget(ReadOnlyPasswordHashWidget):
    """Whether the user has a password, with Django's button to set a new one; never the
    algorithm, salt or hash (Django's summary shows the start of both)."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        has_one = any(entry.get("value") for entry in context["summary"])
        context["summary"] = [{"label": "A password is set." if has_one else "No password set."}]
        return context


class AccountChangeForm(UserChangeForm):
    password = ReadOnlyPasswordHashField(
        label="Password",
        widget=PasswordStateWidget,
        help_text="Raw passwords are not stored, and their hashes are shown to nobody.",
    )


class AccountPasswordForm(AdminPasswordChangeForm):
    """The admin's "change password" page, through ``accounts.services.set_password``:
    logged as the admin's (``UserAdmin.get_object`` says who is changing the account)."""

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        return services.set_password(self.user, password, actor=getattr(self.user, "changed_by", None))


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts are saved and deleted through ``accounts.services`` (``save_account``,
    ``delete_account``, ``set_password``): logged in the activity log as the admin's."""

    form = AccountChangeForm
    change_password_form = AccountPasswordForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_admin", "is_super_admin", "is_active", "date_joined"]
    list_filter = ["is_admin", "is_super_admin", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "email_confirmed_at", "password"]}),
        ("Profile", {"fields": ["full_name"]}),
        ("System roles", {"fields": ["is_active", "is_admin", "is_super_admin"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = []
    # Only the owner confirms an address, through the link sent to it (accounts.services).
    readonly_fields = ["email_confirmed_at"]

    def get_object(self, request, object_id, from_field=None):
        user = super().get_object(request, object_id, from_field)
        if user is not None:
            user.changed_by = request.user  # the actor of AccountPasswordForm's save
        return user

    def save_model(self, request, obj, form, change):
        services.save_account(obj, actor=request.user, adding=not change)
        if not change or "email" in form.changed_data:
            # A new or changed address is unconfirmed (User.save): its owner gets a link.
            services.send_confirmation(obj, site_root(request))

    def delete_model(self, request, obj):
        services.delete_account(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.delete_account(user, actor=request.user)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Who has an API token, since when; never its digest. Admins view; the super admin
    revokes."""

    list_display = ["user", "created"]
    list_select_related = ["user"]
    fields = ["user", "created"]
    readonly_fields = ["user", "created"]
    search_fields = ["user__email"]
    search_help_text = "E-mail address"
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_super_admin

    def delete_model(self, request, obj):
        tokens.revoke_token(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            tokens.revoke_token(token, actor=request.user)
