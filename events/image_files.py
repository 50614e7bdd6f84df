"""Image files that follow their rows: a file replaced or left by a deleted row is
deleted once the transaction has committed (rolled back, the row still points at it),
unless another row points at it too (a copy made in the admin, say). The hooks are in
``events.signals``; the banner's replacement in ``events.services``."""

import logging

from django.db import transaction
from django_scopes import scopes_disabled

from events.models import Event, Speaker, Sponsor

logger = logging.getLogger(__name__)

#: The image field of each model that has one.
IMAGE_FIELDS = {Event: "background_image", Speaker: "photo", Sponsor: "logo"}


def delete_after_commit(model, name):
    """Delete the stored file ``name`` of ``model``'s image field after the commit, if unused."""
    transaction.on_commit(lambda: _delete_unused(model, name))


def _delete_unused(model, name):
    field = IMAGE_FIELDS[model]
    with scopes_disabled():  # which event's row points at it does not matter
        if model.objects.filter(**{field: name}).exists():
            return
    try:
        model._meta.get_field(field).storage.delete(name)
    except Exception:  # a disk or an object store out of reach (botocore's errors are no OSError)
        # The change has committed and stands; the file stays behind, an orphan.
        logger.warning("Could not delete the image file %s", name, exc_info=True)
