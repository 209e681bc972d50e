"""The benchmark: our server beside django-oscar and two baselines, every scenario, rounds interleaved.

`make bench` (full) and `make bench-quick` (1,000 products, one short round) call this; see README
"Benchmarks". Each run writes bench/results/<date>[-label].json (raw) and .md (tables) and PNG charts.
A run variant (e.g. issue 20's "through PgBouncer") is `--label NAME --database-url URL` (and
`--database-url-1m`): the same scenarios against another database address.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report, servers, targets  # noqa: E402
from bench.load import Client, Recorder, drive, wrk  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
PEER_PY = str(servers.PEER_DIR / ".venv" / "bin" / "python")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shop_bench"
SHOPPERS = 300
FLASH_BUYERS = 200
FLASH_UNITS = 50


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def our_env(database_url: str) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": servers.BENCH_SECRET, "DEBUG": "0"}


def run_json(command: list[str], *, cwd: Path, env: dict, stdin: str | None = None) -> dict:
    result = subprocess.run(
        command, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    for line in reversed(result.stdout.splitlines()):  # the last JSON object (a server may log lines too)
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"{' '.join(command)} printed no JSON:\n{result.stdout[-2000:]}")


def prepare_ours(database_url: str, products: int) -> dict:
    ensure_database(database_url)
    env = our_env(database_url)
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PY, "manage.py", "load_products", "--count", str(products)], cwd=ROOT, env=env, check=True
    )
    return run_json([PY, "bench/fixtures.py", "prepare", "--shoppers", str(SHOPPERS)], cwd=ROOT, env=env)


def prepare_peer(peer_url: str, source_url: str) -> dict:
    ensure_database(peer_url)
    env = {**os.environ, "DATABASE_URL": peer_url, "DJANGO_SETTINGS_MODULE": "oscar_settings"}
    subprocess.run(
        [PEER_PY, "-m", "django", "migrate", "--noinput", "-v0"], cwd=servers.PEER_DIR, env=env, check=True
    )
    return run_json(
        [PEER_PY, "load_oscar.py", "load", "--source", source_url, "--shoppers", str(SHOPPERS)],
        cwd=servers.PEER_DIR,
        env=env,
    )


def probe_ours(database_url: str, data: dict, reads: dict) -> dict:
    auth = {"Authorization": f"Bearer {data['tokens'][-1]}"}
    first, second = data["flow_products"][-1], data["flow_products"][-2]
    spec = [{"name": name, "method": "GET", "path": paths[0]} for name, paths in reads.items()]
    spec += [
        {"name": "cart_clear", "method": "DELETE", "path": "/api/v1/cart", "headers": auth},
        {
            "name": "cart_add",
            "method": "POST",
            "path": "/api/v1/cart/items",
            "headers": auth,
            "body": {"product_id": first, "quantity": 1},
        },
        {
            "name": "cart_add_2",
            "method": "POST",
            "path": "/api/v1/cart/items",
            "headers": auth,
            "body": {"product_id": second, "quantity": 1},
        },
        {
            "name": "checkout_cod",
            "method": "POST",
            "path": "/api/v1/orders",
            "headers": auth,
            "body": {"payment_method": "cod", "shipping_address": targets.ADDRESS},
        },
        {
            "name": "cart_add_3",
            "method": "POST",
            "path": "/api/v1/cart/items",
            "headers": auth,
            "body": {"product_id": first, "quantity": 1},
        },
        {
            "name": "cart_add_4",
            "method": "POST",
            "path": "/api/v1/cart/items",
            "headers": auth,
            "body": {"product_id": second, "quantity": 1},
        },
        {
            "name": "checkout_card",
            "method": "POST",
            "path": "/api/v1/orders",
            "headers": auth,
            "body": {
                "payment_method": "cc",
                "payment_token": "tok_bench",
                "shipping_address": targets.ADDRESS,
            },
        },
    ]
    env = {
        **our_env(database_url),
        "BENCH_BASELINE_VIEWS": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return run_json([PY, "bench/probe.py"], cwd=ROOT, env=env, stdin=json.dumps(spec))


def probe_peer(peer_url: str, data: dict) -> dict:
    cookies = {"sessionid": data["sessions"][-1]}
    first, second = data["flow_products"][-1], data["flow_products"][-2]
    product_url = "http://127.0.0.1/api/products/{}/"
    address = {
        "first_name": "Bench",
        "last_name": "Shopper",
        "line1": "1 Loop Road",
        "line4": "Localhost",
        "postcode": "SW1A 1AA",
        "country": "http://127.0.0.1/api/countries/GB/",
    }
    spec = [
        {"name": "list_page_1", "method": "GET", "path": "/api/products/"},
        {"name": "detail", "method": "GET", "path": f"/api/products/{first}/"},
        {
            "name": "cart_add",
            "method": "POST",
            "path": "/api/basket/add-product/",
            "cookies": cookies,
            "body": {"url": product_url.format(first), "quantity": 1},
        },
        {
            "name": "cart_add_2",
            "method": "POST",
            "path": "/api/basket/add-product/",
            "cookies": cookies,
            "body": {"url": product_url.format(second), "quantity": 1},
        },
        {
            "name": "checkout_cod",
            "method": "POST",
            "path": "/api/checkout/",
            "cookies": cookies,
            "body": {"basket": "{last.url}", "shipping_address": address},
        },
    ]
    env = {**os.environ, "DATABASE_URL": peer_url, "DJANGO_SETTINGS_MODULE": "oscar_settings"}
    return run_json(
        [PEER_PY, str(ROOT / "bench" / "probe.py")], cwd=servers.PEER_DIR, env=env, stdin=json.dumps(spec)
    )


def check_answers(server: servers.Server, paths: list[str]) -> None:
    """Every path answers 200 before it is measured (a fast 404 would be a fake win)."""
    client = Client(server.base, {})
    for path in paths:
        status, _ = client.call("GET", path)
        if status != 200:
            raise RuntimeError(f"{server.name} {path} answered {status}")
    client.close()


def drain(server: servers.Server, *, budget: float = 60.0) -> None:
    """Wait until the server answers at once again: requests wrk left queued in the listen backlog when it
    stopped are still served, and would otherwise eat the start of the next run (the next target's too)."""
    client = Client(server.base, {})
    deadline = time.monotonic() + budget
    try:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            client.call("GET", "/health" if server.name != "oscar" else "/api/")
            if time.perf_counter() - started < 0.05:
                return
    finally:
        client.close()


def vacuum(database_url: str) -> None:
    """VACUUM ANALYZE the whole database, as autovacuum would between the runs.

    The benchmark's PostgreSQL may run with autovacuum off (this machine's CI configuration does), and the
    write scenarios leave tens of thousands of dead cart, reservation and basket rows behind: without it
    every later run would pay for the earlier ones' garbage, and the order of the runs would decide the
    numbers. Both shops' databases get it before each of their write runs; it is not timed."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def flash_sale(target, buyers: list[Client], product, threads: int = 50) -> dict:
    recorder = Recorder()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        bought = list(pool.map(lambda client: target.flash_buy(client, recorder, product), buyers))
    elapsed = time.perf_counter() - started
    for client in buyers:
        client.close()
    return {
        "buyers": len(buyers),
        "checkouts_ok": sum(bought),
        "elapsed_s": elapsed,
        "errors": recorder.errors,
        "error_samples": recorder.error_samples,
    }


class Bench:
    def __init__(self, args):
        self.args = args
        self.records: list[dict] = []
        self.logs = ROOT / "bench" / "results" / "logs"
        #: The database each target of the current scale writes to (`vacuum` before its write runs).
        self.database_urls: dict[str, str] = {"oscar": args.peer_database_url}

    def record(self, **fields) -> None:
        self.records.append(fields)
        name = f"{fields['scale']}/{fields['scenario']}/{fields['target']}"
        if fields["kind"] == "read":
            log(f"{name}: {fields['rps']:.0f} req/s p95 {fields['p95_ms']:.1f} ms errors {fields['errors']}")
        elif fields["kind"] == "flow":
            log(
                f"{name}: {fields['ops_per_s']:.1f} ops/s errors {fields['errors']} {fields.get('error_samples')}"
            )
        else:
            log(f"{name}: {fields}")

    def reads(self, scale: int, ours, peer, our_reads: dict, peer_reads: dict, cold=None) -> None:
        """Rounds of every read scenario; within a round ours and the peer alternate who goes first."""
        a = self.args
        for round_no in range(a.rounds):
            for scenario, paths in our_reads.items():
                runs = [("ours" if not scenario.startswith("baseline") else "baseline", ours, paths)]
                if peer is not None and scenario in peer_reads:
                    runs.append(("oscar", peer, peer_reads[scenario]))
                if cold is not None and not scenario.startswith("baseline"):
                    runs.append(("uncached", cold, paths))
                if round_no % 2:
                    runs.reverse()
                for target, server, target_paths in runs:
                    result = wrk(server.base, target_paths, connections=a.connections, duration=a.duration)
                    drain(server)
                    self.record(
                        scale=scale,
                        scenario=scenario,
                        target=target,
                        kind="read",
                        round=round_no,
                        **{k: v for k, v in result.items() if k != "raw"},
                    )

    def flows(self, scale: int, ours: targets.Ours, peer: targets.Oscar | None) -> None:
        a = self.args
        scenarios = [("cart_add", "cod"), ("flow_cod", "cod"), ("flow_card", "cc")]
        for round_no in range(a.rounds):
            for scenario, method in scenarios:
                runs = [ours]
                if peer is not None and scenario in ("cart_add", "flow_cod"):
                    runs.append(peer)
                if round_no % 2:
                    runs.reverse()
                for target in runs:
                    vacuum(self.database_urls[target.name])
                    clients = target.clients(0, a.flow_clients)
                    op = (
                        targets.cart_add_operation(target)
                        if scenario == "cart_add"
                        else targets.flow_operation(target, method)
                    )
                    result = drive(clients, op, duration=a.flow_duration, setup=target.clear)
                    for client in clients:
                        client.close()
                    self.record(
                        scale=scale,
                        scenario=scenario,
                        target=target.name,
                        kind="flow",
                        round=round_no,
                        concurrency=a.flow_clients,
                        **result,
                    )

    def login(self, scale: int, ours: servers.Server, data: dict) -> None:
        """E8 alone, at the concurrency of the workers: what one Argon2id verification costs here."""

        def op(client: Client, recorder: Recorder, rng) -> None:
            started = time.perf_counter()
            status, body = client.call("POST", "/api/v1/auth/login", data["login"])
            recorder.step("login", started)
            if status == 200:
                recorder.done()
            else:
                recorder.error(f"login {status} {body}")

        clients = [Client(ours.base, {}) for _ in range(self.args.workers)]
        result = drive(clients, op, duration=min(self.args.flow_duration, 10), max_operations=2000)
        self.record(
            scale=scale,
            scenario="login",
            target="ours",
            kind="flow",
            round=0,
            concurrency=len(clients),
            **result,
        )

    def flash(
        self, scale: int, database_url: str, ours_server, ours: targets.Ours, data, peer=None, peer_data=None
    ):
        env = our_env(database_url)
        buyers = slice(50, 50 + FLASH_BUYERS)
        for processes in (1, 2):
            reset = run_json(
                [PY, "bench/fixtures.py", "flash-reset", "--units", str(FLASH_UNITS)], cwd=ROOT, env=env
            )
            extra = None
            if processes == 2:
                extra = servers.ours(
                    database_url, workers=self.args.workers, log_dir=self.logs, name="ours-b"
                ).start()
            bases = [ours_server.base] + ([extra.base] if extra else [])
            clients = [
                Client(bases[i % len(bases)], {"Authorization": f"Bearer {token}"})
                for i, token in enumerate(data["tokens"][buyers])
            ]
            result = flash_sale(ours, clients, data["flash"])
            if extra is not None:
                extra.stop()
            sold = run_json(
                [PY, "bench/fixtures.py", "flash-count", "--since", reset["since"]], cwd=ROOT, env=env
            )
            self.record(
                scale=scale,
                scenario=f"flash_sale_{processes}proc",
                target="ours",
                kind="flash",
                offered=FLASH_UNITS,
                processes=processes,
                **result,
                **sold,
            )
        if peer is not None:
            penv = {
                **os.environ,
                "DATABASE_URL": self.args.peer_database_url,
                "DJANGO_SETTINGS_MODULE": "oscar_settings",
            }
            run_json(
                [PEER_PY, "load_oscar.py", "flash-reset", "--units", str(FLASH_UNITS)],
                cwd=servers.PEER_DIR,
                env=penv,
            )
            clients = [Client(peer.base, {"Cookie": f"sessionid={s}"}) for s in peer_data["sessions"][buyers]]
            result = flash_sale(peer, clients, peer_data["flash"])
            sold = run_json([PEER_PY, "load_oscar.py", "flash-count"], cwd=servers.PEER_DIR, env=penv)
            self.record(
                scale=scale,
                scenario="flash_sale_1proc",
                target="oscar",
                kind="flash",
                offered=FLASH_UNITS,
                processes=1,
                **result,
                **sold,
            )

    def scale(self, products: int, database_url: str, with_peer: bool) -> dict:
        a = self.args
        log(f"preparing {products:,} products in {database_url.rsplit('/', 1)[1]}")
        data = prepare_ours(database_url, products)
        self.database_urls["ours"] = database_url
        our_reads = {**targets.BASELINE_READS, **targets.OUR_READS}
        our_reads["detail"] = targets.our_detail_paths(data["detail_products"])
        peer_data = None
        if with_peer:
            log("preparing the peer (django-oscar) with the same products")
            peer_data = prepare_peer(a.peer_database_url, database_url)
        for url in [database_url] + ([a.peer_database_url] if peer_data is not None else []):
            vacuum(url)  # the reads start from clean tables (an earlier run's garbage is gone)
        queries = {"ours": probe_ours(database_url, data, our_reads)}
        if peer_data is not None:
            queries["oscar"] = probe_peer(a.peer_database_url, peer_data)
        log(f"queries per request: {queries}")
        ours_server = servers.ours(
            database_url, workers=a.workers, log_dir=self.logs, extra_env=a.env
        ).start()
        peer_server = None
        cold_server = None
        try:
            if a.uncached:  # the same server without the response cache: what a cold read costs
                cold_server = servers.ours(
                    database_url,
                    workers=a.workers,
                    log_dir=self.logs,
                    name="ours-uncached",
                    extra_env={**a.env, "CATALOGUE_CACHE": "0"},
                ).start()
            if peer_data is not None:
                peer_server = servers.peer(a.peer_database_url, workers=a.workers, log_dir=self.logs).start()
            check_answers(ours_server, [paths[0] for paths in our_reads.values()])
            peer_reads = {}
            if peer_server is not None:
                peer_reads = {
                    "list_page_1": ["/api/products/"],
                    "detail": targets.peer_detail_paths(peer_data["products"][:100]),
                }
                check_answers(peer_server, [paths[0] for paths in peer_reads.values()])
            self.reads(products, ours_server, peer_server, our_reads, peer_reads, cold_server)
            ours = targets.Ours(ours_server.base, data["tokens"], data["flow_products"])
            peer = None
            if peer_server is not None:
                peer = targets.Oscar(peer_server.base, peer_data["sessions"], peer_data["flow_products"])
            self.flows(products, ours, peer)
            self.login(products, ours_server, data)
            self.flash(products, database_url, ours_server, ours, data, peer, peer_data)
        finally:
            ours_server.stop()
            for server in (peer_server, cold_server):
                if server is not None:
                    server.stop()
        return queries


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1,000 products, one short round (< 3 minutes)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument(
        "--database-url-1m", default=os.environ.get("BENCH_DATABASE_URL_1M", DEFAULT_DB + "_1m")
    )
    parser.add_argument(
        "--peer-database-url",
        default=os.environ.get("PEER_DATABASE_URL", DEFAULT_DB.replace("shop_bench", "oscar_bench")),
    )
    parser.add_argument("--no-peer", action="store_true", help="ours and the baselines only")
    parser.add_argument(
        "--scales", default=None, help="comma-separated product counts (default 1000,1000000)"
    )
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--duration", type=float, default=None, help="seconds per wrk run")
    parser.add_argument("--flow-duration", type=float, default=None, help="seconds per flow run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--flow-clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--label", default="", help="names the run variant (file name suffix)")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for our servers (repeatable), e.g. DATABASE_POOLER=pgbouncer",
    )
    parser.add_argument(
        "--uncached",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also measure every read with CATALOGUE_CACHE=0 (default: on for the full run)",
    )
    parser.add_argument(
        "--note", default=os.environ.get("BENCH_NOTE", ""), help="said at the top of the results"
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    a = parser.parse_args(argv)
    a.scales = [int(x) for x in (a.scales or ("1000" if a.quick else "1000,1000000")).split(",")]
    a.rounds = a.rounds or (1 if a.quick else 3)
    a.duration = a.duration or (3 if a.quick else 10)
    a.flow_duration = a.flow_duration or (5 if a.quick else 15)
    a.env = dict(item.split("=", 1) for item in a.server_env)
    a.uncached = (not a.quick) if a.uncached is None else a.uncached
    with_peer = not a.no_peer and Path(PEER_PY).exists()
    if not a.no_peer and not with_peer:
        log("no peer virtualenv (make bench-peer builds it): running without Oscar")
    started = time.monotonic()
    load_before = os.getloadavg()
    bench = Bench(a)
    queries = {}
    for products in a.scales:
        url = a.database_url if products <= 1000 else a.database_url_1m
        queries[products] = bench.scale(products, url, with_peer and products == min(a.scales))
    meta = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git_revision(),
        "quick": a.quick,
        "label": a.label,
        "note": a.note,
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "config": {
            k: getattr(a, k)
            for k in (
                "scales",
                "rounds",
                "duration",
                "flow_duration",
                "connections",
                "flow_clients",
                "workers",
                "env",
                "uncached",
            )
        },
        "peer": "django-oscar 4.2.1 + django-oscar-api 3.3.0" if with_peer else None,
        "elapsed_s": round(time.monotonic() - started, 1),
        # Other work on the machine shows here: on 2 cores, a load above ~2 means the bench shared them.
        "load_average": {
            "start": [round(x, 1) for x in load_before],
            "end": [round(x, 1) for x in os.getloadavg()],
        },
    }
    paths = report.write(Path(a.out), {"meta": meta, "queries": queries, "records": bench.records})
    log(f"done in {meta['elapsed_s']:.0f} s: {', '.join(str(p) for p in paths)}")


if __name__ == "__main__":
    main(sys.argv[1:])
