"""Conditional requests for the API, from version counters (docs/architecture.md, "Conditional requests").

An ETag is a digest of what the answer is a function of:

- a list: its version (the event's counter for that kind, or an aggregate where there is
  no counter), who sees what (``visibility``), the query string, and the representation;
- an object: its id and its own ``version``, ``visibility`` and the representation.

``If-None-Match`` is answered 304 from those alone: the event row (where the counters
live) and the permission query are read anyway, the rows and their serialization are
skipped. ``If-Match`` on PUT, PATCH and DELETE is compared with the object's current tag,
with the row locked, and a stale tag answers 412 before anything is changed.

A list's tag is computed *before* its rows are read: were a change to land between
the two, the answer pairs newer rows with the older tag, which only costs the client a
full answer next time; the other order could pair an older list with the newer tag and
keep a client on stale data.
"""

import hashlib
from functools import cache

from django.db import transaction
from django.http import HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from rest_framework import exceptions, status
from rest_framework.response import Response

#: Change this when the meaning of tags changes (all clients refetch once).
ETAG_FORMAT = 1

WRITE_ACTIONS = frozenset({"update", "partial_update", "destroy"})


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since you read it: If-Match does not match its current ETag."
    default_code = "precondition_failed"


def make_etag(*parts):
    """A strong ETag (quoted) from any ``repr``-able parts."""
    digest = hashlib.blake2b(repr((ETAG_FORMAT, *parts)).encode(), digest_size=16).hexdigest()
    return f'"{digest}"'


@cache
def representation_key(serializer_class):
    """What the representation looks like: its fields and their kinds. A new release that
    adds, removes or changes a field gets new tags, so no client keeps an old shape."""
    fields = serializer_class().fields
    return (
        serializer_class.__module__,
        serializer_class.__qualname__,
        tuple((name, type(field).__name__, getattr(field, "source", None)) for name, field in fields.items()),
    )


def aggregate_version(queryset, **aggregates):
    """A list's version where no counter counts it: ``aggregates`` over all its rows, in
    one query however many there are (as a sorted tuple, for ``make_etag``)."""
    return tuple(sorted(queryset.order_by().aggregate(**aggregates).items()))


def header_tags(request, header):
    """The tags an ``If-None-Match`` / ``If-Match`` header lists (``["*"]`` for any)."""
    value = request.META.get(header)
    return parse_etags(value) if value else []


class PrivateAnswersMixin:
    """Every answer says ``Cache-Control: private, no-cache`` and ``Vary: Authorization,
    Cookie``: caches keep answers per user and revalidate them every time. A public
    answer (the view's ``public`` is true: the same for every client, ``core.api.public``)
    says ``public, no-cache`` instead."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(self, "public", False):
            response["Cache-Control"] = "public, no-cache"
        else:
            patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ("Authorization", "Cookie"))
        return response


class ConditionalRequestMixin(PrivateAnswersMixin):
    """ETags, ``304 Not Modified`` and ``412 Precondition Failed`` for a DRF viewset.

    A viewset provides:

    - ``list_version()``: what its list is a function of, besides the query string
      (``None``: no tag), read without reading the rows;
    - ``known_object_version()``: the requested object's version if it is known without a
      query for the row (else ``None``, and the row is read first);
    - ``object_version(obj)``: an object's version (default ``obj.version``);
    - ``visibility()``: tells apart users who may see different data (default ``""``).
    """

    def list_version(self):
        return None

    def known_object_version(self):
        return None

    def object_version(self, obj):
        return obj.version

    def visibility(self):
        return ""

    # --- tags -----------------------------------------------------------------------

    def representation(self):
        return (type(self).__module__, type(self).__qualname__, representation_key(self.get_serializer_class()))

    def query_key(self):
        return tuple(sorted((key, tuple(values)) for key, values in self.request.query_params.lists()))

    def list_etag(self):
        version = self.list_version()
        if version is None:
            return None
        return make_etag(self.representation(), "list", version, self.visibility(), self.query_key())

    def object_id(self):
        return int(self.kwargs[self.lookup_url_kwarg or self.lookup_field])

    def object_etag(self, object_id, version):
        return make_etag(self.representation(), "object", int(object_id), version, self.visibility())

    def etag_of(self, obj):
        return self.object_etag(obj.pk, self.object_version(obj))

    def client_has(self, etag):
        """Does ``If-None-Match`` name ``etag`` (weak comparison, as RFC 9110 says)?"""
        tags = header_tags(self.request, "HTTP_IF_NONE_MATCH")
        return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)

    def not_modified(self, etag):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response

    def check_if_match(self, obj):
        """412 unless ``If-Match`` (when sent) names the object's current tag (strong comparison)."""
        tags = header_tags(self.request, "HTTP_IF_MATCH")
        if tags and "*" not in tags and self.etag_of(obj) not in tags:
            raise PreconditionFailed()

    # --- reading ----------------------------------------------------------------------

    def list(self, request, *args, **kwargs):
        etag = self.list_etag()
        if etag is not None and self.client_has(etag):
            return self.not_modified(etag)
        response = super().list(request, *args, **kwargs)
        if etag is not None:
            response["ETag"] = etag
        return response

    def retrieve(self, request, *args, **kwargs):
        version = self.known_object_version()
        if version is not None:
            etag = self.object_etag(self.object_id(), version)
            if self.client_has(etag):
                return self.not_modified(etag)
        instance = self.get_object()
        etag = self.etag_of(instance)
        if self.client_has(etag):
            return self.not_modified(etag)
        return Response(self.get_serializer(instance).data, headers={"ETag": etag})

    # --- writing: If-Match ------------------------------------------------------------

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action in WRITE_ACTIONS and transaction.get_connection(queryset.db).in_atomic_block:
            # Locked from the If-Match comparison to the write: no one slips in between.
            queryset = queryset.select_for_update(of=("self",))
        return queryset

    def get_object(self):
        obj = super().get_object()
        if self.action in WRITE_ACTIONS:
            self.check_if_match(obj)
        return obj


class ConditionalWritesMixin(ConditionalRequestMixin):
    """For viewsets that also write: each write runs in one transaction, the row locked
    from the ``If-Match`` comparison to the save, and answers with the object's new tag
    (the one to send in the next ``If-Match``)."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            self.perform_create(serializer)
            data = serializer.data
        instance = serializer.instance
        return Response(data, status=status.HTTP_201_CREATED, headers={"ETag": self.etag_of(instance)})

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self.get_object()
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
            instance = serializer.instance
            instance.__dict__.pop("_prefetched_objects_cache", None)  # many-to-many as now stored
            data = serializer.data
        return Response(data, headers={"ETag": self.etag_of(instance)})

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
