"""The scaled-out topology on one machine, without Docker (the same shape as docker-compose.scale.yml):

    nginx -> N gunicorn app processes -> PgBouncer (transaction pooling) -> PostgreSQL primary
             task workers (db_worker)  ->                                 -> streaming replica (catalogue)

The primary is an existing database (`--primary-url`, e.g. the test database) or a temporary cluster of
our own (initdb, migrated); the replica is made from our own primary with pg_basebackup; task workers run
when the tree has django-tasks-db. Redis is the machine's (REDIS_URL, when set). Every server runs
as a child of this script on a free port, with its files in one temporary directory, and is stopped (the
directory removed) on exit, also when start-up fails half-way. tests/scale/ and bench/ use `Topology`;
by hand:

    .venv/bin/python scripts/topology.py --web 4 --replica     # prints the URLs; Ctrl-C stops everything

PostgreSQL and PgBouncer refuse to run as root: as root, they run as the `postgres` user.
Needs the Debian packages postgresql (15), pgbouncer and nginx (`make scale-deps` installs the last two).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
IS_ROOT = os.geteuid() == 0
DATABASE = "shop"
REPLICA_DATABASE = "shop_replica"  # PgBouncer's name for the replica's copy of DATABASE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_postgres() -> dict:
    """Keyword arguments of subprocess.run/Popen that run a command as the postgres user when we are
    root (PostgreSQL and PgBouncer refuse root), with that user's home (for libpq's files)."""
    if not IS_ROOT:
        return {}
    account = pwd.getpwnam("postgres")
    env = {**os.environ, "HOME": account.pw_dir}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": [], "env": env}


def postgres_bindir() -> Path:
    """PG_BINDIR, else the newest /usr/lib/postgresql/<version>/bin (Debian keeps initdb off the PATH)."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    )
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    return candidates[-1].parent


def find_program(name: str) -> str:
    found = shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/usr/bin")
    if not found:
        raise RuntimeError(f"{name} is not installed (make scale-deps)")
    return found


def scratch_dir() -> str | None:
    """/dev/shm when it has room (throw-away clusters are created and removed far faster in memory),
    else the default temporary directory."""
    try:
        stats = os.statvfs("/dev/shm")
    except OSError:
        return None
    return "/dev/shm" if stats.f_bavail * stats.f_frsize >= 2 * 1024**3 else None


def wait_until(check, *, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last_error = exc
        time.sleep(interval)
    raise RuntimeError(f"{what} not ready after {timeout:.0f}s ({last_error})")


def query(url: str, sql: str, params: Sequence = ()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


class Process:
    """A child process in its own session, so that stopping it stops everything it started: its stop
    signal first, SIGKILL to the whole session after `timeout` seconds (nothing here keeps state)."""

    def __init__(
        self, name: str, command: Sequence[str], *, log: Path, stop_signal: int = signal.SIGTERM, **popen
    ) -> None:
        self.name = name
        self.log = log
        self.stop_signal = stop_signal
        with open(log, "ab") as out:
            self.popen = subprocess.Popen(
                list(command),
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=BASE_DIR,
                start_new_session=True,
                **popen,
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, self.stop_signal)

    def check_alive(self) -> None:
        if not self.alive():
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{tail}")

    def stop(self, timeout: float = 3) -> None:
        if self.alive():
            self.signal()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # anything left in its session
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)


def stop_all(servers: Sequence) -> None:
    """Signal every server first, then wait for each: they shut down side by side."""
    stop_all_processes([server.process for server in servers])


def stop_all_processes(processes: Sequence[Process]) -> None:
    for process in processes:
        process.signal()
    for process in processes:
        process.stop()


def has_task_worker() -> bool:
    """Whether background tasks run on django-tasks-db here (its `db_worker` command)."""
    return importlib.util.find_spec("django_tasks_db") is not None


class PostgresCluster:
    """A throw-away PostgreSQL cluster (durability off: it lives for one run)."""

    def __init__(self, root: Path, name: str) -> None:
        self.root = root
        self.name = name
        self.datadir = root / name
        self.port = free_port()
        self.bindir = postgres_bindir()
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def initdb(self) -> None:
        subprocess.run(
            [str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--wal-segsize=1"],
            check=True, capture_output=True, timeout=120, **as_postgres(),
        )  # fmt: skip

    def basebackup_from(self, primary: PostgresCluster) -> None:
        """A standby of `primary`: its data copied by pg_basebackup, WAL streamed, `standby.signal` written."""
        subprocess.run(
            [str(self.bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
                         "-U", "postgres", "-D", str(self.datadir), "-R", "-X", "stream", "-c", "fast"],
            check=True, capture_output=True, timeout=120, **as_postgres(),
        )  # fmt: skip

    def start(self, *, max_connections: int = 50, attempts: int = 3) -> None:
        """Start on a free port (another one if something took it meanwhile); fail with the server's log."""
        self.running = True  # from here on, stop() is due (harmless if the server never came up)
        log = self.root / f"{self.name}.log"
        for attempt in range(attempts):
            options = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
                f"-c max_connections={max_connections} -c fsync=off -c full_page_writes=off "
                "-c shared_buffers=32MB -c min_wal_size=4MB -c max_wal_size=64MB -c hot_standby=on "
                "-c wal_receiver_status_interval=1"
            )
            result = subprocess.run(
                [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o", options, "-l", str(log),
                 "-w", "-t", "60", "start"],
                capture_output=True, timeout=90, **as_postgres(),
            )  # fmt: skip
            if result.returncode == 0:
                return
            text = log.read_text(errors="replace") if log.exists() else ""
            if "already in use" in text and attempt + 1 < attempts:
                self.port = free_port()
                continue
            raise RuntimeError(f"PostgreSQL {self.name} did not start: {result.stderr}\n{text[-2000:]}")

    def stop(self) -> None:
        if self.running:
            subprocess.run(
                [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop"],
                capture_output=True, timeout=60, **as_postgres(),
            )  # fmt: skip
            self.running = False


@dataclass
class ConnectionSampler:
    """Samples, every `interval` seconds, how many backends PostgreSQL has for `database` (pg_stat_activity,
    client backends only), leaving out the `exclude` pids (e.g. the test's own connection)."""

    server_url: str  # any database of the server; the sampler's own backend is not in `database`
    database: str
    exclude: Sequence[int] = ()
    interval: float = 0.01
    samples: list[int] = field(default_factory=list)

    def __enter__(self) -> ConnectionSampler:
        self._stop = threading.Event()
        self._conn = psycopg.connect(self.server_url, autocommit=True, connect_timeout=5)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        sql = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' "
            "AND pid <> ALL(%s)"
        )
        while not self._stop.is_set():
            self.samples.append(self._conn.execute(sql, (self.database, list(self.exclude))).fetchone()[0])
            self._stop.wait(self.interval)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._conn.close()

    @property
    def peak(self) -> int:
        return max(self.samples, default=0)


class PgBouncer:
    """PgBouncer in transaction pooling mode: `pool_size` server connections per database at most."""

    def __init__(
        self, root: Path, databases: dict[str, str], *, pool_size: int, max_clients: int = 500
    ) -> None:
        self.root = root
        self.port = free_port()
        self.pool_size = pool_size
        entries = "\n".join(f"{alias} = {conninfo}" for alias, conninfo in databases.items())
        (root / "userlist.txt").write_text('"postgres" ""\n')
        self.config = root / "pgbouncer.ini"
        self.config.write_text(
            f"""[databases]
{entries}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {root}/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = {pool_size}
min_pool_size = 0
reserve_pool_size = 0
max_db_connections = {pool_size}
max_client_conn = {max_clients}
server_lifetime = 3600
ignore_startup_parameters = extra_float_digits
logfile = {root}/pgbouncer.log
pidfile = {root}/pgbouncer.pid
"""
        )
        self.process: Process | None = None

    def url(self, alias: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{alias}"

    def start(self) -> None:
        self.process = Process(
            "pgbouncer",
            [find_program("pgbouncer"), str(self.config)],
            log=self.root / "pgbouncer.out",
            **as_postgres(),
        )
        wait_until(self._answers, timeout=20, what="PgBouncer")

    def _answers(self) -> bool:
        self.process.check_alive()
        return bool(self.admin("SHOW VERSION"))

    def admin(self, command: str) -> list[dict]:
        """A command of PgBouncer's admin console (simple query protocol only)."""
        with psycopg.connect(
            self.url("pgbouncer"), autocommit=True, connect_timeout=5, cursor_factory=psycopg.ClientCursor
        ) as conn:
            cursor = conn.execute(command)
            names = [column.name for column in cursor.description or ()]
            rows = cursor.fetchall() if cursor.description else []
            return [dict(zip(names, row, strict=True)) for row in rows]

    def stop(self) -> None:
        if self.process:
            self.process.stop()


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class Gunicorn:
    """One app host: gunicorn with `workers` sync workers (the app preloaded once, then forked)."""

    def __init__(self, root: Path, index: int, env: dict[str, str], *, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            PYTHON, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers), "--timeout", "30", "--preload",
        ]  # fmt: skip
        # SIGINT: gunicorn's quick shutdown (SIGTERM waits for the workers' graceful timeout).
        self.process = Process(
            f"web{index}", command, log=root / f"web{index}.log", env=env, stop_signal=signal.SIGINT
        )

    def wait(self) -> None:
        def ready() -> bool:
            self.process.check_alive()
            return http_ok(f"{self.url}/health")

        wait_until(ready, timeout=60, what=self.process.name)

    def stop(self) -> None:
        self.process.stop()


class Nginx:
    """nginx in front of the app hosts, round robin; a POST is never retried on another host."""

    def __init__(self, root: Path, upstreams: Sequence[int]) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        temp = root / "nginx-temp"
        temp.mkdir(exist_ok=True)
        temp.chmod(0o777)  # nginx's workers run as nobody when the master is root
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in upstreams)
        self.config = root / "nginx.conf"
        self.config.write_text(
            f"""worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    upstream shop {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{self.port};
        location / {{
            proxy_pass http://shop;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""
        )
        self.process: Process | None = None

    def start(self) -> None:
        command = [find_program("nginx"), "-p", str(self.root), "-e", str(self.root / "nginx-error.log"),
                   "-c", str(self.config), "-g", "daemon off;"]  # fmt: skip
        self.process = Process("nginx", command, log=self.root / "nginx.out")

        def ready() -> bool:
            self.process.check_alive()
            return http_ok(f"{self.url}/health")

        wait_until(ready, timeout=20, what="nginx")

    def stop(self) -> None:
        if self.process:
            self.process.stop()


class Topology:
    """Start with `with Topology(...) as topology:`; everything started is stopped on exit, in reverse.

    primary_url: an existing database (the primary is then not ours: no replica); None = our own
    cluster, database `shop`, migrated, or a copy of `clone_from` (an already migrated database, e.g. the
    suite's: pg_dump is seconds faster than migrating). pool_size: PgBouncer's server connections per
    database.
    """

    def __init__(
        self,
        *,
        primary_url: str | None = None,
        replica: bool = False,
        web: int = 2,
        workers: int = 2,
        pool_size: int = 4,
        nginx: bool = True,
        task_workers: int = 0,
        clone_from: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        if replica and primary_url:
            raise ValueError("a replica is made from our own primary: leave primary_url unset")
        self.options = {"primary_url": primary_url, "replica": replica, "web": web, "workers": workers,
                        "pool_size": pool_size, "nginx": nginx, "task_workers": task_workers}  # fmt: skip
        self.extra_env = env or {}
        self.clone_from = clone_from
        self.primary_url = primary_url
        self.replica_url: str | None = None
        self.webs: list[Gunicorn] = []
        self.task_workers: list[Process] = []
        self.nginx: Nginx | None = None
        self.url = ""

    def __enter__(self) -> Topology:
        self._stack = contextlib.ExitStack()
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def _start(self) -> None:
        options = self.options
        self.root = Path(tempfile.mkdtemp(prefix="shop-topology-", dir=scratch_dir()))
        self._stack.callback(shutil.rmtree, self.root, ignore_errors=True)
        self.root.chmod(0o755)
        if IS_ROOT:
            shutil.chown(self.root, "postgres")

        if self.primary_url is None:
            primary = PostgresCluster(self.root, "primary")
            primary.initdb()
            self._stack.callback(primary.stop)
            primary.start(max_connections=max(50, options["pool_size"] * 2 + 20))
            query(primary.url(), f"CREATE DATABASE {DATABASE}")
            self.primary_url = primary.url(DATABASE)
            if self.clone_from:
                copy_database(self.clone_from, self.primary_url)
            else:
                self.manage("migrate", "--noinput")
            if options["replica"]:
                standby = PostgresCluster(self.root, "replica")
                standby.basebackup_from(primary)
                self._stack.callback(standby.stop)
                standby.start(max_connections=max(50, options["pool_size"] * 2 + 20))
                self.replica_url = standby.url(DATABASE)
                wait_until(lambda: query(self.replica_url, "SELECT pg_is_in_recovery()")[0][0], timeout=30,
                           what="the replica")  # fmt: skip

        databases = {DATABASE: conninfo(self.primary_url)}
        if self.replica_url:
            databases[REPLICA_DATABASE] = conninfo(self.replica_url)
        self.bouncer = PgBouncer(self.root, databases, pool_size=options["pool_size"])
        self._stack.callback(self.bouncer.stop)
        self.bouncer.start()

        self._stack.callback(self.stop_web)
        self.start_web()
        if options["task_workers"]:
            if not has_task_worker():
                raise RuntimeError("this tree has no task worker (django-tasks-db's db_worker)")
            env = self.app_env()
            self.task_workers = [
                Process(
                    f"worker{i}",
                    [PYTHON, "manage.py", "db_worker"],
                    log=self.root / f"worker{i}.log",
                    env=env,
                )
                for i in range(options["task_workers"])
            ]
            self._stack.callback(stop_all_processes, self.task_workers)

    def start_web(self, *, pooler: bool = True, replica: bool = True) -> None:
        """(Re)start the app hosts and nginx: through PgBouncer or straight to PostgreSQL, with the replica
        for the catalogue or without (the benchmark compares the three)."""
        self.stop_web()
        env = self.app_env(pooler=pooler, replica=replica)
        self.webs = [
            Gunicorn(self.root, index, env, workers=self.options["workers"])
            for index in range(self.options["web"])
        ]
        for web in self.webs:
            web.wait()
        self.url = self.webs[0].url
        if self.options["nginx"]:
            self.nginx = Nginx(self.root, [web.port for web in self.webs])
            self.nginx.start()
            self.url = self.nginx.url

    def stop_web(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
            self.nginx = None
        stop_all(self.webs)
        self.webs = []

    def app_env(self, *, pooler: bool = True, replica: bool = True) -> dict[str, str]:
        """The app hosts' environment: both databases through PgBouncer (or direct), behind one proxy."""
        env = self.app_env_base()
        env.update(
            {
                "DATABASE_URL": self.bouncer.url(DATABASE) if pooler else self.primary_url,
                "DEBUG": "0",
                "NUM_PROXIES": "1" if self.options["nginx"] else "0",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if pooler:
            env["DATABASE_POOLER"] = "pgbouncer"
        if self.replica_url and replica:
            env["DATABASE_REPLICA_URL"] = self.bouncer.url(REPLICA_DATABASE) if pooler else self.replica_url
        env.update(self.extra_env)
        return env

    def manage(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """`manage.py <args>` against the primary, directly (not through PgBouncer)."""
        environment = {**self.app_env_base(), "DATABASE_URL": self.primary_url, **(env or {})}
        return subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=environment, check=True,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    def app_env_base(self) -> dict[str, str]:
        env = {
            key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "PGBOUNCER_"))
        }
        env.setdefault("SECRET_KEY", "topology-secret-key-for-local-runs-only-0123456789")
        env.update(self.extra_env)
        return env


def copy_database(source: str, target: str) -> None:
    """`source`'s schema and rows into the empty database `target` (pg_dump piped into psql)."""
    bindir = postgres_bindir()
    dump = subprocess.Popen([str(bindir / "pg_dump"), "--no-owner", "--no-privileges", "-d", source],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    restore = subprocess.run([str(bindir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", target], stdin=dump.stdout,
                             capture_output=True, timeout=300)  # fmt: skip
    dump.stdout.close()
    dumped = dump.wait(timeout=300)
    if dumped or restore.returncode:
        raise RuntimeError(
            f"copying {source} failed: {dump.stderr.read().decode()} {restore.stderr.decode()}"
        )


def conninfo(url: str) -> str:
    """PgBouncer's `[databases]` form of a postgres:// URL without password."""
    rest = url.split("://", 1)[1]
    user_host, database = rest.rsplit("/", 1)
    user, _, host_port = user_host.rpartition("@")
    host, _, port = host_port.partition(":")
    return f"host={host} port={port or 5432} dbname={database} user={user or 'postgres'}"


def server_url(url: str) -> str:
    """The same server, database `postgres` (for monitoring queries that must not count themselves)."""
    return url.rsplit("/", 1)[0] + "/postgres"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--primary-url", help="an existing database as the primary (default: our own cluster)"
    )
    parser.add_argument("--replica", action="store_true", help="a streaming replica for the catalogue")
    parser.add_argument("--web", type=int, default=4, help="app hosts (gunicorn processes)")
    parser.add_argument("--workers", type=int, default=2, help="sync workers per app host")
    parser.add_argument("--pool-size", type=int, default=10, help="PgBouncer server connections per database")
    parser.add_argument("--no-nginx", action="store_true")
    parser.add_argument("--seed", action="store_true", help="seed the demo catalogue (seed_demo)")
    parser.add_argument(
        "--task-workers", type=int, default=1 if has_task_worker() else 0, help="db_worker processes"
    )
    args = parser.parse_args()
    with Topology(
        primary_url=args.primary_url, replica=args.replica, web=args.web, workers=args.workers,
        pool_size=args.pool_size, nginx=not args.no_nginx, task_workers=args.task_workers,
    ) as topology:  # fmt: skip
        if args.seed:
            topology.manage("seed_demo")
        print(json.dumps({
            "url": topology.url,
            "app_hosts": [web.url for web in topology.webs],
            "pgbouncer": topology.bouncer.url(DATABASE),
            "primary": topology.primary_url,
            "replica": topology.replica_url,
            "task_workers": len(topology.task_workers),
            "files": str(topology.root),
        }, indent=2), flush=True)  # fmt: skip
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
