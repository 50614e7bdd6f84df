"""Django's ``loaddata`` across events (see ``dumpdata``): a fixture holds any event's
rows, and what saving them reads (the rows they replace) is read with scopes disabled."""

from django.core.management.commands import loaddata
from django_scopes import scopes_disabled


class Command(loaddata.Command):
    def handle(self, *fixture_labels, **options):
        with scopes_disabled():
            return super().handle(*fixture_labels, **options)
