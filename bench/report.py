"""What the bench's scenarios share to report their runs."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One server's rounds on a route: mean throughput, median latencies, summed errors."""
    combined: dict[str, Any] = {
        "rps": statistics.fmean(r["rps"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "cpu": max(r["cpu"] for r in runs),
        "rounds": runs,
    }
    if all("server_cpu" in r for r in runs):
        combined["server_cpu"] = statistics.fmean(r["server_cpu"] for r in runs)
    return combined


def latencies(side: dict[str, Any], p50: int, p99: int) -> str:
    """`p50/p99` in milliseconds, in columns `p50` and `p99` characters wide."""
    return f"{side['p50_ms']:>{p50}.2f}/{side['p99_ms']:<{p99}.2f}"


def print_rows(header: str, lines: Iterable[str]) -> None:
    print(header)
    print("-" * len(header))
    for line in lines:
        print(line)


def write_results(path: Path, settings: dict[str, Any], **fields: Any) -> None:
    """A scenario's settings and results, as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"settings": settings, **fields}, indent=2) + "\n")
