"""Helpers for tests: skipping rules, live daphne processes, browser log-in."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from deploy.stack import free_port, wait_for_port  # noqa: F401  (re-exported for tests)

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-9"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = BASE_DIR / "test-artifacts"


def require(condition, reason):
    """Skip when ``condition`` is false, except in CI, where everything must run."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def subprocess_database_url():
    """A DATABASE_URL for the test database pytest-django set up, for subprocesses."""
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def server_env(settings, **extra):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=subprocess_database_url(),
        DEBUG="true",
        SERVE_FILES="true",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PYTHONUNBUFFERED="1",
        # Browser tests log in through the page many times a minute from one address.
        EVENTDESK_LOGIN_RATE="10000/min",
    )
    env.update(extra)
    return env


class DaphneServer:
    """One daphne process serving config.asgi on a loopback port."""

    def __init__(self, env, port=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(ARTIFACTS.joinpath(f"daphne-{self.port}.log"), "w+b")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(self.port, self.process)
        except Exception:
            self.stop()
            raise RuntimeError(f"daphne did not start:\n{self.output()}") from None

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def screenshot(page, name):
    """Keep a screenshot under test-artifacts/ (CI keeps the folder)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, email, password=PASSWORD):
    """Log in through the log-in page, as a person would."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
