import pytest

from events.models import Track
from permissions import checks
from permissions.models import Permission
from permissions.services import grant_role
from tests.permissions.utils import current_flags

ALL = {"create", "read", "update", "delete"}
RU = {"read", "update"}

# DESIGN.md, "Domain": the default matrix, written out cell by cell.
DESIGN_MATRIX = {
    "organizer": {"track": ALL, "session": ALL, "speaker": ALL, "sponsor": ALL, "microlocation": ALL},
    "coorganizer": {"track": RU, "session": RU, "speaker": RU, "sponsor": RU, "microlocation": RU},
    "track_organizer": {"track": RU, "session": set(), "speaker": set(), "sponsor": set(), "microlocation": set()},
    "moderator": {"track": {"read"}, "session": set(), "speaker": set(), "sponsor": set(), "microlocation": set()},
}


@pytest.mark.django_db
def test_the_seeded_matrix_is_the_designs():
    assert current_flags() == {
        (role, service): operations for role, row in DESIGN_MATRIX.items() for service, operations in row.items()
    }


@pytest.mark.django_db
class TestUserChecks:
    @pytest.mark.parametrize(
        ("role", "predicate"),
        [
            ("organizer", "is_organizer"),
            ("coorganizer", "is_coorganizer"),
            ("track_organizer", "is_track_organizer"),
            ("moderator", "is_moderator"),
        ],
    )
    def test_role_predicates(self, event, user_with_role, role, predicate):
        person = user_with_role(event, role)
        predicates = ["is_organizer", "is_coorganizer", "is_track_organizer", "is_moderator"]
        assert {name: getattr(person, name)(event) for name in predicates} == {
            name: name == predicate for name in predicates
        }
        assert person.has_role(event)

    def test_no_role(self, event, user):
        assert not user.has_role(event)
        assert not user.can_read("track", event)

    @pytest.mark.parametrize("role", DESIGN_MATRIX)
    @pytest.mark.parametrize("service", checks.SERVICES)
    def test_can_methods_answer_the_matrix(self, event, user_with_role, role, service):
        person = user_with_role(event, role)
        allowed = {op for op in checks.OPERATIONS if getattr(person, f"can_{op}")(service, event)}
        assert allowed == DESIGN_MATRIX[role][service]

    def test_service_and_event_in_every_form(self, event, user_with_role):
        person = user_with_role(event, "moderator")
        track = Track.objects.create(event=event, name="Web")
        assert person.can_read(Track, event)
        assert person.can_read(track, event.pk)
        assert person.can_read("track", str(event.pk))
        assert not person.can_update(Track, event)

    def test_roles_add_up(self, event, user_with_role):
        person = user_with_role(event, "moderator")
        grant_role(event, person, "track_organizer")
        assert person.can_update("track", event)  # from track organizer
        assert (person.is_moderator(event), person.is_track_organizer(event)) == (True, True)

    def test_a_role_in_one_event_is_nothing_in_another(self, make_event, organizer, user_with_role):
        first, second = make_event(organizer, name="First"), make_event(organizer, name="Second")
        person = user_with_role(first, "coorganizer")
        assert person.can_read("session", first)
        assert not person.can_read("session", second)
        assert not person.has_role(second)

    def test_admin_reads_everything_and_changes_nothing(self, event, admin_user):
        for service in checks.SERVICES:
            assert admin_user.can_read(service, event)
            assert not any(getattr(admin_user, f"can_{op}")(service, event) for op in ("create", "update", "delete"))

    def test_super_admin_may_do_everything(self, event, super_admin):
        assert all(
            getattr(super_admin, f"can_{op}")(service, event)
            for op in checks.OPERATIONS
            for service in checks.SERVICES
        )

    def test_inactive_user_may_do_nothing(self, event, organizer):
        organizer.is_active = False
        assert not organizer.can_read("track", event)

    def test_unknown_service_or_operation(self, event, organizer):
        with pytest.raises(ValueError, match="Unknown service"):
            organizer.can_read("ticket", event)
        with pytest.raises(ValueError, match="Unknown operation"):
            checks.event_permissions(organizer, event).allows("track", "publish")


@pytest.mark.django_db
class TestOneQuery:
    def test_many_checks_ask_the_database_once(self, event, user_with_role, django_assert_num_queries):
        person = user_with_role(event, "coorganizer")
        checks.forget(person)
        with django_assert_num_queries(1):
            for _ in range(3):
                for service in checks.SERVICES:
                    for op in checks.OPERATIONS:
                        getattr(person, f"can_{op}")(service, event)
                assert person.has_role(event)
                assert person.is_coorganizer(event)
                assert checks.can_update_event(person, event.pk)
                assert not checks.can_manage_roles(person, event)

    def test_one_query_per_event(self, make_event, organizer, django_assert_num_queries):
        first, second = make_event(organizer, name="First"), make_event(organizer, name="Second")
        checks.forget(organizer)
        with django_assert_num_queries(2):
            for _ in range(3):
                assert organizer.can_delete("track", first)
                assert organizer.can_delete("track", second)

    def test_super_admin_and_anonymous_ask_nothing(self, event, super_admin, django_assert_num_queries):
        from django.contrib.auth.models import AnonymousUser

        with django_assert_num_queries(0):
            assert super_admin.can_delete("sponsor", event)
            assert not checks.event_permissions(AnonymousUser(), event).allows("sponsor", "read")

    def test_a_matrix_change_counts_from_the_next_request(self, event, user_with_role):
        person = user_with_role(event, "moderator")
        assert not person.can_read("session", event)
        Permission.objects.filter(role__name="moderator", service__name="session").update(can_read=True)
        assert not person.can_read("session", event)  # this request keeps its answer
        checks.forget(person)  # a new request starts with a new user object
        assert person.can_read("session", event)

    def test_granting_a_role_clears_the_cached_answer(self, event, user):
        assert not user.can_read("track", event)
        grant_role(event, user, "moderator")
        assert user.can_read("track", event)


@pytest.mark.django_db
class TestEventLevel:
    @pytest.mark.parametrize(
        ("who", "allowed"),
        [
            ("organizer", {"read", "update", "delete", "manage_roles"}),
            ("coorganizer", {"read", "update"}),
            ("track_organizer", {"read", "update"}),
            ("moderator", {"read", "update"}),
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

    def test_can_table_for_templates(self, event, user_with_role):
        perms = checks.event_permissions(user_with_role(event, "track_organizer"), event)
        assert perms.can["track"] == {"create": False, "read": True, "update": True, "delete": False}
        assert perms.can["sponsor"] == dict.fromkeys(checks.OPERATIONS, False)
