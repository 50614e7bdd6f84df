"""``manage.py shell`` as an operator meets it, on a terminal: IPython (pretty printing,
completion) with the project's namespace (models, services, ``su``, the seed's permission
methods)."""

import os
import pty
import re
import select
import subprocess
import sys
import time

import pytest

from tests.utils import BASE_DIR, subprocess_database_url

MARK = "@@done@@"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_shell_on_a_terminal(lines, timeout=60):
    """Run ``manage.py shell`` on a pseudo-terminal (as a person at a terminal does: Django
    picks the first shell it finds, IPython before the plain REPL), type ``lines``, and
    return what the terminal showed."""
    main, secondary = pty.openpty()
    env = {**os.environ, "DATABASE_URL": subprocess_database_url(), "TERM": "xterm", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "shell"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        cwd=BASE_DIR,
        env=env,
        close_fds=True,
    )
    os.close(secondary)
    shown = b""
    try:
        for line in [*lines, f"print('{MARK[:2]}' + '{MARK[2:]}')"]:
            os.write(main, line.encode() + b"\r")
        deadline = time.monotonic() + timeout
        while MARK.encode() not in shown and time.monotonic() < deadline:
            if process.poll() is not None:
                break
            ready, _, _ = select.select([main], [], [], 0.2)
            if ready:
                try:
                    shown += os.read(main, 65536)
                except OSError:
                    break
        os.write(main, b"exit()\r")
        process.wait(20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
    return ANSI.sub("", shown.decode(errors="replace"))


@pytest.mark.django_db(transaction=True)
def test_the_shell_is_ipython_with_the_projects_namespace(super_admin):
    shown = run_shell_on_a_terminal(
        [
            "print('shell:', type(get_ipython()).__name__)",
            "from IPython.core.completer import provisionalcompleter",
            "exec(\"with provisionalcompleter(): c = list(get_ipython().Completer.completions('su.can_cr', 9))\")",
            "print('completes:', [completion.text for completion in c])",
            "print('pretty:', get_ipython().display_formatter.formatters['text/plain'].pprint)",
            "print('names:', su.email, can_create.__name__, is_organizer.__name__, Event.__name__)",
        ]
    )
    assert MARK in shown, shown
    assert "shell: TerminalInteractiveShell" in shown
    assert "completes: ['can_create']" in shown
    assert "pretty: True" in shown
    assert "names: super@example.com can_create is_organizer Event" in shown
