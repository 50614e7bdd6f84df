"""One list of the event's resources (``permissions.resources.RESOURCES``, filled in by the
apps that own them): the checks, the models, the forms, the seeded matrix and the seed
migrations' frozen copies agree."""

import runpy
from importlib import import_module
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from events.forms import RESOURCE_FORMS
from events.models import DASHBOARD_RESOURCES, RESOURCE_MODELS, Event
from permissions import checks, resources
from permissions.apps import ensure_permission_matrix, seed_migrations
from permissions.models import Permission, Role, Service
from permissions.resources import OPERATIONS
from tests.permissions.utils import MATRIX_URL
from tickets.models import Ticket


def test_the_models_and_forms_derive_from_the_one_list():
    # The dashboard's generic pages serve the first five; the event and tickets have their own.
    assert tuple(resources.RESOURCES[: len(DASHBOARD_RESOURCES)]) == DASHBOARD_RESOURCES
    assert tuple(RESOURCE_MODELS) == DASHBOARD_RESOURCES
    assert tuple(RESOURCE_FORMS) == DASHBOARD_RESOURCES
    assert all(model.resource_name == name for name, model in RESOURCE_MODELS.items())
    assert all(form._meta.model is RESOURCE_MODELS[name] for name, form in RESOURCE_FORMS.items())


def test_permissions_names_no_resource_of_an_app_above_it():
    """The apps register their resources (``AppConfig.ready``), in the matrix's order:
    permissions' module, read on its own as it is before any app is ready, lists none;
    the event's five and the event itself (events), then tickets' and orders' follow."""
    alone = runpy.run_path(str(Path(resources.__file__)))
    assert alone["RESOURCES"] == []
    assert [*DASHBOARD_RESOURCES, Event.resource_name, Ticket.resource_name, "order"] == resources.RESOURCES
    assert Event.resource_name == resources.EVENT  # permissions' own word: the event a role is held in


def test_the_seed_migrations_frozen_copies_are_the_same_list():
    """A migration must not import app code that changes; their copies must not drift
    either: the seed migrations together name the resources, in order."""
    first = import_module("permissions.migrations.0002_seed_permission_matrix")
    names = [name for name, _ in first.SERVICES]
    for migration in seed_migrations()[1:]:
        names += [name for name, _ in migration.RESOURCES]
    assert tuple(names) == tuple(resources.RESOURCES)


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


# --- a resource an app above permissions registers ------------------------------------------


@pytest.fixture
def widget(db):
    """A resource registered as an app above permissions registers its own (orders:
    ``order``), with its matrix row as its seed migration would write it: the Organizer
    reads and creates widgets, the Moderator reads them, the others nothing."""
    resources.register_resource("widget", operations=("create", "read"))
    service = Service.objects.create(name="widget", title="Widgets")
    allowed = {Role.ORGANIZER: {"create", "read"}, Role.MODERATOR: {"read"}}
    Permission.objects.bulk_create(
        Permission(role=role, service=service, **{f"can_{op}": op in allowed.get(role.name, ()) for op in OPERATIONS})
        for role in Role.objects.all()
    )
    yield "widget"
    resources.RESOURCES.remove("widget")
    resources._OPERATIONS_OF.pop("widget")


def test_a_registered_resource_follows_the_others_in_the_matrix(widget):
    assert resources.RESOURCES[-1] == widget
    assert resources.RESOURCES.index("order") < resources.RESOURCES.index(widget)  # orders registered first
    assert resources.operations(widget) == ("create", "read")
    resources.register_resource(widget)  # again: nothing changes
    assert resources.RESOURCES.count(widget) == 1


def test_the_checks_answer_for_a_registered_resource(widget, event, organizer, user_with_role):
    moderator = user_with_role(event, Role.MODERATOR)
    coorganizer = user_with_role(event, Role.COORGANIZER)
    assert checks.may(organizer, event, widget, "create")
    assert checks.may(moderator, event, widget, "read")
    assert not checks.may(moderator, event, widget, "create")
    assert not checks.may(coorganizer, event, widget, "read")
    assert set(checks.users_who_may(event, widget, "read")) >= {organizer, moderator}
    assert coorganizer not in set(checks.users_who_may(event, widget, "read"))
    assert organizer.has_perm(f"eventdesk.{widget}.create", event)


def test_the_admin_grid_shows_a_registered_resource(widget, super_admin_client):
    response = super_admin_client.get(reverse(MATRIX_URL))
    form = response.context["form"]
    assert form.fields["organizer__widget__create"].initial
    assert form.fields["moderator__widget__read"].initial
    assert not form.fields["moderator__widget__create"].initial
    assert "organizer__widget__update" not in form.fields  # not one of its operations
    assert "Widgets" in response.content.decode()


def test_the_roles_page_shows_a_registered_resource(widget, event, organizer):
    client = Client()
    client.force_login(organizer)
    page = client.get(reverse("events:roles", args=[event.pk])).content.decode()
    assert 'data-rights="widget" data-operations="create read"' in page
    assert "<strong>Widgets</strong>" in page
