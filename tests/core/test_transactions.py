"""What the cache counts as a transaction (``core.transactions``): the application's, not
a test's wrapping one, which the test declares (tests/conftest.py) through
``not_the_applications``; no private part of Django's test framework is read."""

import pytest
from django.db import transaction

from core.transactions import in_transaction, not_the_applications
from events import counters


def test_a_tests_wrapping_transaction_is_not_the_applications(db):
    assert not in_transaction()
    with transaction.atomic():
        assert in_transaction()
        with transaction.atomic():
            assert in_transaction()
    assert not in_transaction()


@pytest.mark.django_db(transaction=True)
def test_without_a_wrapping_transaction_only_the_applications_count():
    assert not in_transaction()
    with transaction.atomic():
        assert in_transaction()
        with not_the_applications():  # declared: what is open now is not the application's
            assert not in_transaction()
            with transaction.atomic():
                assert in_transaction()
        assert in_transaction()


def test_counters_read_inside_a_transaction_are_not_cached(event, django_assert_num_queries):
    counters.forget([event.pk])
    with transaction.atomic():
        assert counters.counters(event.pk)["id"] == event.pk
    with django_assert_num_queries(1):  # not cached inside: read again
        counters.counters(event.pk)
    with django_assert_num_queries(0):  # read outside: cached
        counters.counters(event.pk)
