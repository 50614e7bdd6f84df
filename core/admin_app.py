"""Django's admin (autodiscovery and all) on ``core.admin_site.AdminSite``: every model
admin registered on it is guarded from secret fields. Named in ``INSTALLED_APPS`` in
place of ``django.contrib.admin``; this module imports nothing that needs the apps ready."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.core import checks


class AdminConfig(DjangoAdminConfig):
    default_site = "core.admin_site.AdminSite"

    def ready(self):
        super().ready()
        from core.admin_site import check_no_secret_in_admins

        checks.register(check_no_secret_in_admins, checks.Tags.admin)
