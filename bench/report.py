"""The benchmark's results: raw JSON, a Markdown table per scenario (with the peer and a ratio), PNG charts."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from datetime import datetime
from pathlib import Path

READS = ("list_page_1", "list_page_500", "detail", "search", "category_price_sort", "price_range", "in_stock")
BASELINES = ("baseline_static", "baseline_drf_list")
FLOWS = ("cart_add", "flow_cod", "flow_card", "login")
#: Scenario → the probe's request names whose queries add up to one operation.
QUERY_NAMES = {
    "cart_add": ("cart_add",),
    "flow_cod": ("cart_add", "cart_add_2", "checkout_cod"),
    "flow_card": ("cart_add_3", "cart_add_4", "checkout_card"),
}
#: Scenario → (target ratio over the peer, what is compared).
PEER_TARGETS = {"list_page_1": 3.0, "detail": 5.0, "flow_cod": 5.0}
#: 1M-product p95 over 1,000-product p95 allowed.
FLAT_TARGETS = {
    "list_page_1": 1.5,
    "list_page_500": 1.5,
    "category_price_sort": 1.5,
    "price_range": 1.5,
    "in_stock": 1.5,
    "search": 3.0,
}
QUERY_LIMITS = {"cart_add": 8, "checkout_cod": 13, "checkout_card": 20}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def aggregate(records: list[dict]) -> dict:
    """(scale, scenario, target) → medians over the rounds (percentiles: the median of each round's)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for record in records:
        groups[(record["scale"], record["scenario"], record["target"])].append(record)
    out = {}
    for key, group in groups.items():
        kind = group[0]["kind"]
        if kind == "read":
            out[key] = {
                "kind": kind,
                "rounds": len(group),
                "rate": median([g["rps"] for g in group]),
                "p50": median([g["p50_ms"] for g in group]),
                "p95": median([g["p95_ms"] for g in group]),
                "p99": median([g["p99_ms"] for g in group]),
                "errors": sum(g["errors"] for g in group),
                "rates": [round(g["rps"], 1) for g in group],
            }
        elif kind == "flow":
            main = "login" if key[1] == "login" else ("cart_add" if key[1] == "cart_add" else "flow")

            def step(g, name, q):
                return g["steps"].get(name, {}).get(q)

            out[key] = {
                "kind": kind,
                "rounds": len(group),
                "rate": median([g["ops_per_s"] for g in group]),
                "p50": median([step(g, main, "p50_ms") for g in group]),
                "p95": median([step(g, main, "p95_ms") for g in group]),
                "p99": median([step(g, main, "p99_ms") for g in group]),
                "checkout_p95": median([step(g, "checkout", "p95_ms") for g in group]),
                "errors": sum(g["errors"] for g in group),
                "concurrency": group[0].get("concurrency"),
                "rates": [round(g["ops_per_s"], 1) for g in group],
            }
        else:
            out[key] = {"kind": kind, **group[-1]}
    return out


def queries_for(queries: dict, scale, target: str, scenario: str):
    """Queries of one operation; for a read sent twice in a row, "hit / miss" when they differ."""
    probe = (queries.get(scale) or queries.get(str(scale)) or {}).get(target)
    if not probe:
        return None
    names = QUERY_NAMES.get(scenario, (scenario,))
    if not all(name in probe for name in names):
        return None
    first = sum(probe[name] for name in names)
    again = probe.get(f"{scenario}.again")
    if again is not None and again != first:
        return f"{again} (miss {first})"
    return first


def fmt(value, digits=1):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def lat(row):
    return f"{fmt(row['p50'])} / {fmt(row['p95'])} / {fmt(row['p99'])}" if row else "–"


def markdown(data: dict, agg: dict, charts: list[str]) -> str:
    meta, queries = data["meta"], data["queries"]
    scales = sorted({key[0] for key in agg})
    lines = [f"# Benchmark results, {meta['date']}", ""]
    lines += [
        f"Commit `{meta['git']}`; {meta['machine']['cores']} cores, Python {meta['machine']['python']}, "
        f"{meta['machine']['platform']}. gunicorn {meta['config']['workers']} sync workers (the repo's "
        "`gunicorn.conf.py` when present), `DEBUG` off, PostgreSQL on the same machine. Reads: wrk, "
        f"{meta['config']['connections']} keep-alive connections, {meta['config']['duration']:g} s a run; "
        f"flows: the Python driver, {meta['config']['flow_clients']} keep-alive clients, "
        f"{meta['config']['flow_duration']:g} s a run. {meta['config']['rounds']} round(s), ours and the peer "
        "alternating within each round; figures are medians over the rounds (latency: the median of each "
        "round's percentile). Queries per request: counted in-process (Django test client) on the same data; "
        "for a cached read, `1 (miss 4)` is one query when the answer is cached, four when it is not.",
        "",
    ]
    if meta.get("peer"):
        lines += [
            f"Peer: {meta['peer']}, same gunicorn flags, the same 1,000 products, its own database.",
            "",
        ]
    if meta.get("label"):
        lines += [f"Run variant: **{meta['label']}**.", ""]
    if meta.get("note"):
        lines += [f"Note: {meta['note']}", ""]
    if meta.get("load_average"):
        start, end = meta["load_average"]["start"], meta["load_average"]["end"]
        lines += [
            f"Load average (1, 5, 15 min) at the start {start}, at the end {end}, on "
            f"{meta['machine']['cores']} cores: "
            + (
                "the machine was shared with other work when the run began, so absolute figures are low "
                "and noisy; the ratios come from interleaved rounds."
                if max(start) > meta["machine"]["cores"]
                # The end figure counts the run's own servers, load generators and PostgreSQL.
                else "the machine was otherwise idle when the run began (the end figure is the run's own load)."
            ),
            "",
        ]
    lines += targets_section(agg, queries, scales)
    lines += uncached_scale_section(agg, scales)
    lines += ["## Baselines (our server and middleware, no shop logic)", ""]
    lines += ["| scale | scenario | req/s | p50 / p95 / p99 ms | errors |", "|---|---|---:|---|---:|"]
    for scale in scales:
        for scenario in BASELINES:
            row = agg.get((scale, scenario, "baseline"))
            if row:
                lines.append(
                    f"| {scale:,} | {scenario} | {fmt(row['rate'], 0)} | {lat(row)} | {row['errors']} |"
                )
    lines.append("")
    for scenario in READS + FLOWS:
        rows = [
            (scale, agg.get((scale, scenario, "ours")), agg.get((scale, scenario, "oscar")))
            for scale in scales
        ]
        rows = [r for r in rows if r[1] or r[2]]
        cold_note = scenario in READS and any(agg.get((scale, scenario, "uncached")) for scale in scales)
        if not rows:
            continue
        unit = "req/s" if scenario in READS else ("logins/s" if scenario == "login" else "ops/s")
        lines += [f"## {scenario}", ""]
        extra = " checkout p95 ms ours / Oscar |" if scenario.startswith("flow") else ""
        if scenario in READS and any(agg.get((scale, scenario, "uncached")) for scale in scales):
            extra = " uncached req/s, p50 / p95 / p99 ms |"
        lines.append(
            f"| scale | ours {unit} | Oscar {unit} | ratio | ours p50 / p95 / p99 ms | Oscar p50 / p95 / p99 ms "
            f"| errors ours / Oscar | queries ours / Oscar |{extra}"
        )
        lines.append("|---|---:|---:|---:|---|---|---|---|" + ("---|" if extra else ""))
        for scale, ours, oscar in rows:
            ratio = ours["rate"] / oscar["rate"] if ours and oscar and oscar["rate"] else None
            q_ours, q_peer = (
                queries_for(queries, scale, "ours", scenario),
                queries_for(queries, scale, "oscar", scenario),
            )
            cells = [
                f"{scale:,}",
                fmt(ours and ours["rate"], 0 if scenario in READS else 1),
                fmt(oscar and oscar["rate"], 0 if scenario in READS else 1),
                f"{ratio:.2f}x" if ratio else "–",
                lat(ours),
                lat(oscar),
                f"{ours['errors'] if ours else '–'} / {oscar['errors'] if oscar else '–'}",
                f"{q_ours if q_ours is not None else '–'} / {q_peer if q_peer is not None else '–'}",
            ]
            if extra and scenario in READS:
                cold = agg.get((scale, scenario, "uncached"))
                cells.append(f"{fmt(cold and cold['rate'], 0)}, {lat(cold)}")
            elif extra:
                cells.append(f"{fmt(ours and ours['checkout_p95'])} / {fmt(oscar and oscar['checkout_p95'])}")
            lines.append("| " + " | ".join(cells) + " |")
        if scenario.startswith("flow") or scenario == "cart_add":
            lines += ["", "Latency columns: the whole operation (a flow = two cart adds and the checkout)."]
        if cold_note:
            lines += [
                "",
                "uncached: the same server with `CATALOGUE_CACHE=0`, in the same rounds: the cost of a miss.",
            ]
        if scenario == "login":
            lines += [
                "",
                "Login is E8 with Argon2id: its cost is this table, kept out of the flows (they log in once).",
            ]
        lines.append("")
    lines += ["## Flash sale (200 buyers, 50 units, 50 concurrent buyers)", ""]
    lines += [
        "| scale | server | processes | units sold | orders | checkouts answered 201 | seconds | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (scale, _scenario, target), row in sorted(agg.items()):
        if row["kind"] == "flash":
            lines.append(
                f"| {scale:,} | {'Oscar' if target == 'oscar' else 'ours'} | {row['processes']} | {row['units']} "
                f"of {row['offered']} | {row['orders']} | {row['checkouts_ok']} "
                f"| {row['elapsed_s']:.2f} | {row['errors']} |"
            )
    lines.append("")
    if charts:
        lines += ["## Charts", ""] + [f"![{c}]({c})" for c in charts] + [""]
    return "\n".join(lines)


def targets_section(agg, queries, scales) -> list[str]:
    small, large = min(scales), max(scales)
    lines = ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
    for scenario, wanted in PEER_TARGETS.items():
        ours, oscar = agg.get((small, scenario, "ours")), agg.get((small, scenario, "oscar"))
        if ours and oscar and oscar["rate"]:
            ratio = ours["rate"] / oscar["rate"]
            lines.append(
                f"| {scenario} ≥ {wanted:g}x Oscar | {ratio:.2f}x ({fmt(ours['rate'], 0)} vs "
                f"{fmt(oscar['rate'], 0)}) | {'yes' if ratio >= wanted else '**no**'} |"
            )
    flow = agg.get((small, "flow_cod", "ours"))
    if flow:
        p95 = flow["checkout_p95"]
        lines.append(
            f"| checkout p95 ≤ 100 ms at concurrency {flow['concurrency']} (COD) | {fmt(p95)} ms "
            f"| {'yes' if p95 is not None and p95 <= 100 else '**no**'} |"
        )
    card = agg.get((small, "flow_card", "ours"))
    if card:
        p95 = card["checkout_p95"]
        lines.append(
            f"| checkout p95 ≤ 100 ms at concurrency {card['concurrency']} (card) | {fmt(p95)} ms "
            f"| {'yes' if p95 is not None and p95 <= 100 else '**no**'} |"
        )
    probe = (queries.get(small) or queries.get(str(small)) or {}).get("ours") or {}
    for name, limit in QUERY_LIMITS.items():
        if name in probe:
            lines.append(
                f"| {name} ≤ {limit} queries | {probe[name]} | {'yes' if probe[name] <= limit else '**no**'} |"
            )
    if large != small:
        lines += _flat_rows(agg, small, large, "ours")
    for (scale, _scenario, target), row in sorted(agg.items()):
        if row["kind"] == "flash" and target == "ours":
            ok = row["units"] == row["offered"] and row.get("stock_left") == 0
            lines.append(
                f"| flash sale at {scale:,}, {row['processes']} process(es): exactly 50 of 50 | "
                f"{row['units']} of {row['offered']} sold | {'yes' if ok else '**no**'} |"
            )
    return lines + [""]


def _flat_rows(agg, small, large, target: str) -> list[str]:
    """Per FLAT_TARGETS scenario: its p95 at the large scale against the small one, for `target`."""
    rows = []
    for scenario, allowed in FLAT_TARGETS.items():
        a, b = agg.get((small, scenario, target)), agg.get((large, scenario, target))
        if a and b and a["p95"] and not (b["rate"] and b["p95"]):
            rows.append(
                f"| {scenario} p95 at {large:,} ≤ {allowed:g}x the {small:,} p95 | no answer within "
                "the run (see its table) | **no** |"
            )
        elif a and b and a["p95"]:
            ratio = b["p95"] / a["p95"]
            rows.append(
                f"| {scenario} p95 at {large:,} ≤ {allowed:g}x the {small:,} p95 | {ratio:.2f}x "
                f"({fmt(a['p95'])} → {fmt(b['p95'])} ms) | {'yes' if ratio <= allowed else '**no**'} |"
            )
    return rows


def uncached_scale_section(agg, scales) -> list[str]:
    """The same scale comparison with the response cache off: what a miss costs at each size. Not a
    target (the targets are the server as production runs it, cache on), shown so that a reader sees the
    query path itself; at 1,000 products page 500 lies past the end (an empty page)."""
    small, large = min(scales), max(scales)
    rows = _flat_rows(agg, small, large, "uncached") if large != small else []
    if not rows:
        return []
    return [
        "## Scale with the cache off (`CATALOGUE_CACHE=0`: the cost of a miss, not a target)",
        "",
        f"At {small:,} products page 500 lies past the end of the catalogue (an empty page), so its ratio "
        "compares a full page with an empty one.",
        "",
        "| comparison | measured | within the bound |",
        "|---|---|---|",
        *rows,
        "",
    ]


def charts(out: Path, stem: str, agg: dict) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    scales = sorted({key[0] for key in agg})
    small = min(scales)
    # 1. Throughput at 1,000 products: ours, Oscar, baselines.
    scenarios = [
        s
        for s in BASELINES + READS + FLOWS
        if any((small, s, t) in agg for t in ("ours", "oscar", "baseline"))
    ]
    fig, ax = plt.subplots(figsize=(12, 5))
    width = 0.4
    for offset, target, label in ((-width / 2, "ours", "ours / baseline"), (width / 2, "oscar", "Oscar")):
        values = []
        for s in scenarios:
            row = agg.get((small, s, target)) or (
                agg.get((small, s, "baseline")) if target == "ours" else None
            )
            values.append(row["rate"] if row else 0)
        ax.bar([i + offset for i in range(len(scenarios))], values, width, label=label)
    ax.set_xticks(range(len(scenarios)), scenarios, rotation=30, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("req/s or operations/s (log)")
    ax.set_title(f"Throughput at {small:,} products")
    ax.legend()
    fig.tight_layout()
    names.append(f"{stem}-throughput.png")
    fig.savefig(out / names[-1], dpi=90)
    plt.close(fig)
    # 2. p95 latency by scenario and scale (ours).
    scenarios = [s for s in READS + FLOWS if any((scale, s, "ours") in agg for scale in scales)]
    fig, ax = plt.subplots(figsize=(12, 5))
    width = 0.8 / max(1, len(scales))
    for i, scale in enumerate(scales):
        values = [(agg.get((scale, s, "ours")) or {}).get("p95") or 0 for s in scenarios]
        ax.bar(
            [j + (i - (len(scales) - 1) / 2) * width for j in range(len(scenarios))],
            values,
            width,
            label=f"ours, {scale:,} products",
        )
    oscar = [(agg.get((small, s, "oscar")) or {}).get("p95") or 0 for s in scenarios]
    ax.scatter(
        range(len(scenarios)), oscar, color="black", marker="x", label=f"Oscar, {small:,} products", zorder=3
    )
    ax.set_xticks(range(len(scenarios)), scenarios, rotation=30, ha="right")
    ax.set_ylabel("p95 latency, ms")
    ax.set_title("p95 latency by scenario and scale")
    ax.legend()
    fig.tight_layout()
    names.append(f"{stem}-latency.png")
    fig.savefig(out / names[-1], dpi=90)
    plt.close(fig)
    return names


def write(out: Path, data: dict) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    date = datetime.fromisoformat(data["meta"]["date"]).strftime("%Y-%m-%d")
    label = data["meta"].get("label")
    stem = date + ("-quick" if data["meta"].get("quick") else "") + (f"-{label}" if label else "")
    agg = aggregate(data["records"])
    json_path = out / f"{stem}.json"
    json_path.write_text(json.dumps(data, indent=1, default=str) + "\n")
    chart_names = charts(out, stem, agg)
    md_path = out / f"{stem}.md"
    md_path.write_text(markdown(data, agg, chart_names))
    return [md_path, json_path, *(out / c for c in chart_names)]


if __name__ == "__main__":  # re-render a results file: python bench/report.py bench/results/<date>.json
    import sys

    source = Path(sys.argv[1])
    write(source.parent, json.loads(source.read_text()))
