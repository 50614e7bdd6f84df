"""Transactions, as the cache sees them.

What is read inside a transaction may still be rolled back, so it is never put in the
cache (``events.counters``, ``core.api.public``, ``tickets.api``). A transaction is the
application's unless whoever opened it said it is not (``not_the_applications``): a test
that runs in a transaction of its own, which never commits, declares it once it is open
(tests/conftest.py), and inside it the application's own transactions still count."""

import threading
from contextlib import contextmanager

from django.db import connections

_not_the_applications = threading.local()  # per thread, as connections are: {alias: blocks}


def _depth(connection):
    return len(connection.atomic_blocks) if connection.in_atomic_block else 0


def in_transaction(using="default"):
    """Inside a transaction of the application (not only one declared not to be)?"""
    connection = connections[using]
    return _depth(connection) > getattr(_not_the_applications, "blocks", {}).get(using, 0)


@contextmanager
def not_the_applications(using="default"):
    """The atomic blocks open now on ``using`` are not the application's: inside,
    ``in_transaction()`` answers for the blocks opened after them only (a test's wrapping
    transaction, which is never committed, hides nothing from the cache)."""
    blocks = getattr(_not_the_applications, "blocks", None)
    if blocks is None:
        blocks = _not_the_applications.blocks = {}
    before = blocks.get(using)
    blocks[using] = _depth(connections[using])
    try:
        yield
    finally:
        if before is None:
            blocks.pop(using, None)
        else:
            blocks[using] = before
