"""Two revisions of this repository on the same machine at the same time: the shopper flow against each,
rounds interleaved (A B, B A, A B, ...) on one database, medians of the rounds and the paired ratio.

On a machine whose speed drifts (this one's does, by up to 2x within minutes), a change is judged by
pairs of runs a few seconds apart, not by two full benchmarks taken at different hours.

Run: `make bench-compare BASE=<revision>` (the working tree against it), or
`.venv/bin/python bench/compare.py BASE [HEAD] [--method cc|cod] [--rounds 6] [--duration 10]`.
A revision other than the working tree is checked out in a temporary git worktree and served by this
repository's virtualenv with gunicorn as `make bench` runs it (the repo's gunicorn.conf.py, 2 sync workers,
`DEBUG` off). Both revisions share `BENCH_DATABASE_URL` (migrated and loaded by the working tree), so
compare revisions whose migrations agree. Prints one line per run and writes
`bench/results/<date>-compare-<method>.{md,json}`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run, servers, targets  # noqa: E402
from bench.load import drive  # noqa: E402

WORKING_TREE = "working-tree"


def revision_label(revision: str) -> str:
    if revision == WORKING_TREE:
        return WORKING_TREE
    out = subprocess.run(
        ["git", "rev-parse", "--short", revision], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def checkout(revision: str, into: Path) -> Path:
    """A tree of `revision`: this one for the working tree, else a detached git worktree in `into`."""
    if revision == WORKING_TREE:
        return ROOT
    path = into / revision_label(revision)
    subprocess.run(["git", "worktree", "add", "--detach", "-f", str(path), revision], cwd=ROOT, check=True)
    return path


def remove(tree: Path) -> None:
    if tree != ROOT:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base", help="a git revision (e.g. HEAD~3, a commit, a branch)")
    parser.add_argument(
        "head", nargs="?", default=WORKING_TREE, help="another revision (default: the working tree)"
    )
    parser.add_argument(
        "--method", default="cc", choices=["cc", "cod"], help="the flow's payment (default cc)"
    )
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", run.DEFAULT_DB))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    a = parser.parse_args(argv)

    labels = {"base": revision_label(a.base), "head": revision_label(a.head)}
    run.log(f"preparing 1,000 products in {a.database_url.rsplit('/', 1)[1]}")
    data = run.prepare_ours(a.database_url, 1000)
    logs = Path(tempfile.mkdtemp(prefix="bench-compare-logs-"))
    results: dict[str, list[dict]] = {"base": [], "head": []}
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as scratch:
        trees = {side: checkout(rev, Path(scratch)) for side, rev in (("base", a.base), ("head", a.head))}
        started = {}
        try:
            for side, tree in trees.items():
                server = servers.ours(a.database_url, workers=a.workers, log_dir=logs, name=side)
                server.cwd = tree  # its code; the virtualenv and gunicorn.conf.py flags are this repo's
                started[side] = server.start()
            for round_no in range(a.rounds):
                sides = ["base", "head"] if round_no % 2 == 0 else ["head", "base"]
                for side in sides:
                    run.vacuum(a.database_url)
                    target = targets.Ours(started[side].base, data["tokens"], data["flow_products"])
                    clients = target.clients(0, a.clients)
                    result = drive(
                        clients,
                        targets.flow_operation(target, a.method),
                        duration=a.duration,
                        setup=target.clear,
                    )
                    for client in clients:
                        client.close()
                    checkout_step = result["steps"].get("checkout", {})
                    row = {
                        "round": round_no,
                        "flows_per_s": result["ops_per_s"],
                        "checkout_p50_ms": checkout_step.get("p50_ms"),
                        "checkout_p95_ms": checkout_step.get("p95_ms"),
                        "errors": result["errors"],
                    }
                    results[side].append(row)
                    run.log(
                        f"{side} {labels[side]} round {round_no}: {row['flows_per_s']:.1f} flows/s, "
                        f"checkout p95 {row['checkout_p95_ms']:.1f} ms, errors {row['errors']}"
                    )
        finally:
            for server in started.values():
                server.stop()
            for tree in trees.values():
                remove(tree)

    summary = {
        side: {
            "revision": labels[side],
            "flows_per_s": median([r["flows_per_s"] for r in rows]),
            "checkout_p95_ms": median(
                [r["checkout_p95_ms"] for r in rows if r["checkout_p95_ms"] is not None]
            ),
            "errors": sum(r["errors"] for r in rows),
        }
        for side, rows in results.items()
    }
    pairs = [
        h["flows_per_s"] / b["flows_per_s"] for b, h in zip(results["base"], results["head"], strict=True)
    ]
    wins = sum(
        h["flows_per_s"] > b["flows_per_s"] for b, h in zip(results["base"], results["head"], strict=True)
    )
    date = datetime.now(UTC)
    meta = {
        "date": date.isoformat(timespec="seconds"),
        "method": a.method,
        "rounds": a.rounds,
        "duration_s": a.duration,
        "clients": a.clients,
        "workers": a.workers,
        "load_average": os.getloadavg(),
    }
    lines = [
        f"# Shopper flow ({'card' if a.method == 'cc' else 'cash on delivery'}): {labels['head']} against "
        f"{labels['base']}, {date:%Y-%m-%d %H:%M} UTC",
        "",
        f"`bench/compare.py`: {a.rounds} interleaved rounds of {a.duration:.0f} s, {a.clients} clients, "
        f"gunicorn {a.workers} sync workers each, one database; medians of the rounds.",
        "",
        "| revision | flows/s | checkout p95 ms | errors |",
        "|---|---:|---:|---:|",
        *(
            f"| {s['revision']} | {s['flows_per_s']:.1f} | {s['checkout_p95_ms']:.1f} | {s['errors']} |"
            for s in summary.values()
        ),
        "",
        f"Paired ratio of flows/s (each round's {labels['head']} over its {labels['base']}): median "
        f"{median(pairs):.2f}x; {labels['head']} faster in {wins} of {a.rounds} rounds.",
        "",
        "| round | " + " | ".join(f"{labels[s]} flows/s, p95 ms" for s in ("base", "head")) + " |",
        "|---:|---|---|",
        *(
            f"| {b['round']} | {b['flows_per_s']:.1f}, {b['checkout_p95_ms']:.1f} | "
            f"{h['flows_per_s']:.1f}, {h['checkout_p95_ms']:.1f} |"
            for b, h in zip(results["base"], results["head"], strict=True)
        ),
        "",
    ]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{date:%Y-%m-%d}-compare-{a.method}"
    stem.with_suffix(".md").write_text("\n".join(lines))
    stem.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "summary": summary, "runs": results}, indent=2) + "\n"
    )
    print("\n".join(lines))
    run.log(f"wrote {stem}.md and .json")


if __name__ == "__main__":
    main(sys.argv[1:])
