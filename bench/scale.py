"""Issue 20's runs: many app hosts straight to PostgreSQL, "through PgBouncer", and "catalogue on the
replica", on one topology (scripts/topology.py: nginx, 4 gunicorn hosts of 2 workers, PgBouncer with a
pool of 4, our own primary and a pg_basebackup replica), with the harness's load tools and data.

For each run: the catalogue reads (wrk), the shopper flow (cash on delivery) and the flash sale, each with
the peak and mean number of PostgreSQL backends on the primary and on the replica (pg_stat_activity,
sampled every 20 ms). `make bench-scale` writes bench/results/<date>-scale.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run, servers, targets  # noqa: E402
from bench.load import Client, drive, wrk  # noqa: E402
from scripts.topology import DATABASE, ConnectionSampler, Topology, server_url  # noqa: E402

RUNS = {  # name → how the app hosts reach the database
    "direct": {"pooler": False, "replica": False},
    "through PgBouncer": {"pooler": True, "replica": False},
    "catalogue on the replica": {"pooler": True, "replica": True},
}
HOSTS, WORKERS, POOL_SIZE = 4, 2, 4


def log(message: str) -> None:
    print(f"[bench-scale {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


class Backends:
    """Backends of the shop database on the primary and the replica while a scenario runs."""

    def __init__(self, topology: Topology) -> None:
        self.samplers = {
            "primary": ConnectionSampler(server_url(topology.primary_url), DATABASE, interval=0.02),
            "replica": ConnectionSampler(server_url(topology.replica_url), DATABASE, interval=0.02),
        }

    def __enter__(self) -> Backends:
        for sampler in self.samplers.values():
            sampler.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        for sampler in self.samplers.values():
            sampler.__exit__(*exc)

    def summary(self) -> dict:
        return {
            f"{name}_{what}": value
            for name, sampler in self.samplers.items()
            for what, value in (
                ("peak", sampler.peak),
                ("mean", round(statistics.fmean(sampler.samples), 1) if sampler.samples else 0),
            )
        }


def measure(topology: Topology, data: dict, a) -> list[dict]:
    rows = []
    reads = {
        "list_page_1": targets.OUR_READS["list_page_1"],
        "detail": targets.our_detail_paths(data["detail_products"]),
    }
    for scenario, paths in reads.items():
        with Backends(topology) as backends:
            result = wrk(topology.url, paths, connections=a.connections, duration=a.duration)
        rows.append({"scenario": scenario, "rate": result["rps"], "p95_ms": result["p95_ms"],
                     "errors": result["errors"], **backends.summary()})  # fmt: skip
    ours = targets.Ours(topology.url, data["tokens"], data["flow_products"])
    clients = ours.clients(0, a.flow_clients)
    with Backends(topology) as backends:
        result = drive(
            clients, targets.flow_operation(ours, "cod"), duration=a.flow_duration, setup=ours.clear
        )
    for client in clients:
        client.close()
    flow = result["steps"].get("flow", {})
    rows.append({"scenario": "flow_cod", "rate": result["ops_per_s"], "p95_ms": flow.get("p95_ms", 0.0),
                 "errors": result["errors"], **backends.summary()})  # fmt: skip

    env = run.our_env(topology.primary_url)
    reset = run.run_json([run.PY, "bench/fixtures.py", "flash-reset", "--units", str(run.FLASH_UNITS)],
                         cwd=ROOT, env=env)  # fmt: skip
    buyers = [Client(topology.url, {"Authorization": f"Bearer {token}"}) for token in data["tokens"][50:250]]
    with Backends(topology) as backends:
        sale = run.flash_sale(ours, buyers, data["flash"])
    sold = run.run_json(
        [run.PY, "bench/fixtures.py", "flash-count", "--since", reset["since"]], cwd=ROOT, env=env
    )
    rows.append({"scenario": "flash_sale", "rate": sale["buyers"] / sale["elapsed_s"], "p95_ms": 0.0,
                 "errors": sale["errors"], "sold": sold["units"], **backends.summary()})  # fmt: skip
    return rows


def markdown(meta: dict, results: dict[str, list[dict]]) -> str:
    lines = [
        f"# Scale-out runs, {meta['date']} (git {meta['git']})",
        "",
        f"{HOSTS} gunicorn hosts x {WORKERS} sync workers behind nginx ({HOSTS * WORKERS} Django connections per "
        f"database), {meta['pgbouncer']} in transaction mode with a pool of {POOL_SIZE}, PostgreSQL "
        f"15 primary and a streaming replica, {meta['products']:,} products, wrk {meta['connections']} "
        f"connections x {meta['duration']} s, flow {meta['flow_clients']} clients x {meta['flow_duration']} s, "
        f"{meta['cores']} cores, everything on this one machine (load average {meta['load']} at the start: "
        "other work on the machine shares the cores, so compare the runs with each other, not with other days).",
        "",
        "| run | scenario | req/s (flows/s, buyers/s) | p95 ms | errors | primary backends peak / mean "
        "| replica backends peak / mean |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, rows in results.items():
        for row in rows:
            sold = f" ({row['sold']} of 50 sold)" if "sold" in row else ""
            p95 = f"{row['p95_ms']:.1f}" if row["p95_ms"] else "-"
            lines.append(
                f"| {name} | {row['scenario']}{sold} | {row['rate']:.0f} | {p95} | {row['errors']} "
                f"| {row['primary_peak']} / {row['primary_mean']} | {row['replica_peak']} / {row['replica_mean']} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--flow-duration", type=float, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--flow-clients", type=int, default=16)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--label", default="", help="a suffix of the result files (a second run of the day)")
    a = parser.parse_args(argv)
    started = time.monotonic()
    load = os.getloadavg()[0]
    results: dict[str, list[dict]] = {}
    env = {"SECRET_KEY": servers.BENCH_SECRET, "AUTH_THROTTLE_RATE": "100000/minute"}
    with Topology(replica=True, web=HOSTS, workers=WORKERS, pool_size=POOL_SIZE, env=env) as topology:
        log(f"topology up: {topology.root}")
        data = run.prepare_ours(topology.primary_url, a.products)
        version = topology.bouncer.admin("SHOW VERSION")[0]
        for name, how in RUNS.items():
            topology.stop_web()
            for database in ("shop", "shop_replica"):  # PgBouncer's idle server connections from before
                topology.bouncer.admin(f"KILL {database}")
                topology.bouncer.admin(f"RESUME {database}")
            topology.start_web(**how)
            status, _ = Client(topology.url, {}).call("GET", "/api/v1/products?limit=20")
            if status != 200:
                raise RuntimeError(f"{name}: the product list answered {status}")
            results[name] = measure(topology, data, a)
            for row in results[name]:
                log(f"{name} / {row['scenario']}: {row}")
    meta = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": run.git_revision(),
        "pgbouncer": next(iter(version.values())),
        "products": a.products,
        "connections": a.connections,
        "duration": a.duration,
        "flow_clients": a.flow_clients,
        "flow_duration": a.flow_duration,
        "cores": os.cpu_count(),
        "load": round(load, 1),
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{datetime.now(UTC):%Y-%m-%d}-scale{'-' + a.label if a.label else ''}"
    stem.with_suffix(".json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    stem.with_suffix(".md").write_text(markdown(meta, results))
    log(f"done in {meta['elapsed_s']:.0f} s: {stem}.md")


if __name__ == "__main__":
    main(sys.argv[1:])
