"""`make run` serves the home and log-in pages, and the demo organizer sees the demo event."""

import os
import re
import subprocess
import time
import urllib.request
from http.cookiejar import CookieJar

import pytest

from tests.utils import BASE_DIR, free_port, wait_for_port


@pytest.mark.integration
def test_make_run_serves_the_app(tmp_path):
    port = free_port()
    env = dict(os.environ)
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}", DEMO_PASSWORD="demo-pass-for-tests-42")
    env.pop("REDIS_URL", None)
    log = open(tmp_path / "run.log", "w+b")  # noqa: SIM115
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, process, timeout=120)
        base = f"http://127.0.0.1:{port}"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        assert opener.open(f"{base}/").status == 200
        login = opener.open(f"{base}/accounts/login/")
        assert login.status == 200
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', login.read()).group(1).decode()
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": "organizer@eventdesk.localhost",
                "password": "demo-pass-for-tests-42",
            }
        ).encode()
        request = urllib.request.Request(f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/"})
        page = opener.open(request)
        assert page.geturl().endswith("/events/")
        body = page.read().decode()
        assert "organizer@eventdesk.localhost" in body
        assert "Eventdesk Demo Conference" in body
        assert opener.open(f"{base}/static/vendor/bootstrap-5.3.8/bootstrap.min.css").status == 200
        # The worker beside the server sends the e-mails the requests queue (console backend: the log).
        assert b"Starting a background worker beside the server" in (tmp_path / "run.log").read_bytes()
        reset = opener.open(f"{base}/accounts/password/reset/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', reset.read()).group(1).decode()
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": "organizer@eventdesk.localhost"})
        request = urllib.request.Request(
            f"{base}/accounts/password/reset/", data=data.encode(), headers={"Referer": f"{base}/"}
        )
        assert opener.open(request).geturl().endswith("/accounts/password/reset/sent/")
        link = re.compile(rb"http://127\.0\.0\.1:\d+/accounts/password/reset/\w+/")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not link.search((tmp_path / "run.log").read_bytes()):
            time.sleep(0.2)
        assert link.search((tmp_path / "run.log").read_bytes())
    finally:
        os.killpg(process.pid, 15)
        process.wait(20)
        log.close()
