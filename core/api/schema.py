"""The OpenAPI schema's shared parts (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`` and a
drf-spectacular post-processing hook): the error answers of every operation, and the
conditional-request headers of the views that honour them.

What a view adds is read from the view, never from its path: conditional headers for
views using ``ConditionalRequestMixin``; anything else (the token view's 429, say) the
view declares itself with ``extend_schema(responses={...: error_response(...)})``.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from core.api.etags import WRITE_ACTIONS, ConditionalRequestMixin, ConditionalWritesMixin

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
#: The answers any operation may give, by method (a view adds its own with extend_schema).
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
}
_ERRORS_BY_METHOD = {
    "get": ("400", "401", "403", "404", "406"),
    "post": ("400", "401", "403", "404", "406", "409", "413", "415"),
    "put": ("400", "401", "403", "404", "406", "409", "412", "413", "415"),
    "patch": ("400", "401", "403", "404", "406", "409", "412", "413", "415"),
    "delete": ("400", "401", "403", "404", "406", "409", "412"),
}
_NOT_MODIFIED = {"description": "Not modified: the `If-None-Match` tag is current (no body)."}
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
_READ_ACTIONS = frozenset({"list", "retrieve"})
_ETAGGED_WRITES = frozenset({"create", "update", "partial_update"})


def _ref(schema_name):
    return {"$ref": f"#/components/schemas/{schema_name}"}


def error_response(description):
    """An error answer (``{"detail": ...}``) for ``extend_schema(responses={code: ...})``."""
    return OpenApiResponse(response=_ref("Error"), description=description)


def _error_response(code):
    description, schema_name = _ERRORS[code]
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


def _tag(path):
    """Group operations by what they are about: the last collection named in the path."""
    names = [part for part in path.split("/") if part and not part.startswith("{")][2:]
    names = [name for name in names if name not in ("versions", "mark-read", "mark-all-read")]
    return names[-1] if names else "api"


class ErrorDocumentingAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, documenting for every operation the error answers
    of its method, and for views using ``ConditionalRequestMixin`` the ETag of their
    answers, ``If-None-Match`` → 304 on reads and ``If-Match`` on writes, so that
    clients (and schemathesis) know them."""

    def get_tags(self):
        return [_tag(self.path)]

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        method = method.lower()
        responses = operation.setdefault("responses", {})
        for code in _ERRORS_BY_METHOD.get(method, ()):
            responses.setdefault(code, _error_response(code))
        self._add_conditional(operation, method)
        return operation

    def _add_conditional(self, operation, method):
        """What ``ConditionalRequestMixin`` does for the view's own actions (not for
        extra ``@action`` endpoints, which answer as they document)."""
        if not isinstance(self.view, ConditionalRequestMixin):
            return
        action = getattr(self.view, "action", None)
        responses = operation["responses"]
        if action in _READ_ACTIONS and method == "get":
            operation.setdefault("parameters", []).append(_IF_NONE_MATCH)
            responses.setdefault("304", _NOT_MODIFIED)
            responses.get("200", {}).setdefault("headers", _ETAG_HEADER)
        if action in WRITE_ACTIONS:
            operation.setdefault("parameters", []).append(_IF_MATCH)
        if action in _ETAGGED_WRITES and isinstance(self.view, ConditionalWritesMixin):
            for code in ("200", "201"):
                if code in responses:
                    responses[code].setdefault("headers", _ETAG_HEADER)


def add_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: the two schemas the error answers refer to."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", _DETAIL)
    schemas.setdefault("ValidationError", _VALIDATION)
    return result
