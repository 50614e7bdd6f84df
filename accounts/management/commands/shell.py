"""Django's shell with Eventdesk's services imported and ``su`` bound to a super admin."""

from importlib import import_module

from django.core.management.commands import shell

SERVICE_MODULES = {
    "accounts_services": "accounts.services",
    "events_services": "events.services",
    "tickets_services": "tickets.services",
    "permissions_services": "permissions.services",
    "notifications_services": "notifications.services",
    "checks": "permissions.checks",
}


class Command(shell.Command):
    help = (
        "Runs a Python shell with every model, each app's services module (events_services, ...), "
        "and `su`, the first super admin (None if there is none)."
    )

    def get_namespace(self, **options):
        namespace = super().get_namespace(**options)
        if options.get("no_imports"):
            return namespace
        for name, path in SERVICE_MODULES.items():
            try:
                namespace[name] = import_module(path)
            except ImportError:  # an app without services yet
                continue
        from accounts.models import User

        namespace["su"] = User.objects.filter(is_super_admin=True, is_active=True).order_by("pk").first()
        if options.get("verbosity", 1) >= 1 and not options.get("command"):
            names = ", ".join(n for n in SERVICE_MODULES if n in namespace)
            self.stdout.write(f"Services: {names}. su = {namespace['su']}")
        return namespace
