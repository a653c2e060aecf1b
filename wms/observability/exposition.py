"""/metrics: this process's metrics (or every worker's, in multiprocess mode) and the database's.

Multiprocess mode is prometheus-client's own: with PROMETHEUS_MULTIPROC_DIR set before the first
import of prometheus_client, every process writes its samples to files there, and a scrape of any
worker merges them. `kaeru serve --workers N` sets it to a fresh directory (`multiprocess_dir`). The
files of a worker that died are dropped from the live gauges at the next scrape.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db$")


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower())
    return Path(value) if value else None


def prepare_multiprocess_dir() -> Path:
    """For `kaeru serve --workers N`: the directory the workers share (made empty; set in the environment
    that the workers inherit). A directory given by the operator is emptied of a previous run's files."""
    path = multiprocess_dir()
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="kaeru-metrics-"))
        os.environ[MULTIPROC_ENV] = str(path)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return path


def _forget_dead_processes(path: Path) -> None:
    for file in path.glob("gauge_live*.db"):
        match = _LIVE_FILE.search(file.name)
        if match is None:
            continue
        pid = int(match.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(path))
        except PermissionError:
            pass  # alive, another user's


def render(database: CollectorRegistry) -> tuple[bytes, str]:
    """The exposition text: process metrics (merged over workers when multiprocess) and the database's."""
    path = multiprocess_dir()
    if path is not None:
        _forget_dead_processes(path)
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged, str(path))
        own = generate_latest(merged)
    else:
        own = generate_latest(REGISTRY)
    return own + generate_latest(database), CONTENT_TYPE_LATEST
