"""``checks.users_who_may(event, resource, operation)``: the event's role holders for whom
``checks.may`` says yes (the matrix as it is now, the cells every role holds, admins and
the super admin among the holders), in two queries however many they are."""

import pytest

from permissions import checks
from permissions import services as permission_services
from permissions.models import EventRole
from permissions.resources import RESOURCES, operations

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(event, organizer, make_user, user_with_role):
    """Every kind of holder, and people who hold no role in the event."""
    people = {
        "organizer": organizer,
        "coorganizer": user_with_role(event, "coorganizer"),
        "track_organizer": user_with_role(event, "track_organizer"),
        "moderator": user_with_role(event, "moderator"),
        "admin moderator": user_with_role(event, "moderator", is_admin=True),
        "super admin moderator": user_with_role(event, "moderator", is_super_admin=True),
        "inactive coorganizer": user_with_role(event, "coorganizer"),
        "two roles": user_with_role(event, "moderator"),
        "admin without a role": make_user(is_admin=True),
        "super admin without a role": make_user(is_super_admin=True),
        "nobody": make_user(),
    }
    permission_services.grant_role(event, people["two roles"], "track_organizer")
    people["inactive coorganizer"].is_active = False
    people["inactive coorganizer"].save()
    return people


def names(team, users):
    by_pk = {user.pk: name for name, user in team.items()}
    return {by_pk[user.pk] for user in users}


def test_order_readers_are_the_holders_the_matrix_lets_read_orders(event, team):
    assert names(team, checks.users_who_may(event, "order", "read")) == {
        "organizer",
        "coorganizer",
        "admin moderator",  # an admin reads everything, whatever the role
        "super admin moderator",
    }
    assert names(team, checks.users_who_may(event, "order", "update")) == {
        "organizer",
        "coorganizer",
        "super admin moderator",
    }
    # The event's read is every role's (implied for every role).
    assert names(team, checks.users_who_may(event, None, "read")) == set(team) - {
        "inactive coorganizer",
        "admin without a role",
        "super admin without a role",
        "nobody",
    }


def test_it_agrees_with_may_for_every_cell(event, team):
    holders = [user for user in team.values() if user.is_active and EventRole.objects.filter(user=user).exists()]
    for resource in RESOURCES:
        for operation in operations(resource):
            expected = set()
            for user in holders:
                checks.forget(user)
                if checks.may(user, event, resource, operation):
                    expected.add(user.pk)
            assert {user.pk for user in checks.users_who_may(event, resource, operation)} == expected, (
                resource,
                operation,
            )


def test_the_matrix_as_it_is_now(event, team, super_admin):
    permission_services.set_permission_matrix({("moderator", "order"): {"read"}}, actor=super_admin)
    readers = names(team, checks.users_who_may(event, "order", "read"))
    assert {"moderator", "two roles"} <= readers
    permission_services.set_permission_matrix({("coorganizer", "order"): set()}, actor=super_admin)
    readers = names(team, checks.users_who_may(event, "order", "read"))
    assert "coorganizer" not in readers
    assert "organizer" in readers


def test_two_queries_however_many_holders(event, team, user_with_role, django_assert_num_queries):
    with django_assert_num_queries(2):
        few = checks.users_who_may(event, "order", "read")
    for _ in range(20):
        user_with_role(event, "coorganizer")
    with django_assert_num_queries(2):
        many = checks.users_who_may(event, "order", "read")
    assert len(many) == len(few) + 20


def test_an_event_without_holders_is_one_query(make_event, organizer, django_assert_num_queries):
    event = make_event(organizer)
    EventRole.objects.filter(event=event).delete()
    with django_assert_num_queries(1):
        assert checks.users_who_may(event, "order", "read") == []
