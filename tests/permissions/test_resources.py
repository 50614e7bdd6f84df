"""One list of the event's resources (``permissions.resources.RESOURCES``): the checks,
the models, the forms, the seeded matrix and the seed migration's frozen copy agree."""

from importlib import import_module

from events.forms import RESOURCE_FORMS
from events.models import RESOURCE_MODELS
from permissions import checks, resources
from permissions.models import Service


def test_the_checks_models_and_forms_derive_from_the_one_list():
    assert checks.RESOURCES is resources.RESOURCES
    assert tuple(RESOURCE_MODELS) == resources.RESOURCES
    assert tuple(RESOURCE_FORMS) == resources.RESOURCES
    assert all(model.resource_name == name for name, model in RESOURCE_MODELS.items())
    assert all(form._meta.model is RESOURCE_MODELS[name] for name, form in RESOURCE_FORMS.items())


def test_the_seed_migrations_frozen_copy_is_the_same_list():
    """A migration must not import app code that changes; its copy must not drift either."""
    seed = import_module("permissions.migrations.0002_seed_permission_matrix")
    assert tuple(name for name, _ in seed.SERVICES) == resources.RESOURCES


def test_the_matrix_rows_name_the_resources(db):
    assert set(Service.objects.values_list("name", flat=True)) == set(resources.RESOURCES)
