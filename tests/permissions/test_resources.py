"""One list of the event's resources (``permissions.resources.RESOURCES``): the checks,
the models, the forms, the seeded matrix and the seed migration's frozen copy agree."""

from importlib import import_module

from events.forms import RESOURCE_FORMS
from events.models import RESOURCE_MODELS
from permissions import checks, resources
from permissions.apps import ensure_permission_matrix, seed_migrations
from permissions.models import Permission, Service
from tickets.models import Ticket


def test_the_checks_models_and_forms_derive_from_the_one_list():
    assert checks.RESOURCES is resources.RESOURCES
    # The dashboard's generic pages serve the first five; the event and tickets have their own.
    assert resources.RESOURCES[: len(resources.DASHBOARD_RESOURCES)] == resources.DASHBOARD_RESOURCES
    assert {resources.EVENT, resources.TICKET} <= set(resources.RESOURCES)
    assert tuple(RESOURCE_MODELS) == resources.DASHBOARD_RESOURCES
    assert tuple(RESOURCE_FORMS) == resources.DASHBOARD_RESOURCES
    assert Ticket.resource_name == resources.TICKET
    assert all(model.resource_name == name for name, model in RESOURCE_MODELS.items())
    assert all(form._meta.model is RESOURCE_MODELS[name] for name, form in RESOURCE_FORMS.items())


def test_the_seed_migrations_frozen_copies_are_the_same_list():
    """A migration must not import app code that changes; their copies must not drift
    either: the seed migrations together name the resources, in order."""
    first = import_module("permissions.migrations.0002_seed_permission_matrix")
    names = [name for name, _ in first.SERVICES]
    for migration in seed_migrations()[1:]:
        names += [name for name, _ in migration.RESOURCES]
    assert tuple(names) == resources.RESOURCES


def test_the_post_migrate_hook_restores_every_resources_rows(db):
    """``flush`` and ``migrate`` run every seed migration's ``seed``: missing rows of the
    newer resources come back with their defaults; existing cells stay as they are."""
    Permission.objects.filter(service__name="ticket").delete()
    Service.objects.filter(name="event").delete()
    Permission.objects.filter(role__name="moderator", service__name="track").update(can_update=True)
    ensure_permission_matrix(sender=None)
    assert set(Service.objects.values_list("name", flat=True)) == set(resources.RESOURCES)
    assert Permission.objects.count() == 4 * len(resources.RESOURCES)
    organizer_ticket = Permission.objects.get(role__name="organizer", service__name="ticket")
    assert (organizer_ticket.can_create, organizer_ticket.can_delete) == (True, True)
    moderator_event = Permission.objects.get(role__name="moderator", service__name="event")
    assert (moderator_event.can_read, moderator_event.can_update) == (True, False)
    assert Permission.objects.get(role__name="moderator", service__name="track").can_update


def test_the_matrix_rows_name_the_resources(db):
    assert set(Service.objects.values_list("name", flat=True)) == set(resources.RESOURCES)
