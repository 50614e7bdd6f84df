from importlib import import_module

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def ensure_permission_matrix(sender, apps=global_apps, **kwargs):
    """After every ``migrate`` (and every ``flush``, as tests do), restore any role,
    service or matrix row that is missing, with its default flags; rows that exist are
    left as they are. So a check never meets a missing row (DESIGN.md, "Domain").
    (``flush`` sends the signal without ``apps``: then the current models serve.)"""
    try:
        apps.get_model("permissions", "Permission")
    except LookupError:  # the app's migrations are not applied (migrate permissions zero)
        return
    seed = import_module("permissions.migrations.0002_seed_permission_matrix").seed
    seed(apps, None)


class PermissionsConfig(AppConfig):
    name = "permissions"
    verbose_name = "Permissions"

    def ready(self):
        post_migrate.connect(ensure_permission_matrix, sender=self, dispatch_uid="permissions.ensure_matrix")
