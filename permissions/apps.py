import pkgutil
from importlib import import_module

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate


def seed_migrations(applied=None):
    """The permissions migrations that seed the matrix (those defining ``seed``), in order;
    only those in ``applied`` (names) when given."""
    package = import_module("permissions.migrations")
    names = sorted(name for _, name, is_pkg in pkgutil.iter_modules(package.__path__) if not is_pkg)
    names = [name for name in names if name[0] not in "_~" and (applied is None or name in applied)]
    modules = [import_module(f"{package.__name__}.{name}") for name in names]
    return [module for module in modules if hasattr(module, "seed")]


def ensure_permission_matrix(sender, apps=global_apps, **kwargs):
    """After every ``migrate`` (and every ``flush``, as tests do), restore any role,
    resource or matrix row that is missing, with its default flags (every seed migration's
    ``seed``, in order); rows that exist are left as they are. So a check never meets a
    missing row. (``flush`` sends the signal without ``apps``: then the current models serve.)"""
    try:
        apps.get_model("permissions", "Permission")
    except LookupError:  # the app's migrations are not applied (migrate permissions zero)
        return
    using = kwargs.get("using", DEFAULT_DB_ALIAS)
    recorder = MigrationRecorder(connections[using])
    applied = {name for app, name in recorder.applied_migrations() if app == "permissions"}
    # None (every seed) when no migration is recorded: tables made without migrations.
    with transaction.atomic(using=using):  # one commit, not one per row
        for migration in seed_migrations(applied or None):
            migration.seed(apps, None)


class PermissionsConfig(AppConfig):
    name = "permissions"
    verbose_name = "Permissions"

    def ready(self):
        post_migrate.connect(ensure_permission_matrix, sender=self, dispatch_uid="permissions.ensure_matrix")

        from permissions import signals

        signals.connect()

        from accounts.services import email_confirmed
        from permissions.services import deliver_invitations

        # A newly confirmed address: its pending invitations reach the account's bell.
        email_confirmed.connect(deliver_invitations, dispatch_uid="permissions.deliver_invitations")
