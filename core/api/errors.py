"""The API's error answers (named in ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``): JSON 4xx,
never an HTML page; and what a database refusal becomes.

A write refused by a constraint is a 409 only when the service that made it expected the
refusal (a concurrent writer took the name first, say) and said so by raising
``core.errors.Conflict``. Any other ``IntegrityError`` is a bug: it is not converted, so
it answers 500 and is logged (``django.request``), like any other server error.
"""

from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status

from core import unavailable
from core.errors import Conflict


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class ServiceUnavailable(exceptions.APIException):
    """No database connection to be had, or a cache a limit needs is down
    (``core.unavailable``): 503, with ``Retry-After``."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = unavailable.MESSAGE
    default_code = "unavailable"
    wait = unavailable.RETRY_AFTER


class ConflictError(exceptions.APIException):
    """``core.errors.Conflict`` as an API answer."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = Conflict.default_message
    default_code = "conflict"


@csrf_exempt  # whatever the method: nothing here to protect, and the answer stays JSON
def not_found(request, *args, **kwargs):
    """The API's answer to a URL it does not have: JSON, like its other errors."""
    return JsonResponse({"detail": "Not found."}, status=404)


def validation_detail(error):
    """A Django ``ValidationError`` as DRF's field → messages mapping."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def exception_handler(exc, context):
    """DRF's handler, plus: a model's ``ValidationError`` is a 400 with field → messages
    (services validate with the model's rules), a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
    is a 413, and a ``Conflict`` (a write a service knows a concurrent writer can make
    the database refuse) is a 409: JSON answers, never an HTML 400. A database that cannot
    be connected to, or a cache that a limit needs and cannot reach, is a 503 with
    ``Retry-After`` (``core.unavailable``). Anything else DRF does not know, an unexpected
    ``IntegrityError`` or another ``OperationalError`` included, stays a 500 (and is
    logged)."""
    if isinstance(exc, RequestDataTooBig):  # over DATA_UPLOAD_MAX_MEMORY_SIZE, checked before reading
        exc = RequestTooLarge()
    elif isinstance(exc, Conflict):  # THE API's mapping of a conflict (first: never a 400)
        exc = ConflictError(exc.message, exc.code)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, DisallowedHost):  # a link to e-mail would name a host not ours (core.links)
        exc = exceptions.ParseError("This request's host cannot be used in e-mailed links.")
    elif unavailable.is_unavailable(exc):  # no database connection, or a required cache down
        exc = ServiceUnavailable()
    # Imported here: rest_framework.views reads these settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if isinstance(exc, ServiceUnavailable):
        unavailable.quiet(response)
    return response
