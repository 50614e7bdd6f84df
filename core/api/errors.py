"""Project-wide plumbing of the JSON API (named in ``REST_FRAMEWORK``): pagination, the
exception handler and the schema's error responses.

The API itself lives in each app's ``api.py``; its URLs in ``config/api_urls.py``.
"""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, pagination, parsers, status

#: Largest page a client may ask for (a whole schedule in one answer).
MAX_PAGE_SIZE = 500

#: Deepest nesting of a JSON body (our bodies nest two deep: an object holding a list).
MAX_JSON_DEPTH = 20


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing (400) a body nested deeper than ``MAX_JSON_DEPTH``.

    Python's decoder recurses once per level: a few KB of ``[`` exhaust its stack
    (``RecursionError``, which DRF would let through as a 500).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            too_deep = nesting_exceeds(data, MAX_JSON_DEPTH)
        except RecursionError:
            too_deep = True
        if too_deep:
            raise exceptions.ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
        return data


def nesting_exceeds(data, limit):
    """Whether lists and objects in ``data`` nest deeper than ``limit`` (without recursing)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        pending.extend((item, depth + 1) for item in value)
    return False


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (up to 500) on every list."""

    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = f"How many results per page (default 50, at most {MAX_PAGE_SIZE})."
    max_page_size = MAX_PAGE_SIZE


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


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
    is a 413, and a write that a database constraint refused at the last moment (a
    concurrent writer) is a 409: JSON answers, never an HTML 400 or a 500."""
    if isinstance(exc, RequestDataTooBig):  # over DATA_UPLOAD_MAX_MEMORY_SIZE, checked before reading
        exc = RequestTooLarge()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, IntegrityError):
        exc = exceptions.APIException("The change conflicts with stored data; reload and try again.")
        exc.status_code = status.HTTP_409_CONFLICT
    # Imported here: rest_framework.views reads these settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)


# --- the schema's error answers ---------------------------------------------------------

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_VALIDATION = {
    "type": "object",
    "description": "Field name (or `non_field_errors`) → list of messages; or `detail` for a body that is not JSON.",
    "additionalProperties": {},
}
_ERRORS = {
    "400": ("The request is invalid (field → messages).", "ValidationError"),
    "401": ("Not logged in (no or an invalid token).", "Error"),
    "403": ("The user may not do this.", "Error"),
    "404": ("No such object (or not visible to this user).", "Error"),
    "406": ("Not acceptable.", "Error"),
    "409": ("A concurrent change conflicts with this one.", "Error"),
    "412": ("`If-Match` does not match the current ETag: the object changed.", "Error"),
    "413": ("The request body is too large.", "Error"),
    "415": ("The body is not JSON.", "Error"),
    "429": ("Too many log-in attempts from this address; `Retry-After` says when to retry.", "Error"),
}
_NOT_MODIFIED = {"description": "Not modified: the `If-None-Match` tag is current (no body)."}
_ERRORS_BY_METHOD = {
    "get": ("400", "401", "403", "404", "406"),
    "post": ("400", "401", "403", "404", "406", "409", "413", "415"),
    "put": ("400", "401", "403", "404", "406", "409", "412", "413", "415"),
    "patch": ("400", "401", "403", "404", "406", "409", "412", "413", "415"),
    "delete": ("400", "401", "403", "404", "406", "409", "412"),
}
_ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "The answer's version (quoted)."}}
_IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "schema": {"type": "string"},
    "description": "ETags of copies the client holds: answered 304 (no body) when one is current.",
}
_IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "schema": {"type": "string"},
    "description": "The ETag the change is based on: answered 412 (nothing changed) when it is stale.",
}


def _error_response(code):
    description, schema_name = _ERRORS[code]
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
    }


def _tag(path):
    """Group operations by what they are about: the last collection named in the path."""
    names = [part for part in path.split("/") if part and not part.startswith("{")][2:]
    names = [name for name in names if name not in ("versions", "mark-read", "mark-all-read")]
    return names[-1] if names else "api"


def add_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: document the error answers of every
    operation, the ETag of every read and the conditional headers, so that clients (and
    schemathesis) know them."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", _DETAIL)
    schemas.setdefault("ValidationError", _VALIDATION)
    for path, path_item in result.get("paths", {}).items():
        conditional = path.startswith(("/api/v1/events/", "/api/v1/notifications/"))
        tag = _tag(path)
        for method, operation in path_item.items():
            if method not in _ERRORS_BY_METHOD:
                continue
            operation["tags"] = [tag]
            responses = operation.setdefault("responses", {})
            for code in _ERRORS_BY_METHOD[method]:
                responses.setdefault(code, _error_response(code))
            if not conditional or "/mark-" in path:
                continue
            parameters = operation.setdefault("parameters", [])
            if method == "get":
                parameters.append(_IF_NONE_MATCH)
                responses.setdefault("304", _NOT_MODIFIED)
                responses.get("200", {}).setdefault("headers", _ETAG_HEADER)
            elif method in ("put", "patch", "delete"):
                parameters.append(_IF_MATCH)
            if method in ("post", "put", "patch"):
                for code in ("200", "201"):
                    if code in responses:
                        responses[code].setdefault("headers", _ETAG_HEADER)
    # Logging in is limited per client address (accounts.throttling).
    token_post = result.get("paths", {}).get("/api/v1/auth/token/", {}).get("post")
    if token_post is not None:
        token_post["responses"].setdefault("429", _error_response("429"))
    return result
