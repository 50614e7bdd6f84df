"""Admin pieces shared by apps."""


class SuperAdminReadOnlyMixin:
    """A log kept for the super admin to read in the admin: visible to the super admin
    alone, and nobody adds, changes or deletes an entry there (the services write it)."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_super_admin

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_super_admin

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
