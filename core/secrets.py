"""Which stored fields are secrets, and whether a lookup path reaches one.

A secret is a value whose owner alone may know it, or that opens something: password
hashes, API token digests, session keys and data, invitation and order secrets, one-time
keys. It is known by its field's name, as the activity log knows what never to store
(any model: a new secret field is covered by being named for what it is), plus those named
otherwise: a model lists them in a ``secret_fields`` attribute (a notification's link,
which may carry an invitation's signed token), Django's session data and queued tasks' arguments
(``EXTRA_SECRET_FIELDS``). Relations are judged by what they compare:
``user=5`` compares the user's primary key, ``auth_token=<value>`` the related token's.

A lookup path is Django's: ``a__b__c__startswith``, through forward and reverse
relations; ``-a__b`` for ordering; ``^a``, ``=a``, ``@a`` for search fields.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP

#: A concrete field whose name contains one of these holds a secret.
SECRET_WORDS = ("password", "token", "key", "secret", "digest")
#: ``(app_label.ModelName, field name)`` of secrets whose name does not say so.
#: A queued task's arguments and result carry what the task sends: an e-mail's body holds
#: invitation and order links, with their secrets (``core.tasks``).
EXTRA_SECRET_FIELDS = {
    ("sessions.Session", "session_data"),
    ("django_tasks_database.DBTaskResult", "args_kwargs"),
    ("django_tasks_database.DBTaskResult", "return_value"),
}


def is_secret_field(model, field):
    """Whether ``field`` of ``model`` holds a secret (relations never do themselves: what
    they point at may)."""
    if field.is_relation or not getattr(field, "concrete", False):
        return False
    name = field.name.lower()
    if any(word in name for word in SECRET_WORDS):
        return True
    if field.name in getattr(model, "secret_fields", ()):
        return True
    return (model._meta.label, field.name) in EXTRA_SECRET_FIELDS


def _compared_field(field):
    """The field a lookup that ends on the relation ``field`` compares (``user=5``: the
    user's key; ``auth_token=<value>``: the token's primary key)."""
    target = getattr(field, "target_field", None) if field.concrete else None
    if target is not None:
        return target.model, target
    related = field.related_model
    return related, related._meta.pk


def reaches_secret(model, path):
    """Whether the lookup, ordering or search ``path`` from ``model`` reads a secret
    field anywhere along it: on the way (``user__password__startswith``), at its end, or
    through a relation it ends on (``auth_token__startswith``)."""
    if not isinstance(path, str):
        return False
    path = path.lstrip("-^=@?")
    current = model
    for part in path.split(LOOKUP_SEP):
        try:
            field = current._meta.pk if part == "pk" else current._meta.get_field(part)
        except FieldDoesNotExist:
            # A lookup (startswith) or transform (year) ends the fields; a relation ended
            # on compares its target.
            return False
        if is_secret_field(current, field):
            return True
        if not field.is_relation:
            return False  # the rest are lookups and transforms of this field
        if field.related_model is None:
            return False  # a generic foreign key: no lookups through it
        compared_model, compared = _compared_field(field)
        if is_secret_field(compared_model, compared):
            return True  # ``<relation>=…`` or ``<relation>__startswith=…`` compares it
        current = field.related_model
    return False
