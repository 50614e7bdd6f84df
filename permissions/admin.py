from django.contrib import admin

from permissions.models import EventRole, Permission, Role, RoleInvite, Service


class SuperAdminEditsAdmin(admin.ModelAdmin):
    """Admins may view; only the super admin may add, change or delete."""

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


@admin.register(Role)
class RoleAdmin(SuperAdminEditsAdmin):
    list_display = ["name", "title"]

    def has_delete_permission(self, request, obj=None):
        return False  # the four roles are fixed: the code refers to them by name


@admin.register(Service)
class ServiceAdmin(SuperAdminEditsAdmin):
    list_display = ["name", "title"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Permission)
class PermissionAdmin(SuperAdminEditsAdmin):
    list_display = ["role", "service", "can_create", "can_read", "can_update", "can_delete"]
    list_filter = ["role", "service"]


@admin.register(EventRole)
class EventRoleAdmin(SuperAdminEditsAdmin):
    list_display = ["user", "event", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "event__name"]
    autocomplete_fields = ["user", "event"]
    list_select_related = ["user", "event", "role"]


@admin.register(RoleInvite)
class RoleInviteAdmin(SuperAdminEditsAdmin):
    list_display = ["email", "event", "role", "status", "expires_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "event__name"]
