import pytest

from events.models import Track
from permissions import checks, resources
from permissions.models import Permission
from permissions.services import grant_role
from tests.permissions.utils import current_flags

ALL = {"create", "read", "update", "delete"}
RU = {"read", "update"}
R = {"read"}
RUD = {"read", "update", "delete"}  # the event's row has no "create"

# docs/architecture.md, "Permissions": the default matrix, written out cell by cell (issue 13: the event
# itself and its tickets are rows too).
DESIGN_MATRIX = {
    "organizer": {
        **dict.fromkeys(["track", "session", "speaker", "sponsor", "microlocation"], ALL),
        "event": RUD,
        "ticket": ALL,
    },
    "coorganizer": {
        **dict.fromkeys(["track", "session", "speaker", "sponsor", "microlocation"], RU),
        "event": RU,
        "ticket": RU,
    },
    "track_organizer": {
        "track": RU,
        **dict.fromkeys(["session", "speaker", "sponsor", "microlocation"], set()),
        "event": R,
        "ticket": R,
    },
    "moderator": {
        "track": R,
        **dict.fromkeys(["session", "speaker", "sponsor", "microlocation"], set()),
        "event": R,
        "ticket": R,
    },
}
DESIGNED = list(DESIGN_MATRIX["organizer"])  # the resources written out above


@pytest.mark.django_db
def test_the_seeded_matrix_is_the_designs():
    seeded = {key: operations for key, operations in current_flags().items() if key[1] in DESIGNED}
    assert seeded == {
        (role, service): operations for role, row in DESIGN_MATRIX.items() for service, operations in row.items()
    }


@pytest.mark.django_db
class TestUserChecks:
    @pytest.mark.parametrize("role", ["organizer", "coorganizer", "track_organizer", "moderator"])
    def test_has_role(self, event, user_with_role, role):
        person = user_with_role(event, role)
        names = ["organizer", "coorganizer", "track_organizer", "moderator"]
        assert {name: checks.has_role(person, event, name) for name in names} == {name: name == role for name in names}
        assert checks.has_role(person, event)

    def test_no_role(self, event, user):
        assert not checks.has_role(user, event)
        assert not checks.may(user, event, "track", "read")

    @pytest.mark.parametrize("role", DESIGN_MATRIX)
    @pytest.mark.parametrize("service", DESIGNED)
    def test_can_methods_answer_the_matrix(self, event, user_with_role, role, service):
        person = user_with_role(event, role)
        allowed = {op for op in checks.OPERATIONS if checks.may(person, event, service, op)}
        assert allowed == DESIGN_MATRIX[role][service]

    def test_service_and_event_in_every_form(self, event, user_with_role):
        person = user_with_role(event, "moderator")
        track = Track.objects.create(event=event, name="Web")
        assert checks.may(person, event, Track, "read")
        assert checks.may(person, event.pk, track, "read")
        assert checks.may(person, str(event.pk), "track", "read")
        assert not checks.may(person, event, Track, "update")

    def test_roles_add_up(self, event, user_with_role):
        person = user_with_role(event, "moderator")
        grant_role(event, person, "track_organizer")
        assert checks.may(person, event, "track", "update")  # from track organizer
        assert checks.has_role(person, event, "moderator")
        assert checks.has_role(person, event, "track_organizer")

    def test_a_role_in_one_event_is_nothing_in_another(self, make_event, organizer, user_with_role):
        first, second = make_event(organizer, name="First"), make_event(organizer, name="Second")
        person = user_with_role(first, "coorganizer")
        assert checks.may(person, first, "session", "read")
        assert not checks.may(person, second, "session", "read")
        assert not checks.has_role(person, second)

    def test_admin_reads_everything_and_changes_nothing(self, event, admin_user):
        for service in checks.RESOURCES:
            assert checks.may(admin_user, event, service, "read")
            assert not any(checks.may(admin_user, event, service, op) for op in ("create", "update", "delete"))

    def test_super_admin_may_do_everything(self, event, super_admin):
        assert all(
            checks.may(super_admin, event, service, op)
            for service in checks.RESOURCES
            for op in resources.operations(service)
        )
        assert not checks.may(super_admin, event, "event", "create")  # no such cell: nobody

    def test_inactive_user_may_do_nothing(self, event, organizer):
        organizer.is_active = False
        assert not checks.may(organizer, event, "track", "read")

    def test_unknown_service_or_operation(self, event, organizer):
        with pytest.raises(ValueError, match="Unknown resource"):
            checks.may(organizer, event, "badge", "read")
        with pytest.raises(ValueError, match="Unknown operation"):
            checks.event_permissions(organizer, event).allows("track", "publish")


@pytest.mark.django_db
class TestOneQuery:
    def test_many_checks_ask_the_database_once(self, event, user_with_role, django_assert_num_queries):
        person = user_with_role(event, "coorganizer")
        checks.forget(person)
        with django_assert_num_queries(1):
            for _ in range(3):
                for service in checks.RESOURCES:
                    for op in checks.OPERATIONS:
                        checks.may(person, event, service, op)
                assert checks.has_role(person, event)
                assert checks.has_role(person, event, "coorganizer")
                assert checks.can_update_event(person, event.pk)
                assert not checks.can_manage_roles(person, event)

    def test_one_query_per_event(self, make_event, organizer, django_assert_num_queries):
        first, second = make_event(organizer, name="First"), make_event(organizer, name="Second")
        checks.forget(organizer)
        with django_assert_num_queries(2):
            for _ in range(3):
                assert checks.may(organizer, first, "track", "delete")
                assert checks.may(organizer, second, "track", "delete")

    def test_super_admin_and_anonymous_ask_nothing(self, event, super_admin, django_assert_num_queries):
        from django.contrib.auth.models import AnonymousUser

        with django_assert_num_queries(0):
            assert checks.may(super_admin, event, "sponsor", "delete")
            assert not checks.event_permissions(AnonymousUser(), event).allows("sponsor", "read")

    def test_a_matrix_change_counts_from_the_next_request(self, event, user_with_role):
        person = user_with_role(event, "moderator")
        assert not checks.may(person, event, "session", "read")
        Permission.objects.filter(role__name="moderator", service__name="session").update(can_read=True)
        assert not checks.may(person, event, "session", "read")  # this request keeps its answer
        checks.forget(person)  # a new request starts with a new user object
        assert checks.may(person, event, "session", "read")

    def test_granting_a_role_clears_the_cached_answer(self, event, user):
        assert not checks.may(user, event, "track", "read")
        grant_role(event, user, "moderator")
        assert checks.may(user, event, "track", "read")


@pytest.mark.django_db
class TestEventLevel:
    @pytest.mark.parametrize(
        ("who", "allowed"),
        [
            ("organizer", {"read", "update", "delete", "manage_roles"}),
            ("coorganizer", {"read", "update"}),
            # Issue 13: the matrix's "event" row, no longer "any role updates the event".
            ("track_organizer", {"read"}),
            ("moderator", {"read"}),
            ("no_role", set()),
            ("admin", {"read"}),
            ("super_admin", {"read", "update", "delete", "manage_roles"}),
        ],
    )
    def test_event_operations(self, event, person_as, who, allowed):
        person = person_as(who)
        perms = checks.event_permissions(person, event)
        assert {op for op in checks.EVENT_OPERATIONS if perms.allows_event(op)} == allowed
        assert {op for op, answer in perms.can["event"].items() if answer} == allowed

    @pytest.mark.parametrize("role", ["coorganizer", "track_organizer", "moderator"])
    def test_the_event_row_decides_and_every_role_still_reads(self, event, user_with_role, role):
        """Update and delete follow the grid; read is every role's (can_view_event: a role
        holder sees the draft), whatever its cell says."""
        person = user_with_role(event, role)
        Permission.objects.filter(role__name=role, service__name="event").update(
            can_read=False, can_update=True, can_delete=True
        )
        perms = checks.event_permissions(person, event)
        assert {op for op in checks.EVENT_OPERATIONS if perms.allows_event(op)} == {"read", "update", "delete"}
        assert not event.is_published
        assert checks.can_view_event(person, event)
        assert checks.may(person, event, None, "update")
        assert checks.may(person, event, "event", "delete")

    def test_can_table_for_templates(self, event, user_with_role):
        perms = checks.event_permissions(user_with_role(event, "track_organizer"), event)
        assert perms.can["track"] == {"create": False, "read": True, "update": True, "delete": False}
        assert perms.can["sponsor"] == dict.fromkeys(checks.OPERATIONS, False)
