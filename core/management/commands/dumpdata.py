"""Django's ``dumpdata`` across events: every per-event model's manager is scoped
(django-scopes, ``core.request_scope``), and an operator's dump is of every event's rows,
so it runs with scopes disabled (its related managers too: a session's speakers)."""

from django.core.management.commands import dumpdata
from django_scopes import scopes_disabled


class Command(dumpdata.Command):
    def handle(self, *app_labels, **options):
        with scopes_disabled():
            return super().handle(*app_labels, **options)
