"""What metrics and tracing cost the scan path: the same Kaeru server with both off and with both on,
in the same run, taking turns.

"on" is /metrics with request timing and every counter, and tracing of every request (sampler always
on, the worst case) exported over OTLP/HTTP to a collector stand-in on 127.0.0.1 that takes each batch
and answers 200, as a collector would. "off" is KAERU_METRICS_ENABLED=false and no OTLP endpoint. Each
server runs in its own uvicorn process on its own database, with its outbox relay, as `kaeru serve` does.

    .venv/bin/python bench/observability_cost.py [--seconds 6] [--rounds 4] [--handhelds 16]
        [--backend postgresql]

The two take turns for --rounds rounds (order swapped every round: the machine is shared and noisy);
the figure is the median over rounds of on/off throughput (closed loop) and of on/off median latency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scan_ingest import (  # noqa: E402
    PG_ADMIN,
    _drop_database,
    closed_loop,
    load_generator_without_gc,
    prepare,
    server,
)


class _Collector(BaseHTTPRequestHandler):
    spans_bytes = 0
    batches = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).spans_bytes += len(body)
        type(self).batches += 1
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@contextlib.contextmanager
def otlp_sink() -> Iterator[str]:
    """An OTLP/HTTP endpoint on 127.0.0.1 that accepts every export (what a collector answers)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@contextlib.contextmanager
def kaeru(backend: str, handhelds: int, env: dict[str, str]) -> Iterator[tuple[str, list[str], list[str]]]:
    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite:///{tmp}/bench.db"
        else:
            name = f"kaeru_obsbench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            stack.callback(_drop_database, name)
            url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        tokens, codes = prepare(url, handhelds)
        full_env = {"KAERU_DATABASE_URL": url, "KAERU_ENVIRONMENT": "test", "KAERU_RUN_RELAY": "true", **env}
        base = stack.enter_context(server("wms.app:create_app", full_env))
        asyncio.run(closed_loop(base, tokens[:4], codes, 1.0))  # warm-up
        yield base, tokens, codes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--handhelds", type=int, default=16)
    parser.add_argument("--backend", default="postgresql", choices=["postgresql", "sqlite"])
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_at_start": os.getloadavg(),
        },
        "backend": args.backend,
        "handhelds": args.handhelds,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "on": "metrics + tracing of every request, exported over OTLP/HTTP to a local sink",
        "off": "KAERU_METRICS_ENABLED=false, no OTLP endpoint",
    }
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(otlp_sink())
        targets = {
            "off": stack.enter_context(
                kaeru(args.backend, args.handhelds, {"KAERU_METRICS_ENABLED": "false"})
            ),
            "on": stack.enter_context(
                kaeru(
                    args.backend,
                    args.handhelds,
                    {
                        "KAERU_METRICS_ENABLED": "true",
                        "KAERU_OTLP_ENDPOINT": sink,
                        "OTEL_BSP_SCHEDULE_DELAY": "1000",
                    },
                )
            ),
        }
        rounds: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
        for n in range(args.rounds):
            for name in ("off", "on") if n % 2 == 0 else ("on", "off"):
                base, tokens, codes = targets[name]
                with load_generator_without_gc():
                    rounds[name].append(asyncio.run(closed_loop(base, tokens, codes, args.seconds)))
        scraped = httpx.get(targets["on"][0] + "/metrics", timeout=10).text
    throughput = [
        on["per_second"] / off["per_second"] for on, off in zip(rounds["on"], rounds["off"], strict=True)
    ]
    latency = [on["p50_ms"] / off["p50_ms"] for on, off in zip(rounds["on"], rounds["off"], strict=True)]
    results.update(
        {
            "throughput_on_over_off_per_round": [round(x, 3) for x in throughput],
            "throughput_on_over_off_median": round(statistics.median(throughput), 3),
            "p50_latency_on_over_off_median": round(statistics.median(latency), 3),
            "cost_percent_median": round((1 - statistics.median(throughput)) * 100, 1),
            "otlp_batches_received": _Collector.batches,
            "otlp_bytes_received": _Collector.spans_bytes,
            "metrics_scans_counted": "kaeru_scans_total" in scraped,
            "rounds_detail": rounds,
        }
    )
    results["machine"]["load_avg_at_end"] = os.getloadavg()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
