"""The API's error answers for database refusals: a ``Conflict`` a service raises is a
409 in JSON; any other ``IntegrityError`` is a server error (500), logged, not a 409."""

import logging

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from core.errors import Conflict


class UnexpectedIntegrityError(APIView):
    """A write whose constraint no service declared (a bug): the database refuses it."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request):
        Group.objects.create(name="twice")
        Group.objects.create(name="twice")
        return Response({})


class ExpectedConflict(APIView):
    """A service that knows a concurrent writer can come first says so with ``Conflict``."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request):
        raise Conflict("Someone else took this name at the same time.")


class ConflictThatValidates(Conflict, ValidationError):
    """A conflict that is also a ``ValidationError`` (as ``ConcurrentChange`` was)."""


class ExpectedConflictThatValidates(ExpectedConflict):
    def post(self, request):
        raise ConflictThatValidates("Someone else changed this at the same time.")


urlpatterns = [
    path("unexpected/", UnexpectedIntegrityError.as_view()),
    path("expected/", ExpectedConflict.as_view()),
    path("expected-validates/", ExpectedConflictThatValidates.as_view()),
]


@pytest.mark.urls(__name__)
def test_an_unexpected_integrity_error_is_a_500_and_logged(db, caplog):
    client = APIClient(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        answer = client.post("/unexpected/", {}, format="json")
    assert answer.status_code == 500
    logged = [record for record in caplog.records if record.name == "django.request" and record.exc_info]
    assert logged
    assert isinstance(logged[0].exc_info[1], IntegrityError)


@pytest.mark.urls(__name__)
def test_an_expected_conflict_is_a_409_in_json(db):
    answer = APIClient().post("/expected/", {}, format="json")
    assert answer.status_code == 409
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "Someone else took this name at the same time."}


@pytest.mark.urls(__name__)
def test_a_conflict_is_a_409_even_if_it_is_a_validation_error_too(db):
    """One mapping: a ``Conflict`` is checked first, so no subclass of it is ever a 400."""
    answer = APIClient().post("/expected-validates/", {}, format="json")
    assert answer.status_code == 409
    assert answer.json() == {"detail": "Someone else changed this at the same time."}


def test_a_conflict_without_a_message_says_to_reload():
    assert "reload" in str(Conflict())
