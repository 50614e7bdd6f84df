"""Track, room and sponsor names are unique within their event ignoring case, as ticket
names are: on the dashboard's forms, in the API and in the admin, backed by the
database (events.models.name_unique_in_event, migration 0007)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from core.errors import Conflict
from events import services
from events.models import EventOwned, Microlocation, Sponsor, Track

pytestmark = pytest.mark.django_db

EXTRA = {"track": {"color": "#112233"}}
MODELS = [("track", Track, "a track"), ("microlocation", Microlocation, "a room"), ("sponsor", Sponsor, "a sponsor")]


@pytest.mark.parametrize(("resource", "model", "noun"), MODELS)
def test_the_dashboard_form_refuses_a_name_differing_only_in_case(client, organizer, event, resource, model, noun):
    model.objects.create(event=event, name="Main Stage")
    client.force_login(organizer)
    response = client.post(
        reverse(f"events:{resource}-create", args=[event.pk]), {"name": "main STAGE", **EXTRA.get(resource, {})}
    )
    assert response.status_code in (200, 400)
    form = response.context["form"]
    assert form.errors["name"] == [f"This event already has {noun} with this name (names ignore case)."]
    assert model.objects.count() == 1
    html = response.content.decode()
    assert 'id="id_name_error"' in html
    assert "is-invalid" in html


@pytest.mark.parametrize(("resource", "model", "noun"), MODELS)
def test_renaming_to_its_own_name_in_another_case_is_fine(client, organizer, event, resource, model, noun):
    obj = model.objects.create(event=event, name="Main Stage")
    client.force_login(organizer)
    response = client.post(
        reverse(f"events:{resource}-update", args=[event.pk, obj.pk]),
        {"name": "MAIN stage", **EXTRA.get(resource, {})},
    )
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.name == "MAIN stage"


@pytest.mark.parametrize(("resource", "model", "noun"), MODELS)
def test_the_same_name_in_another_event_is_fine(event, make_event, organizer, resource, model, noun):
    model.objects.create(event=make_event(organizer, name="Other"), name="Main Stage")
    services.save_resource(model(event=event, name="main stage"))
    assert model.objects.filter(event=event).count() == 1


@pytest.mark.parametrize(("resource", "model", "noun"), MODELS)
def test_the_api_answers_400_on_the_name(as_organizer, event, resource, model, noun):
    model.objects.create(event=event, name="Main Stage")
    answer = as_organizer.post(reverse(f"api:{resource}-list", args=[event.pk]), {"name": "MAIN STAGE"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["name"] == [f"This event already has {noun} with this name (names ignore case)."]
    assert model.objects.count() == 1


@pytest.mark.parametrize(("resource", "model", "noun"), MODELS)
def test_the_admin_refuses_it_on_the_name(client, super_admin, event, resource, model, noun):
    model.objects.create(event=event, name="Main Stage")
    client.force_login(super_admin)
    response = client.post(
        reverse(f"admin:events_{resource}_add"), {"event": event.pk, "name": "main stage", **EXTRA.get(resource, {})}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [
        f"This event already has {noun} with this name (names ignore case)."
    ]
    assert model.objects.count() == 1


@pytest.mark.parametrize(("resource", "model", "noun"), MODELS)
def test_the_database_backs_the_rule_up(event, resource, model, noun):
    model.objects.create(event=event, name="Main Stage")
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(event=event, name="MAIN STAGE")


def test_a_name_taken_meanwhile_is_a_conflict(event, monkeypatch):
    """Checked, then taken by a concurrent writer before the insert: a Conflict (409), nothing saved."""
    Track.objects.create(event=event, name="Web")
    checks = []

    def first_check_misses_it(self, exclude=None):
        checks.append(1)
        if len(checks) > 1:  # the check after the database refused
            EventOwned.validate_constraints(self, exclude=exclude)

    monkeypatch.setattr(Track, "validate_constraints", first_check_misses_it)
    with pytest.raises(Conflict, match="already has a track"):
        services.save_resource(Track(event=event, name="WEB"))
    assert list(Track.objects.values_list("name", flat=True)) == ["Web"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_tells_clashing_names_apart_first():
    executor = MigrationExecutor(connection)
    before, after = (
        [("events", "0006_speaker_account_and_session_invites")],
        [("events", "0007_names_unique_ignoring_case")],
    )
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    event = apps.get_model("events", "Event").objects.create(name="Old", slug="old")
    other = apps.get_model("events", "Event").objects.create(name="Other", slug="other")
    track = apps.get_model("events", "Track")
    for name in ["Web", "WEB", "web", "Web (2)"]:
        track.objects.create(event=event, name=name)
    track.objects.create(event=other, name="web")
    room = apps.get_model("events", "Microlocation")
    room.objects.create(event=event, name="Hall")
    room.objects.create(event=event, name="hall")

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    names = apps.get_model("events", "Track").objects.filter(event_id=event.pk).order_by("id")
    assert list(names.values_list("name", flat=True)) == ["Web", "WEB (3)", "web (4)", "Web (2)"]
    assert apps.get_model("events", "Track").objects.get(event_id=other.pk).name == "web"
    rooms = apps.get_model("events", "Microlocation").objects.order_by("id")
    assert list(rooms.values_list("name", flat=True)) == ["Hall", "hall (2)"]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
