"""Start Eventdesk as production runs it: N daphne processes behind nginx.

    python deploy/stack.py --processes 2 --port 8080

Given DATABASE_URL and REDIS_URL in the environment, it runs `migrate` and
`collectstatic`, starts N daphne processes on loopback ports, renders
deploy/nginx.conf for them, checks it with `nginx -t` and starts nginx in front. Ctrl-C
(or SIGTERM) stops everything. `make prod-local` runs it with N=2 on this machine.
The integration test (tests/integration/test_deploy_stack.py) uses the same functions.
"""

import argparse
import grp
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEPLOY_DIR = BASE_DIR / "deploy"
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def free_port():
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process=None, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for port {port} exited with {process.returncode}")
        with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout:.0f}s")


def nginx_binary():
    path = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(path).exists():
        raise SystemExit("nginx is not installed: apt-get install nginx-light")
    return path


def user_directive():
    """Workers drop root when started as root (a system nginx runs as www-data)."""
    if os.geteuid() != 0:
        return ""
    try:
        grp.getgrnam("nogroup")
        return "user nobody nogroup;"
    except KeyError:
        return "user nobody;"


def render_nginx_conf(*, listen_port, daphne_ports, static_root, media_root, run_dir):
    """deploy/nginx.conf with its tokens filled in."""
    values = {
        "user_directive": user_directive(),
        "run_dir": str(run_dir),
        "mime_types": "/etc/nginx/mime.types",
        "proxy_params": str(DEPLOY_DIR / "proxy_params.conf"),
        "listen": f"127.0.0.1:{listen_port}",
        "static_root": str(static_root),
        "media_root": str(media_root),
        "upstream_servers": "\n".join(
            f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in daphne_ports
        ),
    }
    text = (DEPLOY_DIR / "nginx.conf").read_text()
    for name, value in values.items():
        text = text.replace("{{ " + name + " }}", value)
    if "{{" in text:
        raise ValueError("deploy/nginx.conf has a token stack.py does not know")
    return text


class Stack:
    """daphne × N and nginx, in ``run_dir`` (pid, logs, temp files, static and media)."""

    def __init__(self, *, processes=2, port=None, run_dir=None, env=None, daphne_ports=None):
        self.run_dir = Path(run_dir or tempfile.mkdtemp(prefix="eventdesk-stack-"))
        self.port = port or free_port()
        self.daphne_ports = daphne_ports or [free_port() for _ in range(processes)]
        self.static_root = self.run_dir / "static"
        self.media_root = self.run_dir / "media"
        self.env = dict(os.environ if env is None else env)
        self.env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # the same for every process
        self.env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
        self.env.update(
            STATIC_ROOT=str(self.static_root),
            MEDIA_ROOT=str(self.media_root),
            STATICFILES_BACKEND="django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
            SERVE_FILES="false",
            BEHIND_PROXY="true",
            PYTHONUNBUFFERED="1",
        )
        self.env.setdefault("DEBUG", "false")
        self.daphnes = {}
        self.nginx = None
        self.url = f"http://127.0.0.1:{self.port}"

    # --- steps ---------------------------------------------------------------------

    def manage(self, *args):
        subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=self.env, check=True)

    def prepare(self, migrate=True):
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.chmod(0o755)
        for name in TEMP_DIRS:
            (self.run_dir / "tmp" / name).mkdir(parents=True, exist_ok=True)
            (self.run_dir / "tmp" / name).chmod(0o777)
        (self.run_dir / "tmp").chmod(0o755)
        self.media_root.mkdir(exist_ok=True)
        if migrate:
            self.manage("migrate", "--noinput", "-v", "0")
        self.manage("collectstatic", "--noinput", "-v", "0")
        self.config_path = self.run_dir / "nginx.conf"
        self.config_path.write_text(
            render_nginx_conf(
                listen_port=self.port,
                daphne_ports=self.daphne_ports,
                static_root=self.static_root,
                media_root=self.media_root,
                run_dir=self.run_dir,
            )
        )

    def check_nginx(self):
        """`nginx -t` on the rendered configuration; returns its output."""
        result = subprocess.run(
            [nginx_binary(), "-t", "-c", str(self.config_path)], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{result.stderr}")
        return result.stderr

    def start_daphne(self, port):
        access_log = self.run_dir / f"daphne-{port}.access.log"
        output = open(self.run_dir / f"daphne-{port}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--proxy-headers",
                "--access-log",
                str(access_log),
                "config.asgi:application",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        self.daphnes[port] = (process, output)
        wait_for_port(port, process)
        return process

    def stop_daphne(self, port):
        process, output = self.daphnes.pop(port)
        _terminate(process)
        output.close()

    def start_nginx(self):
        self.check_nginx()
        self.nginx = subprocess.Popen(
            [nginx_binary(), "-c", str(self.config_path), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=open(self.run_dir / "nginx-stderr.log", "ab"),  # noqa: SIM115
        )
        wait_for_port(self.port, self.nginx)

    def start(self, migrate=True):
        self.prepare(migrate=migrate)
        for port in self.daphne_ports:
            self.start_daphne(port)
        self.start_nginx()
        return self

    def stop(self):
        if self.nginx is not None:
            _terminate(self.nginx)
            self.nginx = None
        for port in list(self.daphnes):
            self.stop_daphne(port)

    def access_log(self, port):
        path = self.run_dir / f"daphne-{port}.access.log"
        return path.read_text() if path.exists() else ""

    def nginx_access_log(self):
        path = self.run_dir / "nginx-access.log"
        return path.read_text() if path.exists() else ""


def _terminate(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2, help="daphne processes (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx listens on 127.0.0.1:PORT (default 8080)")
    parser.add_argument("--first-daphne-port", type=int, default=8001, help="daphne ports start here (default 8001)")
    parser.add_argument("--run-dir", default=None, help="folder for logs, pid, static and media (default: a temp dir)")
    parser.add_argument("--seed-demo", action="store_true", help="load the demo data after migrating")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="print deploy/nginx.conf rendered for these ports and --run-dir, and exit",
    )
    args = parser.parse_args(argv)
    ports = [args.first_daphne_port + i for i in range(args.processes)]
    if args.render_only:
        run_dir = Path(args.run_dir or "/srv/eventdesk")
        print(
            render_nginx_conf(
                listen_port=args.port,
                daphne_ports=ports,
                static_root=run_dir / "static",
                media_root=run_dir / "media",
                run_dir=run_dir,
            )
        )
        return
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            parser.error(f"{name} must be set: several processes need a shared database and channel layer")
    stack = Stack(port=args.port, run_dir=args.run_dir, daphne_ports=ports)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        stack.start()
        if args.seed_demo:
            stack.manage("seed_demo")
        print(f"Eventdesk on {stack.url} (nginx) → daphne on ports {', '.join(map(str, ports))}")
        print(f"Logs and files in {stack.run_dir}. Ctrl-C stops.")
        while not stopping:
            for port, (process, _) in list(stack.daphnes.items()):
                if process.poll() is not None:
                    print(f"daphne on port {port} exited with {process.returncode}; restarting it")
                    stack.daphnes.pop(port)[1].close()
                    stack.start_daphne(port)
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
