"""The seed's permission methods on the user (``user.can_create(service, event)``, ...,
``user.is_organizer(event)``, ...), as the original system's shell and decorators call
them: Django's ``has_perm(perm, event)``, answered by ``permissions.backends`` from
``checks.may`` and ``checks.has_role`` (``accounts`` imports nothing of ``permissions``)."""

import ast
import inspect

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

import accounts.models
from events.models import RESOURCE_MODELS, Event, Track
from permissions import checks, resources
from permissions.backends import EVENT_PERMS, EventPermissionBackend, role_perm
from permissions.models import Permission, Role
from tests.permissions.utils import current_flags, inverted
from tests.utils import PASSWORD
from tickets.models import Ticket

KINDS = ["organizer", "coorganizer", "track_organizer", "moderator", "no_role", "admin", "super_admin"]
ROLES = [Role.ORGANIZER, Role.COORGANIZER, Role.TRACK_ORGANIZER, Role.MODERATOR]
METHODS = {op: f"can_{op}" for op in resources.OPERATIONS}


def answers(person, event):
    """What the user's methods say, beside what the one check says, for every cell and role."""
    methods, check = {}, {}
    for resource in resources.RESOURCES:
        for op, method in METHODS.items():
            methods[resource, op] = getattr(person, method)(resource, event)
            check[resource, op] = checks.may(person, event, resource, op)
    for role in ROLES:
        methods[role] = getattr(person, f"is_{role}")(event)
        check[role] = checks.has_role(person, event, role)
    methods["any role"], check["any role"] = person.has_role(event), checks.has_role(person, event)
    return methods, check


@pytest.mark.django_db
class TestTheSeedsMethods:
    @pytest.mark.parametrize("who", KINDS)
    def test_they_answer_what_the_one_check_answers(self, event, person_as, who):
        person = person_as(who)
        methods, check = answers(person, event)
        assert methods == check
        assert any(check.values()) == (who != "no_role")

    @pytest.mark.parametrize("who", KINDS)
    def test_and_after_a_matrix_edit(self, event, person_as, who):
        person = person_as(who)
        before = answers(person, event)[0]
        for (role, resource), ops in inverted(current_flags()).items():
            Permission.objects.filter(role__name=role, service__name=resource).update(
                **{f"can_{op}": op in ops for op in resources.OPERATIONS}
            )
        checks.forget(person)  # the next request's user object
        methods, check = answers(person, event)
        assert methods == check
        if who in ("organizer", "coorganizer", "track_organizer", "moderator"):
            assert methods != before

    def test_the_methods_of_each_role(self, event, organizer, user_with_role):
        moderator = user_with_role(event, "moderator")
        assert organizer.is_organizer(event)
        assert not organizer.is_moderator(event)
        assert moderator.is_moderator(event)
        assert not moderator.is_coorganizer(event)
        assert not moderator.is_track_organizer(event)
        assert organizer.can_delete("track", event)
        assert organizer.can_create("session", event.pk)
        assert moderator.can_read("track", event)
        assert not moderator.can_update("track", event)
        assert not moderator.can_read("session", event)

    def test_the_super_admin_follows_the_check_not_djangos_superuser_rule(self, event, super_admin):
        """Django answers every permission of an active superuser True; the event's are the
        check's, which has no "create" on the event itself and knows no role of theirs."""
        assert super_admin.can_delete("sponsor", event)
        assert not super_admin.can_create("event", event)
        assert not super_admin.is_organizer(event)
        with pytest.raises(ValueError, match="Unknown resource"):
            super_admin.can_read("badge", event)
        assert super_admin.has_perm("events.change_track")  # Django's own permissions: as before

    def test_an_admin_reads_and_changes_nothing(self, event, admin_user):
        assert all(admin_user.can_read(resource, event) for resource in resources.RESOURCES)
        assert not any(admin_user.can_update(resource, event) for resource in resources.RESOURCES)
        assert admin_user.has_perm("events.view_track")  # Django's own permissions: as before

    def test_a_resource_as_model_class_or_object_and_the_event_as_id(self, event, user_with_role):
        person = user_with_role(event, "track_organizer")
        track = Track.objects.create(event=event, name="Web")
        assert person.can_update(Track, event)
        assert person.can_update(track, str(event.pk))
        assert not person.can_delete(Track, event.pk)

    def test_an_object_of_the_event_stands_for_its_event_never_for_an_id(self, make_event, organizer, make_user):
        """``has_perm(perm, obj)`` as Django's object permissions are asked: the object is
        the track itself. It is asked in the track's event, not in the event whose id
        happens to be the track's."""
        mine = make_event(organizer, name="Mine")
        theirs = make_event(make_user(), name="Theirs")
        their_track = Track.objects.create(pk=mine.pk, event=theirs, name="Theirs")
        assert organizer.can_update("track", mine)
        assert not organizer.can_update("track", their_track)
        assert not organizer.has_perm("eventdesk.track.delete", their_track)
        assert not organizer.is_organizer(their_track)
        my_track = Track.objects.create(event=mine, name="Mine")
        assert organizer.has_perm("eventdesk.track.delete", my_track)
        assert organizer.can_delete(my_track, my_track)
        for garbage in (True, "abc", 1.5, object(), Track(name="unsaved")):
            with pytest.raises(ValueError, match="event"):
                organizer.can_read("track", garbage)

    @pytest.mark.parametrize("who", KINDS)
    def test_every_resource_as_its_model_or_its_matrix_row(self, event, person_as, who):
        """Each resource of the matrix by its model class (the event and orders too, not
        only the dashboard's resources and tickets) or by its row (``permissions.Service``),
        as by its name; ``checks.may`` takes them alike."""
        from orders.models import Order
        from permissions.models import Service

        person = person_as(who)
        models = {model.resource_name: model for model in (Event, Order, Ticket, *RESOURCE_MODELS.values())}
        rows = {row.name: row for row in Service.objects.all()}
        assert set(models) == set(rows) == set(resources.RESOURCES)
        for name in resources.RESOURCES:
            for op, method in METHODS.items():
                expected = checks.may(person, event, name, op)
                assert getattr(person, method)(models[name], event) == expected, (name, op)
                assert getattr(person, method)(rows[name], event.pk) == expected, (name, op)
                assert checks.may(person, event, models[name], op) == expected

    @pytest.mark.parametrize("service", ["badge", "", "tracks", "track.create", 5, None, "Track"])
    def test_an_unknown_resource_is_a_value_error(self, event, organizer, service):
        with pytest.raises(ValueError, match="Unknown resource"):
            organizer.can_read(service, event)

    def test_unknown_permission_names_are_value_errors(self, event, organizer):
        for perm in ("eventdesk.track.publish", "eventdesk.is_king", "eventdesk.", "eventdesk.track"):
            with pytest.raises(ValueError, match="Unknown"):
                organizer.has_perm(perm, event)

    def test_inactive_users_and_nobody_may_nothing(self, event, organizer, super_admin):
        for person in (organizer, super_admin):
            person.is_active = False
            checks.forget(person)
            methods, check = answers(person, event)
            assert methods == check
            assert not any(methods.values())
        assert not AnonymousUser().has_perm("eventdesk.track.read", event)

    def test_without_an_event_nothing(self, organizer, super_admin):
        assert not organizer.has_perm("eventdesk.track.read")
        assert not super_admin.has_perm("eventdesk.track.read")
        assert not organizer.has_perms(["eventdesk.track.read"])

    def test_all_permissions_in_an_event(self, event, user_with_role):
        person = user_with_role(event, "moderator")
        assert person.get_all_permissions(event) == {
            "eventdesk.track.read",
            "eventdesk.event.read",
            "eventdesk.ticket.read",
            role_perm("moderator"),
            "eventdesk.has_role",
        }

    def test_one_query_per_event_and_request(self, event, user_with_role, django_assert_num_queries):
        person = user_with_role(event, "coorganizer")
        checks.forget(person)
        with django_assert_num_queries(1):
            answers(person, event)
            answers(person, event)


def test_the_user_model_imports_nothing_of_permissions():
    """One rule underneath (``checks.may``), reached through Django: ``accounts`` is below
    ``permissions`` in the layers (lint-imports checks the whole app too)."""
    tree = ast.parse(inspect.getsource(accounts.models))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not [name for name in imported if name.split(".")[0] == "permissions"]
    assert accounts.models.EVENT_PERMS == EVENT_PERMS


@pytest.mark.django_db
def test_log_in_still_works_beside_the_backend(user):
    assert EventPermissionBackend().authenticate(None, username=user.email, password=PASSWORD) is None
    assert authenticate(None, username=user.email, password=PASSWORD) == user


@pytest.mark.django_db
def test_the_shell_has_them(capsys, event, organizer, super_admin):
    call_command(
        "shell",
        "-c",
        f"ev = Event.objects.get(pk={event.pk}); o = User.objects.get(email='{organizer.email}'); "
        "print(o.can_create('track', ev), o.is_organizer(ev), su.can_create('event', ev), "
        "can_delete(o, 'sponsor', ev), is_moderator(o, ev), can_update(su, Track, ev))",
        verbosity=0,
    )
    assert capsys.readouterr().out.split() == ["True", "True", "False", "True", "False", "True"]
