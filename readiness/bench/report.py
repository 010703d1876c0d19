"""The budget's verdicts: one table on the terminal, the same figures as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from readiness.bench.measure import SESSION_ROWS, Page, Timing

# Ten times the data may cost at most this much more time, per page.
SCALING_TARGET = 1.2


def page_rows(pages: list[Page], timings: dict[int, dict[str, Timing]]) -> list[dict[str, Any]]:
    """Each page at each size as a multiple of the trivial view timed in turns with it, with
    its verdicts.

    The growth from the smallest to the largest size compares those multiples, so that a
    machine busier during one size than the other does not pass for the data's cost.
    """
    sizes = sorted(timings)
    rows = []
    for page in pages:
        by_size = {}
        for size in sizes:
            timing = timings[size][page.name]
            by_size[str(size)] = {
                "ms": round(timing.seconds * 1000, 3),
                "trivial_ms": round(timing.trivial * 1000, 3),
                "ratio": round(timing.seconds / timing.trivial, 3),
                "queries": timing.queries,
                "bytes": timing.size,
            }
        small, large = by_size[str(sizes[0])], by_size[str(sizes[-1])]
        scaling = large["ratio"] / small["ratio"] if small["ratio"] else 0.0
        queries = {figures["queries"] for figures in by_size.values()}
        row = {
            "name": page.name,
            "target": page.target,
            "sizes": by_size,
            "scaling": round(scaling, 3),
            "scaling_target": SCALING_TARGET,
            "queries_constant": len(queries) == 1,
            "ratio_pass": all(f["ratio"] <= page.target for f in by_size.values()),
            "scaling_pass": len(sizes) < 2 or scaling <= SCALING_TARGET,
        }
        row["pass"] = row["ratio_pass"] and row["scaling_pass"] and row["queries_constant"]
        rows.append(row)
    return rows


def session_row_verdicts(measured: dict[str, float]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "target": target,
            "unit": unit,
            "measured": round(measured[name], 3),
            "pass": measured[name] <= target,
        }
        for name, target, unit in SESSION_ROWS
    ]


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def page_table(rows: list[dict[str, Any]], trivial: dict[int, float]) -> list[str]:
    sizes = list(rows[0]["sizes"]) if rows else []
    head = f"{'page':<30}{'target':>8}"
    for size in sizes:
        head += f"{f'ms@{size}':>11}{f'x@{size}':>9}{f'q@{size}':>8}"
    head += f"{'10x data':>10}  verdict"
    lines = [head]
    for row in rows:
        line = f"{row['name']:<30}{row['target']:>7}x"
        for size in sizes:
            f = row["sizes"][size]
            line += f"{f['ms']:>11.1f}{f['ratio']:>8.1f}x{f['queries']:>8}"
        line += f"{row['scaling']:>9.2f}x  {_verdict(row['pass'])}"
        notes = []
        if not row["ratio_pass"]:
            notes.append("over its target")
        if not row["scaling_pass"]:
            notes.append(f"grows more than {SCALING_TARGET}x")
        if not row["queries_constant"]:
            notes.append("query count differs between sizes")
        if notes:
            line += f" ({'; '.join(notes)})"
        lines.append(line)
    trivial_ms = ", ".join(f"{t * 1000:.2f} ms at {size}" for size, t in sorted(trivial.items()))
    lines.append(f"trivial view: {trivial_ms}")
    return lines


def session_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [f"{'what':<34}{'measured':>12}{'target':>12}"]
    for row in rows:
        bytes_ = row["unit"] == "bytes"
        shown = f"{row['measured']:,.0f}" if bytes_ else f"{row['measured']:.2f}x"
        goal = f"{row['target']:,}" if bytes_ else f"{row['target']:.2f}x"
        lines.append(f"{row['name']:<34}{shown:>12}{goal:>12}  {_verdict(row['pass'])}")
    return lines


def load_table(load: dict[str, Any]) -> list[str]:
    lines = [
        f"Load run: {load['users']} users for {load['seconds']:.0f} s against gunicorn "
        f"({load['workers']} workers x {load['threads']} threads): "
        f"{load['requests']} requests, {load['rps']:.1f} requests/s, "
        f"{load['errors']} errors  {_verdict(load['errors'] == 0)}",
        f"{'request':<30}{'count':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}",
    ]
    for name, kind in load["kinds"].items():
        lines.append(
            f"{name:<30}{kind['count']:>8}{kind['rps']:>8.1f}{kind['p50_ms']:>9.1f}"
            f"{kind['p95_ms']:>9.1f}{kind['errors']:>8}"
        )
    lines += [f"  error: {error}" for error in load.get("error_samples", [])]
    return lines


def write_json(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
