"""Transactions, as the cache sees them."""

from django.db import connections


def in_transaction(using="default"):
    """Inside a transaction of the application (not only a test's wrapping one)?

    What is read inside one may still be rolled back, so it is never put in the cache."""
    return any(not getattr(block, "_from_testcase", False) for block in connections[using].atomic_blocks)
