"""The load generator: N keep-alive connections hammering one route; prints a JSON summary.

Run in its own process (`python -m bench.load --url ... --path ...`) so that it never shares an
event loop or a GIL with the server it measures.

It speaks HTTP/1.1 over raw asyncio streams on uvloop instead of using httpx: the request bytes
are built once and a response is read as headers plus `Content-Length` bytes. Against the
baseline's /healthz on a 2-CPU VM this cost ~90 µs of CPU per request, where an
`httpx.AsyncClient` with the same 16 connections cost ~4 ms and could not pass ~220 req/s:
httpx would have been the bottleneck, and more so for the faster server. `cpu` in the summary
(the generator's CPU time over wall time) shows how close it came to saturating its core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


def build_request(method: str, host: str, path: str, headers: list[str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *headers]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; returns its status and whether the server keeps the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, keep_alive = 0, True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep_alive = False
        elif name == b"transfer-encoding":
            raise RuntimeError(
                "chunked responses are not supported; the routes send Content-Length"
            )
    await reader.readexactly(length)
    return status, keep_alive


async def worker(
    host: str,
    port: int,
    request: bytes,
    measure_from: float,
    stop_at: float,
    latencies: list[float],
    errors: dict[int, int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (started := time.perf_counter()) < stop_at:
            writer.write(request)
            status, keep_alive = await read_response(reader)
            finished = time.perf_counter()
            # Requests started during the warm-up are not counted.
            if started >= measure_from:
                latencies.append(finished - started)
                if not 200 <= status < 300:
                    errors[status] = errors.get(status, 0) + 1
            if not keep_alive:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


async def run(args: argparse.Namespace) -> dict[str, object]:
    url = urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    headers = [f"Authorization: Bearer {args.token}"] if args.token else []
    request = build_request(args.method, f"{host}:{port}", args.path, headers, args.body.encode())

    start = time.perf_counter()
    measure_from = start + args.warmup
    stop_at = measure_from + args.duration
    latencies: list[float] = []
    errors: dict[int, int] = {}
    cpu_start = time.process_time()
    await asyncio.gather(
        *(
            worker(host, port, request, measure_from, stop_at, latencies, errors)
            for _ in range(args.concurrency)
        )
    )
    # Requests in flight at `stop_at` finish a little after it: divide by the real window.
    elapsed = time.perf_counter() - measure_from
    cpu = (time.process_time() - cpu_start) / (time.perf_counter() - start)
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "errors": sum(errors.values()),
        "error_statuses": {str(k): v for k, v in sorted(errors.items())},
        "cpu": cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--path", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="")
    parser.add_argument("--token", default=None, help="sent as `Authorization: Bearer <token>`")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(args))
    else:
        result = uvloop.run(run(args))
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
