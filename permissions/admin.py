"""The permission models in the Django admin: admins view them, the super admin alone
changes them. The matrix is edited on one page, as a grid (``PermissionAdmin.matrix_view``).

Every change goes through the services the pages use (``permissions.services``), which
check the rules and log with the actor: a row of the matrix through
``set_permission_matrix``; nobody is put into an event's role but by accepting an
invitation (the admin invites through ``invite_to_role``, it adds no ``EventRole``); a
role is taken through ``remove_event_role``, which keeps an event's last Organizer
(single and bulk deletion alike, all or nothing); an invitation is withdrawn through
``revoke_invite``."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.links import site_root
from permissions import services
from permissions.checks import OPERATIONS
from permissions.forms import PermissionMatrixForm
from permissions.models import EventRole, Permission, Role, RoleInvite, Service


class SuperAdminEditsAdmin(admin.ModelAdmin):
    """Admins may view; only the super admin may add, change or delete.

    Decided by the system roles themselves, not by Django model permissions someone
    might grant: what a role may do in events is the super admin's alone.
    """

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_super_admin

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_super_admin

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_super_admin


class FixedNamesAdmin(SuperAdminEditsAdmin):
    """Roles and services are the fixed ones the code refers to by name: their titles
    may change, nothing is added or deleted."""

    list_display = ["name", "title"]
    readonly_fields = ["name"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.set_title(obj, form.cleaned_data["title"], actor=request.user)


@admin.register(Role)
class RoleAdmin(FixedNamesAdmin):
    pass


@admin.register(Service)
class ServiceAdmin(FixedNamesAdmin):
    pass


@admin.register(Permission)
class PermissionAdmin(SuperAdminEditsAdmin):
    """One row per role × service. All rows exist (seeded), so none is added or deleted;
    the grid at ``matrix/`` edits them all at once."""

    list_display = ["role", "service", "can_create", "can_read", "can_update", "can_delete"]
    list_filter = ["role", "service"]
    list_select_related = ["role", "service"]
    readonly_fields = ["role", "service"]
    change_list_template = "admin/permissions/permission/change_list.html"
    matrix_template = "admin/permissions/permission/matrix.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """The row's change form saves through the matrix's service (locked, compared,
        logged with the actor), as the grid does; Django's form logs it to the admin's history."""
        flags = {op for op in OPERATIONS if getattr(obj, f"can_{op}")}
        services.set_permission_matrix({(obj.role.name, obj.service.name): flags}, actor=request.user)

    def get_urls(self):
        matrix = path(
            "matrix/",
            self.admin_site.admin_view(self.matrix_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_matrix",
        )
        return [matrix, *super().get_urls()]

    @staticmethod
    def describe_change(permission, fields):
        """For the admin log: "can create: no → yes; can delete: yes → no"."""
        word = {True: "yes", False: "no"}
        return "; ".join(
            f"{permission._meta.get_field(name).verbose_name}: {word[not getattr(permission, name)]} → "
            f"{word[getattr(permission, name)]}"
            for name in fields
        )

    def log_changes(self, request, changed):
        """``log_change`` for each changed row (``[(permission, fields)]``), in one query."""
        content_type = ContentType.objects.get_for_model(Permission, for_concrete_model=False)
        LogEntry.objects.bulk_create(
            LogEntry(
                user_id=request.user.pk,
                content_type_id=content_type.pk,
                object_id=permission.pk,
                object_repr=str(permission)[:200],
                action_flag=CHANGE,
                change_message=self.describe_change(permission, fields),
            )
            for permission, fields in changed
        )

    def matrix_view(self, request):
        """The matrix as a grid. Admins see it read-only; the super admin saves it.

        Saving stores every changed row in one transaction and writes one admin log
        entry per changed row, inside the same transaction.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        editable = self.has_change_permission(request)
        if request.method == "POST" and not editable:
            raise PermissionDenied
        form = PermissionMatrixForm(
            request.POST if request.method == "POST" else None,
            rows=services.permission_matrix(),
            disabled=not editable,
        )
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                changed = services.set_permission_matrix(form.flags(), actor=request.user)
                self.log_changes(request, changed)
            if changed:
                messages.success(request, f"Saved the permission matrix: {len(changed)} row(s) changed.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect(request.path)
        services_, grid = form.grid()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Permission matrix" if editable else "View permission matrix",
            "form": form,
            "services": services_,
            "grid": grid,
            "editable": editable,
            "has_view_permission": True,
        }
        return TemplateResponse(request, self.matrix_template, context)


class ThroughServicesOnly:
    """Deletion, one row or many, through ``delete_rows`` (a service, all or nothing); a
    refusal (``ValidationError``) is the admin's error message, nothing deleted."""

    def delete_rows(self, request, rows):
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.delete_rows(request, [obj])

    def delete_queryset(self, request, queryset):
        self.delete_rows(request, queryset)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            info = (self.opts.app_label, self.opts.model_name)
            return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[object_id]))

    @admin.action(permissions=["delete"], description=django_delete_selected.short_description)
    def delete_selected(self, request, queryset):
        """Django's action, all or nothing: a refusal deletes nothing."""
        try:
            with transaction.atomic():
                return django_delete_selected(self, request, queryset)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = self.get_action("delete_selected")  # ours, not the site's
        return actions


@admin.register(EventRole)
class EventRoleAdmin(ThroughServicesOnly, SuperAdminEditsAdmin):
    """Event roles: nobody is given one here (only by accepting an invitation: invite in
    "Role invites"), none is changed in place; the super admin takes one away through
    ``remove_event_role``, never an event's last Organizer."""

    list_display = ["user", "event", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "event__name"]
    list_select_related = ["user", "event", "role"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_rows(self, request, rows):
        # Event by event, in the order of their ids (revoke_role locks each event's row).
        for event_role in sorted(rows, key=lambda row: (row.event_id, row.pk)):
            services.remove_event_role(event_role, actor=request.user)


class PostedChoicesAutocomplete(AutocompleteSelect):
    """Django's autocomplete widget, showing again only posted values its field could
    hold: a refused form that posted ``event=abc`` is shown with its errors, not a 500
    (Django's widget looks the raw value up)."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [choice for choice in value if self.could_be(choice)], attr)

    def could_be(self, choice):
        try:
            self.field.target_field.to_python(choice)
        except ValidationError:
            return False
        return True


class RoleInviteForm(forms.ModelForm):
    class Meta:
        model = RoleInvite
        fields = ["event", "email", "role"]


@admin.register(RoleInvite)
class RoleInviteAdmin(SuperAdminEditsAdmin):
    """Invitations, without their token (the link's secret part, for the invited person
    only; no list filters or searches it either: ``core.admin_site``). The super admin
    invites (``invite_to_role``: the e-mail and the notification, as the roles page
    sends them) and withdraws (``revoke_invite``); an invitation is not edited."""

    form = RoleInviteForm
    list_display = ["email", "event", "role", "status", "expires_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "event__name"]
    autocomplete_fields = ["event"]
    actions = ["withdraw"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PostedChoicesAutocomplete(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        try:
            invite = services.invite_to_role(
                obj.event, obj.email, obj.role, invited_by=request.user, site_url=site_root(request)
            )
        except ValidationError as error:
            raise _Refused(error) from None
        obj.pk = invite.pk  # Django's answer links to and logs the stored invitation
        obj.token, obj.status, obj.expires_at = invite.token, invite.status, invite.expires_at

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            self.message_user(request, " ".join(refused.error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(permissions=["withdraw"], description="Withdraw the selected pending invitations")
    def withdraw(self, request, queryset):
        try:
            with transaction.atomic():
                for invite in queryset.filter(status=RoleInvite.Status.PENDING).order_by("pk"):
                    services.revoke_invite(invite, actor=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def has_withdraw_permission(self, request):
        return request.user.is_active and request.user.is_super_admin


class _Refused(Exception):
    """A service's refusal inside the admin's form view: shown as its message."""

    def __init__(self, error):
        self.error = error
        super().__init__(error)
