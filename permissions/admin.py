"""The permission models in the Django admin: admins view them, the super admin alone
changes them. The matrix is edited on one page, as a grid (``PermissionAdmin.matrix_view``)."""

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from permissions import services
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


@admin.register(EventRole)
class EventRoleAdmin(SuperAdminEditsAdmin):
    list_display = ["user", "event", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "event__name"]
    autocomplete_fields = ["user", "event"]
    list_select_related = ["user", "event", "role"]


@admin.register(RoleInvite)
class RoleInviteAdmin(SuperAdminEditsAdmin):
    """Invitations, without their token (the link's secret part, for the invited person
    only; no list filters or searches it either: ``core.admin_site``)."""

    list_display = ["email", "event", "role", "status", "expires_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "event__name"]
