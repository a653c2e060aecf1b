"""Scan -> receiving screen updated, in Chromium: a GS1 code (GTIN, expiry, lot) typed as a keyboard-
wedge burst into the receiver's station while it receives a purchase order, timed in the page from the
burst's Enter to the screen's answer (the scan POSTed, the unit received on the ledger, the purchase
order's lines fetched again and drawn); p50/p99 over a few hundred scans.

Baselines in the same run, from the same page: a bare GET /healthz, and the same scan POSTed by fetch
with no screen work. Runs a real server (uvicorn, SQLite) and Debian's Chromium. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.ui_scan_latency import MEASURE, percentiles  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.site import start_site  # noqa: E402
from tests.browser.wedge import GS, count_answers, scan  # noqa: E402

SCANS = int(os.environ.get("SCANS", "200"))
GTIN = "09506000134352"  # GS1's example GTIN (GS1 General Specifications)
RAW = f"]C101{GTIN}17270131{GS}10BENCHLOT"


def main() -> None:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="kaeru-receive-bench-"))
    with start_site(f"sqlite:///{work / 'kaeru.db'}", work) as site, sync_playwright() as p:
        site.item("BENCH-MILK", GTIN, tracking="lot", category="food")
        lines = [{"sku": "BENCH-MILK", "quantity": 100_000}]
        site.call(
            "POST",
            "/api/v1/warehouses/WH1/purchase-orders",
            "receiver",
            expect=201,
            json={"number": "PO-BENCH", "supplier": "Bench", "lines": lines},
        )
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(15_000)
        count_answers(page)
        page.add_init_script("""
            window.__t = [];
            window.addEventListener("kaeru:scan", (e) => { window.__last = e.detail; });
            window.addEventListener("kaeru:shown", (e) => {
              window.__t.push([e.detail.at - window.__last.endedAt, e.detail.at - window.__last.startedAt]);
            });""")
        site.sign_in(page, "receiver", "receive")
        page.wait_for_function("document.body.dataset.screen === 'ready'")
        page.select_option("#po", "PO-BENCH")
        page.wait_for_function("document.querySelectorAll('#po-lines li').length === 1")
        for _ in range(10):  # warm up
            scan(page, RAW)
        page.evaluate("window.__t = []")
        for _ in range(SCANS):
            scan(page, RAW)
        samples = page.evaluate("window.__t")
        headline = page.inner_text("#banner .headline")
        healthz = page.evaluate(MEASURE, [SCANS, None])
        api_only = page.evaluate(MEASURE, [SCANS, RAW])
        browser.close()
    result = {
        "figure": "GS1 scan (keyboard-wedge burst in Chromium) -> receiving screen updated",
        "scan": "GTIN + expiry + lot: POST /scans receives one unit against the order; its lines fetched",
        "screen_shows": headline,
        "enter_to_screen": percentiles([s[0] for s in samples]),
        "first_key_to_screen": percentiles([s[1] for s in samples]),
        "baseline_fetch_healthz": percentiles(healthz),
        "baseline_fetch_scan_api_only": percentiles(api_only),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "browser": "Debian chromium (headless)",
            "database": "SQLite",
        },
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
