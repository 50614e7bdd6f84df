"""Property-based run of the whole API against its own OpenAPI schema (schemathesis).

Every operation of ``/api/v1/schema/`` gets generated requests, valid and invalid, sent
in-process to the WSGI application on the test database, as the organizer of a seeded
event (most generated ``event_id``/``id`` values are pointed at real objects, so the
requests reach past the 404). No answer may be a 5xx, and every answer must match the
schema: status code, content type, headers and body.
"""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tokens import issue_token
from config.wsgi import application
from notifications.services import notify

#: Generated requests per operation and mode (valid / invalid data): bounded, for CI
#: (each is a request through the whole stack; the draws are derandomized, so every run
#: sends the same ones).
EXAMPLES = 5

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@contextmanager
def connection_kept():
    """While the WSGI app is called directly: like Django's test client, it must not close
    the database connection (and with it the test's transaction) after each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def in_process_app():
    """The WSGI app, called directly (``connection_kept``)."""
    with connection_kept():
        yield application


@pytest.fixture(scope="module")
def api_schema(django_db_setup, django_db_blocker):
    """The schema, as the app serves it: fetched once for the module's tests."""
    with django_db_blocker.unblock(), connection_kept():
        return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@pytest.fixture
def seeded(event, schedule, organizer):
    """The event, one of each thing in it, a notification, and the organizer's token."""
    notification = notify(organizer, "Announcement", "Hello", "<p>Hi</p>")
    ids = {
        "tracks": schedule.track.pk,
        "sessions": schedule.session.pk,
        "speakers": schedule.speaker.pk,
        "sponsors": schedule.sponsor.pk,
        "microlocations": schedule.microlocation.pk,
        "tickets": schedule.ticket.pk,
        "notifications": notification.pk,
    }
    _, key = issue_token(organizer)
    return event, ids, {"Authorization": f"Token {key}"}


def point_at_seeded(case, event, ids):
    """Most generated ids become the seeded objects' (the rest stay, for the 404s)."""
    parameters = case.path_parameters or {}
    if isinstance(parameters.get("event_id"), int) and parameters["event_id"] % 5:
        parameters["event_id"] = event.pk
    if isinstance(parameters.get("id"), int) and parameters["id"] % 3:
        collection = [part for part in case.path.split("/") if part and not part.startswith("{")][-1]
        if collection in ("mark-read",):
            collection = "notifications"
        parameters["id"] = ids.get(collection, parameters["id"])


#: The operations are split in this many shards per mode (tests of a file share a worker under
#: `--dist loadfile`; the shards keep each test and its report shorter).
SHARDS = 2


@pytest.mark.parametrize("shard", range(SHARDS))
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda mode: mode.value)
def test_the_api_keeps_its_schema(in_process_app, api_schema, seeded, mode, shard):
    event, ids, headers = seeded
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations[shard::SHARDS]:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            point_at_seeded(case, event, ids)
            # Each request meets the seeded data as it was (a DELETE of the event or of
            # the token must not leave the following requests a 404 or 401 to test).
            with transaction.atomic():
                case.call_and_validate(headers=headers, checks=CHECKS)
                transaction.set_rollback(True)

        try:
            run()
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE  # nothing to break in a request without parameters
        except (Exception, BaseExceptionGroup) as error:  # collected: one run reports every operation
            failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)
