"""Medians of per-round ratios, verdicts against the targets, and the table, JSON and chart."""

import json
from pathlib import Path
from statistics import median

import matplotlib

matplotlib.use("Agg")  # no display: write the PNG only
import matplotlib.pyplot as plt

from bench.endpoints import NAMES

SCHEMA_BUDGET = 0.15
# The product on gunicorn against each schema-driven peer (same server): rps ratio.
PEER_MARGIN = 1.25
# The product as shipped against FastAPI: the goal, and the moonshot.
FASTAPI_GOAL, FASTAPI_MOONSHOT = 0.9, 1.0
# Switch the shipped server to granian only if it serves this many more requests per CPU
# than gunicorn on get-one and post (and the operations suite passes on it).
SERVER_MARGIN = 1.15
SERVER_ENDPOINTS = ("get-one", "post")
METRICS = ("rps", "p50_ms", "p99_ms", "cpu_us_per_request", "rss_mb", "server_cores")


def summarize(runs: list[dict], roles: dict[str, str], servers: dict[str, str]) -> list[dict]:
    """One row per contender and endpoint: medians over rounds, and ratios taken within each
    round (against the FastAPI peer and the bare-Flask baseline) then their median. The
    baseline is bare Flask on the contender's own server when the run has it (a server
    changes CPU per request by a third: comparing across servers would credit the app with
    the server's work), else `flask-bare` (gunicorn sync)."""
    index = {(run["contender"], run["endpoint"], run["round"]): run for run in runs}
    rounds = sorted({run["round"] for run in runs})
    peer = next((name for name, role in roles.items() if role == "fastapi"), None)
    bares = [name for name, role in roles.items() if role == "flask-bare"]
    schema_peers = [name for name, role in roles.items() if role == "schema-peer"]

    fallback = "flask-bare" if "flask-bare" in bares else next(iter(bares), None)

    def baseline(name: str) -> str | None:
        same_server = [bare for bare in bares if servers[bare] == servers[name]]
        return same_server[0] if same_server else fallback

    def ratio(name: str, endpoint: str, baseline: str | None, metric: str) -> float | None:
        pairs = [
            (index.get((name, endpoint, n)), index.get((baseline, endpoint, n))) for n in rounds
        ]
        values = [mine[metric] / theirs[metric] for mine, theirs in pairs if mine and theirs]
        return median(values) if values else None

    rows = []
    for name, role in roles.items():
        bare = baseline(name)
        for endpoint in NAMES:
            mine = [index[key] for n in rounds if (key := (name, endpoint, n)) in index]
            rows.append(
                {
                    "contender": name,
                    "role": role,
                    "server": servers[name],
                    "baseline": bare,
                    "same_server_baseline": bare is not None and servers[bare] == servers[name],
                    "endpoint": endpoint,
                    **{metric: median(run[metric] for run in mine) for metric in METRICS},
                    "rps_vs_fastapi": ratio(name, endpoint, peer, "rps"),
                    "rps_vs_bare": ratio(name, endpoint, bare, "rps"),
                    "p99_vs_fastapi": ratio(name, endpoint, peer, "p99_ms"),
                    "cpu_vs_bare": ratio(name, endpoint, bare, "cpu_us_per_request"),
                    # Against each schema-driven peer (APIFlask, flask-smorest).
                    "rps_vs_peer": {p: ratio(name, endpoint, p, "rps") for p in schema_peers},
                    "cpu_vs_peer": {
                        p: ratio(name, endpoint, p, "cpu_us_per_request") for p in schema_peers
                    },
                }
            )
    return rows


def _minus_one(ratio: float | None) -> float | None:
    return None if ratio is None else ratio - 1


def _verdict(values: dict[str, float | None], passes, show) -> str:
    if any(value is None for value in values.values()):
        return "n/a (needs both peers in the run)"
    shown = ", ".join(f"{endpoint} {show(value)}" for endpoint, value in values.items())
    return f"{'PASS' if all(map(passes, values.values())) else 'FAIL'} ({shown})"


def verdicts(rows: list[dict], workers: int) -> list[str]:
    """One line per target and product configuration."""
    lines = []
    for name in dict.fromkeys(row["contender"] for row in rows if row["role"] == "product"):
        mine = {row["endpoint"]: row for row in rows if row["contender"] == name}
        throughput = {e: row["rps_vs_fastapi"] for e, row in mine.items()}
        p99 = {e: row["p99_vs_fastapi"] for e, row in mine.items()}
        schema = {e: _minus_one(row["cpu_vs_bare"]) for e, row in mine.items()}
        first = next(iter(mine.values()))
        if first["same_server_baseline"]:
            schema_verdict = _verdict(schema, lambda v: v <= SCHEMA_BUDGET, lambda v: f"{v:+.0%}")
            schema_verdict += f" against {first['baseline']}"
        else:
            schema_verdict = f"n/a (no bare-Flask contender on {first['server']} in this run)"
        lines += [
            f"- **{name}**, throughput >= {FASTAPI_GOAL}x FastAPI on every endpoint: "
            + _verdict(throughput, lambda v: v >= FASTAPI_GOAL, lambda v: f"{v:.2f}x"),
            f"- **{name}**, moonshot >= {FASTAPI_MOONSHOT}x FastAPI on every endpoint: "
            + _verdict(throughput, lambda v: v >= FASTAPI_MOONSHOT, lambda v: f"{v:.2f}x"),
            f"- **{name}**, p99 no worse than FastAPI's: "
            + _verdict(p99, lambda v: v <= 1.0, lambda v: f"{v:.2f}x"),
            f"- **{name}**, schema layer <= {SCHEMA_BUDGET:.0%} CPU per request over bare Flask "
            "on the same server: " + schema_verdict,
        ]
    lines += peer_verdicts(rows)
    lines += server_verdict(rows)
    lines.append(f"- Same number of worker processes: yes, {workers} for every contender.")
    return lines


def peer_verdicts(rows: list[dict]) -> list[str]:
    """product-gunicorn's rps over each schema-driven peer's (all on gunicorn sync)."""
    peers = [row["contender"] for row in rows if row["role"] == "schema-peer"]
    mine = {row["endpoint"]: row for row in rows if row["contender"] == "product-gunicorn"}
    if not peers:
        return []
    heading = f"- **product-gunicorn** at least {PEER_MARGIN:.2f}x each schema-driven peer's rps"
    if not mine:
        return [f"{heading}: n/a (needs product-gunicorn in the run)"]
    lines = []
    for peer in dict.fromkeys(peers):
        ratios = {e: row["rps_vs_peer"].get(peer) for e, row in mine.items()}
        verdict = _verdict(ratios, lambda v: v >= PEER_MARGIN, lambda v: f"{v:.2f}x")
        lines.append(f"{heading} on every endpoint, against {peer}: {verdict}")
    return lines


def server_verdict(rows: list[dict]) -> list[str]:
    """Requests per CPU second of the product on granian over the product on gunicorn (as
    shipped, with its access line), from each one's median CPU per request."""
    cpu = {
        (row["contender"], row["endpoint"]): row["cpu_us_per_request"]
        for row in rows
        if row["contender"] in ("product-gunicorn", "product-granian")
    }
    heading = (
        f"- **server**: product-granian serves >= {SERVER_MARGIN:.2f}x the requests per CPU "
        f"of product-gunicorn on {' and '.join(SERVER_ENDPOINTS)}"
    )
    ratios = {
        endpoint: cpu[("product-gunicorn", endpoint)] / cpu[("product-granian", endpoint)]
        for endpoint in SERVER_ENDPOINTS
        if ("product-gunicorn", endpoint) in cpu and ("product-granian", endpoint) in cpu
    }
    if len(ratios) < len(SERVER_ENDPOINTS):
        return [f"{heading}: n/a (needs both in the run)"]
    return [f"{heading}: " + _verdict(ratios, lambda v: v >= SERVER_MARGIN, lambda v: f"{v:.2f}x")]


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(rows: list[dict]) -> str:
    lines = [
        "| Contender | Endpoint | rps | x FastAPI | x bare Flask | p50 ms | p99 ms "
        "| CPU µs/req | CPU x bare Flask | RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['contender']} | {row['endpoint']} | {row['rps']:.0f} "
            f"| {_x(row['rps_vs_fastapi'])} | {_x(row['rps_vs_bare'])} "
            f"| {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['cpu_us_per_request']:.0f} "
            f"| {_x(row['cpu_vs_bare'])} | {row['rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def peer_table(rows: list[dict]) -> list[str]:
    """product-gunicorn against each schema-driven peer, per endpoint (empty without them)."""
    peers = list(dict.fromkeys(row["contender"] for row in rows if row["role"] == "schema-peer"))
    mine = [row for row in rows if row["contender"] == "product-gunicorn"]
    if not peers or not mine:
        return []
    header = "| Endpoint | " + " | ".join(f"rps x {peer} | CPU x {peer}" for peer in peers)
    lines = [
        "## The product against the schema-driven Flask peers",
        "",
        "product-gunicorn's rps and CPU per request over each peer's (all on gunicorn sync), "
        "medians of per-round ratios: rps above 1 is faster, CPU below 1 is cheaper.",
        "",
        header + " |",
        "|---|" + "---:|---:|" * len(peers),
    ]
    for row in mine:
        cells = [
            f"{_x(row['rps_vs_peer'].get(peer))} | {_x(row['cpu_vs_peer'].get(peer))}"
            for peer in peers
        ]
        lines.append(f"| {row['endpoint']} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def markdown(meta: dict, rows: list[dict], verdict_lines: list[str]) -> str:
    settings = meta["settings"]
    load = meta["loadavg"]
    return "\n".join(
        [
            "# Benchmark: the product against bare Flask, FastAPI, APIFlask and flask-smorest",
            "",
            f"`{meta['command']}` on {meta['date']}, commit {meta['commit']}; "
            f"wall time {meta['wall_seconds']:.0f} s.",
            "",
            f"{settings['rounds']} rounds, contenders in rotating order, each started fresh "
            f"per round with {settings['workers']} worker processes; per endpoint a "
            f"{settings['warmup']} s warm-up, then `wrk -t1 -c{settings['connections']} "
            f"-d{settings['duration']}s` on 127.0.0.1. Values are medians over rounds; ratios "
            "are medians of per-round ratios (x FastAPI: rps ratio, above 1 is faster; "
            "x bare Flask: against bare Flask on the contender's own server where the run has "
            "it, else on gunicorn; CPU x bare Flask: below 1 is cheaper). CPU is the server's "
            "whole process group (utime + stime from /proc) per request; RSS is the workers' "
            "sum at the end of a run.",
            "",
            table(rows),
            "",
            *peer_table(rows),
            "## Targets",
            "",
            *verdict_lines,
            "",
            "## Conditions",
            "",
            f"- Machine: {meta['machine']}; loadavg (1 min) over the runs: median "
            f"{load['median']:.1f}, range {load['min']:.1f} to {load['max']:.1f}. The machine is "
            "shared: compare ratios and CPU per request, not absolute rps.",
            f"- Versions: {meta['versions']}.",
            *(f"- {name}: {note}." for name, note in meta["notes"].items()),
            "- Same data for all: one throwaway PostgreSQL database seeded through the product "
            "(one user's bearer token from `POST /api/v1/tokens`; 1,100 of its resources among "
            "110 of another user's, half of those public, one granted: 12 pages of 100 visible). "
            "Every contender looks the token up by its SHA-256 (expiry, revocation, scope), runs "
            "the same queries (GET: the resource and the visibility rule; list: the count and "
            "one page of 100 by created_at; POST: one INSERT) and its bodies were checked equal "
            "to the product's (GET one, the first page, one cold page, POST) before measuring. "
            "The rows POST adds are deleted after each POST run.",
            "- list-100-warm re-reads the first page; list-100-cold asks for the second to the "
            "last page in turn, one per request (the same sequence for every contender, from the "
            "start at each wrk run): a page comes back every 11 requests, after ~1,050 other rows.",
            "- The product runs with SERVICE_ENV=production, but rate limits off "
            "(SERVICE_RATE_LIMITS=0: not part of the compared work) and the contract guard off. "
            "The product, bare Flask and FastAPI read in autocommit (GET and list: no "
            "BEGIN/ROLLBACK round trips) and write in a transaction (POST: BEGIN, the token, "
            "INSERT, COMMIT); none pings its pooled connections. APIFlask and flask-smorest run "
            "with Flask-SQLAlchemy's defaults, as their users get them: a transaction per "
            "request (reads end in ROLLBACK), and POST reloads the row after COMMIT (one more "
            "BEGIN, SELECT, ROLLBACK).",
            "- The FastAPI peer writes timestamps with `datetime.isoformat` (a pydantic "
            "PlainSerializer, one Python call per timestamp) so that its bodies equal the "
            "product's; pydantic's own `Z` form would be a little cheaper.",
            "- JSON is one of the product's levers, not given to the peers: the product writes "
            "responses with orjson and decodes the `data` column with orjson where that is "
            "exact; the peers decode with psycopg's default (the standard library), and bare "
            "Flask writes with `jsonify`'s.",
            "",
        ]
    )


def chart(rows: list[dict], path: Path, title: str) -> None:
    """Grouped bars per endpoint: rps relative to FastAPI, and server CPU per request."""
    names = list(dict.fromkeys(row["contender"] for row in rows))
    by_key = {(row["contender"], row["endpoint"]): row for row in rows}
    figure, (speed, cpu) = plt.subplots(1, 2, figsize=(11, 4.6))
    width = 0.8 / len(names)
    for offset, name in enumerate(names):
        xs = [i + (offset - (len(names) - 1) / 2) * width for i in range(len(NAMES))]
        ratios = [by_key[(name, e)]["rps_vs_fastapi"] or 0 for e in NAMES]
        costs = [by_key[(name, e)]["cpu_us_per_request"] for e in NAMES]
        speed.bar(xs, ratios, width, label=name)
        cpu.bar(xs, costs, width, label=name)
    speed.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    speed.set_title("Throughput vs FastAPI (median of per-round ratios)")
    cpu.set_title("Server CPU per request (µs, median)")
    for axes in (speed, cpu):
        axes.set_xticks(range(len(NAMES)), NAMES)
        axes.grid(axis="y", alpha=0.3)
    figure.legend(
        *speed.get_legend_handles_labels(), loc="lower center", ncol=len(names), fontsize="small"
    )
    figure.suptitle(title, fontsize="medium")
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write(folder: Path, meta: dict, runs: list[dict], rows: list[dict], lines: list[str]) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    text = markdown(meta, rows, lines)
    (folder / "latest.md").write_text(text)
    data = {"meta": meta, "summary": rows, "verdicts": lines, "runs": runs}
    (folder / "latest.json").write_text(json.dumps(data, indent=1) + "\n")
    title = f"{meta['date']}, {meta['settings']['workers']} workers each, {meta['machine']}"
    chart(rows, folder / "latest.png", title)
    return text
