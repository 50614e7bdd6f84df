"""Django's shell with Eventdesk's services imported and ``su`` bound to a super admin.

Where a model of Django's own apps has the name of one of ours (``auth.Permission`` and
``permissions.Permission``, ``sessions.Session`` and ``events.Session``), ours keeps the
name and Django's is there under its app's prefix (``auth_Permission``,
``sessions_Session``).

The operator's shell works across events: it runs with django-scopes' scopes disabled
(enter one with ``scope(event=event)``, imported too, to see what a request of the event sees).
"""

from importlib import import_module

from django.apps import apps
from django.core.management.commands import shell
from django_scopes import scope, scopes_disabled

SERVICE_MODULES = {
    "accounts_services": "accounts.services",
    "events_services": "events.services",
    "tickets_services": "tickets.services",
    "permissions_services": "permissions.services",
    "notifications_services": "notifications.services",
    "checks": "permissions.checks",
}


# User's methods the seed's shell called (user.can_create(service, event), ...): in the
# namespace too, as functions of the user.
PERMISSION_METHODS = (
    "can_create",
    "can_read",
    "can_update",
    "can_delete",
    "has_role",
    "is_organizer",
    "is_coorganizer",
    "is_track_organizer",
    "is_moderator",
)


class Command(shell.Command):
    help = (
        "Runs a Python shell with every model, each app's services module (events_services, ...), "
        "and `su`, the first super admin (None if there is none)."
    )

    def handle(self, **options):
        with scopes_disabled():  # every event's rows (core.request_scope)
            return super().handle(**options)

    def get_namespace(self, **options):
        namespace = super().get_namespace(**options)
        if options.get("no_imports"):
            return namespace
        renamed = project_models_first(namespace)
        for name, path in SERVICE_MODULES.items():
            try:
                namespace[name] = import_module(path)
            except ImportError:  # an app without services yet
                continue
        from accounts.models import User

        namespace["scope"], namespace["scopes_disabled"] = scope, scopes_disabled
        namespace["su"] = User.objects.filter(is_super_admin=True, is_active=True).order_by("pk").first()
        # The seed's permission methods, also as functions: can_create(user, "track", event).
        for name in PERMISSION_METHODS:
            namespace[name] = getattr(User, name)
        if options.get("verbosity", 1) >= 1 and not options.get("command"):
            names = ", ".join(n for n in SERVICE_MODULES if n in namespace)
            self.stdout.write(f"Services: {names}. su = {namespace['su']}")
            self.stdout.write("Permissions: user.can_create(service, event), ..., user.is_organizer(event), ...")
            if renamed:
                self.stdout.write(f"Django's models of the same name as ours: {', '.join(renamed)}.")
        return namespace


def project_models_first(namespace):
    """Give each clashing name to the project's model; Django's gets ``<app>_<Name>``.

    Returns the prefixed names given, for the shell's banner.
    """
    ours = {m.__name__: m for m in apps.get_models() if not m.__module__.startswith("django.")}
    renamed = []
    for model in apps.get_models():
        name = model.__name__
        if model.__module__.startswith("django.") and name in ours:
            alias = f"{model._meta.app_label}_{name}"
            namespace[alias] = model
            renamed.append(alias)
    for name, model in ours.items():
        if name in namespace:
            namespace[name] = model
    return renamed
