"""Settings of the daphne processes the tests start (tests.utils.server_env): production's,
with the fast password hasher the test process uses (tests/conftest.py), so the users a
test makes can log in through the browser without a full hash on every log-in."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A live server serves many tests; between them the database is flushed (tests/live_middleware.py).
MIDDLEWARE = ["tests.live_middleware.forget_content_types", *MIDDLEWARE]  # noqa: F405
