"""Start Eventdesk as production runs it: N daphne processes behind nginx, and W workers.

    python deploy/stack.py --processes 2 --workers 1 --port 8080 [--pgbouncer]

Given DATABASE_URL and REDIS_URL in the environment, it runs `migrate` and
`collectstatic`, starts N daphne processes on loopback ports, renders
deploy/nginx.conf for them, checks it with `nginx -t` and starts nginx in front, and
starts W background workers (`manage.py db_worker`: the e-mails, notification fan-outs
and order expiries the requests queue). Ctrl-C (or SIGTERM) stops everything.
`make prod-local` runs it with N=2 on this machine.
With --pgbouncer the daphne processes reach PostgreSQL through a PgBouncer in
transaction pooling mode (deploy/pgbouncer.ini, started here on a loopback port);
`migrate` and `collectstatic` still connect directly.
The integration tests (tests/integration/test_deploy_stack.py, test_pgbouncer.py) and
bench/api_etag.py use the same functions.
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
from urllib.parse import quote

import environ

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


def program_path(name):
    """Where the program ``name`` is (PATH, else Debian's /usr/sbin), or None."""
    path = shutil.which(name) or f"/usr/sbin/{name}"
    return path if Path(path).exists() else None


def require_program(name, package):
    path = program_path(name)
    if path is None:
        raise SystemExit(f"{name} is not installed: apt-get install {package}")
    return path


def nginx_binary():
    return require_program("nginx", "nginx-light")


def render_template(filename, values):
    """The file ``deploy/<filename>`` with its ``{{ name }}`` tokens replaced by ``values``."""
    text = (DEPLOY_DIR / filename).read_text()
    for name, value in values.items():
        text = text.replace("{{ " + name + " }}", value)
    if "{{" in text:
        raise ValueError(f"deploy/{filename} has a token stack.py does not know")
    return text


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
        "websocket_servers": "\n".join(f"        server 127.0.0.1:{port} max_fails=0;" for port in daphne_ports),
    }
    return render_template("nginx.conf", values)


# --- PgBouncer ---------------------------------------------------------------------------

PGBOUNCER_FILES = ("pgbouncer.ini", "userlist.txt", "pgbouncer.log", "pgbouncer.pid", "pgbouncer-stderr.log")


def pgbouncer_path():
    """Where the pgbouncer program is, or None."""
    return program_path("pgbouncer")


def pgbouncer_binary():
    return require_program("pgbouncer", "pgbouncer")


def postgres_server(database_url):
    """DATABASE_URL → (host, port, database, user, password, sslmode) of its PostgreSQL."""
    config = environ.Env.db_url_config(database_url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise ValueError(f"PgBouncer needs a PostgreSQL DATABASE_URL, not {config['ENGINE']}")
    options = dict(config.get("OPTIONS", {}))
    sslmode = options.pop("sslmode", "prefer")  # libpq's default
    if options:
        raise ValueError(f"options PgBouncer would not pass on to PostgreSQL: {', '.join(options)}")
    # No host: libpq's Unix socket (Debian's folder for it), as a direct connection would.
    host = config["HOST"] or ("/var/run/postgresql" if Path("/var/run/postgresql").is_dir() else "127.0.0.1")
    return host, int(config["PORT"] or 5432), config["NAME"], config["USER"], config["PASSWORD"], sslmode


def render_pgbouncer_ini(*, listen_port, database_url, run_dir, auth_file=None, logfile=None, pidfile=None):
    """deploy/pgbouncer.ini with its tokens filled in, for the database of ``database_url``."""
    host, port, name, _, password, sslmode = postgres_server(database_url)
    run_dir = Path(run_dir)
    values = {
        "database": name,
        "server_host": host,
        "server_port": str(port),
        "server_dbname": name,
        "listen_port": str(listen_port),
        "auth_type": "scram-sha-256" if password else "trust",
        "auth_file": str(auth_file or run_dir / "userlist.txt"),
        "logfile": str(logfile or run_dir / "pgbouncer.log"),
        "pidfile": str(pidfile or run_dir / "pgbouncer.pid"),
        "server_tls_sslmode": sslmode,
    }
    if any(c in f"{name}{host}" for c in " '\"\n=;"):
        raise ValueError(f"a database name or host PgBouncer's [databases] line cannot carry: {name!r} {host!r}")
    return render_template("pgbouncer.ini", values)


def render_pgbouncer_userlist(database_url):
    """The auth file: the user of ``database_url`` with its password (empty for trust)."""
    _, _, _, user, password, _ = postgres_server(database_url)

    def quoted(value):
        return '"' + value.replace('"', '""') + '"'

    return f"{quoted(user)} {quoted(password or '')}\n"


class PgBouncer:
    """One pgbouncer process on 127.0.0.1:``port`` in front of the PostgreSQL database of
    ``database_url`` (transaction pooling), with its files in ``run_dir``.

    ``url`` is the DATABASE_URL for its clients (the same database, user and password);
    they also need DATABASE_POOLER=pgbouncer (``client_env``).
    """

    def __init__(self, database_url, *, run_dir, port=None):
        _, _, name, user, password, _ = postgres_server(database_url)  # a clear error now, if any
        self.database_url = database_url
        self.run_dir = Path(run_dir)
        self.port = port or free_port()
        self.process = None
        auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
        self.url = f"postgres://{auth}@127.0.0.1:{self.port}/{quote(name, safe='')}"

    def client_env(self):
        return {"DATABASE_URL": self.url, "DATABASE_POOLER": "pgbouncer"}

    def prepare(self):
        """Write pgbouncer.ini and userlist.txt into ``run_dir``. PgBouncer refuses to run
        as root: started by root, it runs as nobody, which then owns the folder (and must
        be able to reach it: not under a folder only root may enter)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.chmod(0o700)
        self.config_path = self.run_dir / "pgbouncer.ini"
        self.config_path.write_text(
            render_pgbouncer_ini(listen_port=self.port, database_url=self.database_url, run_dir=self.run_dir)
        )
        userlist = self.run_dir / "userlist.txt"
        userlist.touch(mode=0o600)
        userlist.chmod(0o600)
        userlist.write_text(render_pgbouncer_userlist(self.database_url))
        if os.geteuid() == 0:
            for path in (self.run_dir, *(self.run_dir / name for name in PGBOUNCER_FILES)):
                if path.exists():
                    os.chown(path, *_nobody())

    def start(self):
        self.prepare()
        command = [pgbouncer_binary(), str(self.config_path)]
        if os.geteuid() == 0:
            command[1:1] = ["-u", "nobody"]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=open(self.run_dir / "pgbouncer-stderr.log", "ab"),  # noqa: SIM115
        )
        try:
            wait_for_port(self.port, self.process, timeout=10)
            self.check()
        except Exception as error:
            self.stop()
            raise RuntimeError(f"pgbouncer did not start ({error}):\n{self.log()}") from None
        return self

    def check(self):
        """One query through PgBouncer (it also opens the pool's first server connection)."""
        import psycopg2

        connection = psycopg2.connect(self.url, connect_timeout=10)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        finally:
            connection.close()

    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.process is not None:
            _terminate(self.process)  # SIGTERM: PgBouncer's immediate shutdown
            self.process = None

    def log(self):
        return "".join(
            path.read_text(errors="replace")
            for path in (self.run_dir / "pgbouncer.log", self.run_dir / "pgbouncer-stderr.log")
            if path.exists()
        )


def _nobody():
    import pwd

    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


class Stack:
    """daphne × N, nginx and ``workers`` background workers, in ``run_dir`` (pid, logs,
    temp files, static and media).

    ``pgbouncer=True``: the daphne processes connect through a PgBouncer (files in
    ``run_dir/pgbouncer``) started before them; ``manage`` still connects directly.
    """

    def __init__(
        self,
        *,
        processes=2,
        port=None,
        run_dir=None,
        env=None,
        daphne_ports=None,
        pgbouncer=False,
        pgbouncer_port=None,
        workers=1,
    ):
        self.workers_wanted = workers
        self.workers = []
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
        self.daphne_env = self.env
        self.pgbouncer = None
        if pgbouncer:
            pgbouncer_binary()  # not installed: say so before anything starts
            if not self.env.get("DATABASE_URL"):
                raise ValueError("--pgbouncer needs DATABASE_URL (PostgreSQL)")
            self.pgbouncer = PgBouncer(
                self.env["DATABASE_URL"], run_dir=self.run_dir / "pgbouncer", port=pgbouncer_port
            )
            self.daphne_env = {**self.env, **self.pgbouncer.client_env()}
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
            env=self.daphne_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        self.daphnes[port] = (process, output)
        wait_for_port(port, process)
        return process

    def start_worker(self, number):
        """Background worker ``number`` (``manage.py db_worker``), polling every half second."""
        output = open(self.run_dir / f"worker-{number}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--queue-name=*",
                "--interval=0.5",
                f"--worker-id=stack-{number}",
            ],
            cwd=BASE_DIR,
            env=self.daphne_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        self.workers.append((number, process, output))
        return process

    def worker_log(self, number):
        path = self.run_dir / f"worker-{number}.log"
        return path.read_text() if path.exists() else ""

    def stop_workers(self):
        while self.workers:
            _number, process, output = self.workers.pop()
            _terminate(process)
            output.close()

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

    def start_pgbouncer(self):
        if self.pgbouncer is not None:
            self.pgbouncer.start()

    def start(self, migrate=True):
        self.prepare(migrate=migrate)
        self.start_pgbouncer()
        for port in self.daphne_ports:
            self.start_daphne(port)
        self.start_nginx()
        for number in range(1, self.workers_wanted + 1):
            self.start_worker(number)
        return self

    def stop(self):
        if self.nginx is not None:
            _terminate(self.nginx)
            self.nginx = None
        self.stop_workers()
        for port in list(self.daphnes):
            self.stop_daphne(port)
        if self.pgbouncer is not None:
            self.pgbouncer.stop()

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
    parser.add_argument("--workers", type=int, default=1, help="background workers, manage.py db_worker (default 1)")
    parser.add_argument("--port", type=int, default=8080, help="nginx listens on 127.0.0.1:PORT (default 8080)")
    parser.add_argument("--first-daphne-port", type=int, default=8001, help="daphne ports start here (default 8001)")
    parser.add_argument("--run-dir", default=None, help="folder for logs, pid, static and media (default: a temp dir)")
    parser.add_argument("--seed-demo", action="store_true", help="load the demo data after migrating")
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="daphne connects through a PgBouncer (transaction pooling) started here first",
    )
    parser.add_argument(
        "--pgbouncer-port",
        type=int,
        default=None,
        help="PgBouncer listens on 127.0.0.1:PORT (default: a free port; 6432 with --render-only)",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="print deploy/nginx.conf rendered for these ports and --run-dir (with --pgbouncer: "
        "deploy/pgbouncer.ini for DATABASE_URL, with Debian's paths), and exit",
    )
    args = parser.parse_args(argv)
    ports = [args.first_daphne_port + i for i in range(args.processes)]
    if args.render_only and args.pgbouncer:
        if not os.environ.get("DATABASE_URL"):
            parser.error("DATABASE_URL must be set: PgBouncer's [databases] line is rendered from it")
        print(
            render_pgbouncer_ini(
                listen_port=args.pgbouncer_port or 6432,
                database_url=os.environ["DATABASE_URL"],
                run_dir=Path(args.run_dir or "/var/run/postgresql"),
                auth_file="/etc/pgbouncer/userlist.txt",
                logfile="/var/log/postgresql/pgbouncer.log",
            )
        )
        return
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
    stack = Stack(
        port=args.port,
        run_dir=args.run_dir,
        daphne_ports=ports,
        pgbouncer=args.pgbouncer,
        pgbouncer_port=args.pgbouncer_port,
        workers=args.workers,
    )
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        stack.start()
        if args.seed_demo:
            stack.manage("seed_demo")
        print(f"Eventdesk on {stack.url} (nginx) → daphne on ports {', '.join(map(str, ports))}")
        print(f"{args.workers} background worker(s) (manage.py db_worker): e-mails, notifications, order expiry")
        if stack.pgbouncer is not None:
            print(f"daphne → PgBouncer on 127.0.0.1:{stack.pgbouncer.port} (transaction pooling) → PostgreSQL")
        print(f"Logs and files in {stack.run_dir}. Ctrl-C stops.")
        while not stopping:
            if stack.pgbouncer is not None and not stack.pgbouncer.running():
                print("pgbouncer exited; restarting it")
                stack.pgbouncer.stop()
                stack.pgbouncer.start()
            for port, (process, _) in list(stack.daphnes.items()):
                if process.poll() is not None:
                    print(f"daphne on port {port} exited with {process.returncode}; restarting it")
                    stack.daphnes.pop(port)[1].close()
                    stack.start_daphne(port)
            for number, process, output in list(stack.workers):
                if process.poll() is not None:
                    print(f"worker {number} exited with {process.returncode}; restarting it")
                    stack.workers.remove((number, process, output))
                    output.close()
                    stack.start_worker(number)
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
