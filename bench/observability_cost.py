"""What metrics and tracing cost the scan path: the same Kaeru server with both off, with metrics only,
with metrics and every request traced, and with metrics and a sampled share of requests traced — in
the same run, taking turns.

Metrics are /metrics with request timing and every counter. Traces go over OTLP/HTTP to a collector
stand-in on 127.0.0.1 that takes each batch and answers 200, as a collector would. "off" is
KAERU_METRICS_ENABLED=false and no OTLP endpoint. Each server runs in its own uvicorn process on its own
database, with its outbox relay, as `kaeru serve` does.

    .venv/bin/python bench/observability_cost.py [--seconds 6] [--rounds 4] [--handhelds 16]
        [--backend postgresql]

The configurations take turns for --rounds rounds (order reversed every other round: the machine is
shared and noisy); each figure is the median over rounds of its throughput (closed loop) and median
latency over those of "off" in the same round.
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


def server_pid(base: str) -> int:
    """The uvicorn process serving `base` (found by its --port argument)."""
    port = base.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"uvicorn" in b" ".join(args) and port.encode() in args:
            return int(proc.name)
    raise RuntimeError(f"no server process for {base}")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used: what a request costs, whatever else
    the machine is doing (throughput on a shared two-core machine swings with the neighbours' load)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    parser.add_argument("--ratio", type=float, default=0.1, help="the sampled configuration's trace ratio")
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
        "off": "KAERU_METRICS_ENABLED=false, no OTLP endpoint",
        "traces": "exported over OTLP/HTTP to a sink on 127.0.0.1 that answers 200 as a collector does",
    }
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(otlp_sink())
        traced = {"KAERU_METRICS_ENABLED": "true", "KAERU_OTLP_ENDPOINT": sink}
        configurations = {
            "off": {"KAERU_METRICS_ENABLED": "false"},
            "metrics": {"KAERU_METRICS_ENABLED": "true"},
            "metrics_and_every_trace": {**traced, "OTEL_TRACES_SAMPLER": "always_on"},
            f"metrics_and_{args.ratio:g}_of_traces": {
                **traced,
                "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG": str(args.ratio),
            },
        }
        targets = {
            name: stack.enter_context(kaeru(args.backend, args.handhelds, env))
            for name, env in configurations.items()
        }
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
        order = list(targets)
        for n in range(args.rounds):
            for name in order if n % 2 == 0 else reversed(order):
                base, tokens, codes = targets[name]
                pid = server_pid(base)
                used = cpu_seconds(pid)
                with load_generator_without_gc():
                    run = asyncio.run(closed_loop(base, tokens, codes, args.seconds))
                run["server_cpu_ms_per_scan"] = round((cpu_seconds(pid) - used) * 1000 / run["requests"], 3)
                rounds[name].append(run)
        scraped = httpx.get(targets["metrics"][0] + "/metrics", timeout=10).text
    for name, runs in rounds.items():
        if name == "off":
            continue
        pairs = list(zip(runs, rounds["off"], strict=True))
        throughput = [on["per_second"] / off["per_second"] for on, off in pairs]
        latency = [on["p50_ms"] / off["p50_ms"] for on, off in pairs]
        cpu = [on["server_cpu_ms_per_scan"] / off["server_cpu_ms_per_scan"] for on, off in pairs]
        results[name] = {
            "server_cpu_per_scan_over_off_per_round": [round(x, 3) for x in cpu],
            "server_cpu_per_scan_over_off_median": round(statistics.median(cpu), 3),
            "throughput_over_off_per_round": [round(x, 3) for x in throughput],
            "throughput_over_off_median": round(statistics.median(throughput), 3),
            "cost_percent_median": round((1 - statistics.median(throughput)) * 100, 1),
            "p50_latency_over_off_median": round(statistics.median(latency), 3),
        }
    results["otlp_batches_received"] = _Collector.batches
    results["otlp_bytes_received"] = _Collector.spans_bytes
    results["metrics_scans_counted"] = "kaeru_scans_total" in scraped
    results["rounds_detail"] = rounds
    results["machine"]["load_avg_at_end"] = os.getloadavg()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
