"""Operators' commands run outside any request, in production's scopes (django-scopes on,
no event: ``core.request_scope``), and work across events: Django's own ``dumpdata`` and
``loaddata`` too (``core.management.commands``), whose querysets and related managers
(a session's speakers) are those of scoped models."""

import io
import json

import pytest
from django.core.management import call_command
from django_scopes import scope

from events.models import Session, Speaker
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_programmes(make_event, organizer, make_user):
    programmes = []
    for owner, name in ((organizer, "Mine"), (make_user("other@example.com"), "Theirs")):
        event = make_event(owner, name=name)
        session = SessionFactory(event=event, title=f"{name} keynote")
        session.speakers.add(Speaker.objects.create(event=event, name=f"{name} speaker"))
        programmes.append(session)
    return programmes


def test_dumpdata_dumps_every_events_rows(two_programmes):
    out = io.StringIO()
    with scope():  # as `manage.py` starts: scopes enabled, no event
        call_command("dumpdata", "events.session", "events.speaker", stdout=out)
    rows = json.loads(out.getvalue())
    sessions = {row["fields"]["title"]: row["fields"]["speakers"] for row in rows if row["model"] == "events.session"}
    assert set(sessions) == {"Mine keynote", "Theirs keynote"}
    assert all(len(speakers) == 1 for speakers in sessions.values())


def test_loaddata_loads_a_dump_of_several_events(two_programmes, tmp_path):
    fixture = tmp_path / "programmes.json"
    with scope():
        call_command("dumpdata", "events.session", "events.speaker", output=str(fixture), stdout=io.StringIO())
    Session.objects.update(title="changed")  # the test's own scope: disabled
    with scope():
        call_command("loaddata", str(fixture), stdout=io.StringIO())
    assert sorted(Session.objects.values_list("title", flat=True)) == ["Mine keynote", "Theirs keynote"]
