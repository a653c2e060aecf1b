"""Scan -> screen updated, in Chromium: a keyboard-wedge burst typed into the pack station screen,
timed in the page from the burst's Enter to the screen's answer; p50/p99 over a few hundred scans.

Baselines in the same run, from the same page: a bare GET /healthz, and the same scan POSTed by
fetch with no screen work, so the screen's own cost can be told from the server's.
Runs a real server (uvicorn, SQLite) and Debian's Chromium. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.site import start_site  # noqa: E402
from tests.browser.wedge import count_answers, scan  # noqa: E402

SCANS = int(os.environ.get("SCANS", "200"))
GTIN = "09506000134352"

MEASURE = """async ([n, raw]) => {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fetch(raw ? "/api/v1/scans" : "/healthz", raw ? {method: "POST", body: JSON.stringify({raw}),
      headers: {"Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID(),
                "Authorization": `Bearer ${sessionStorage.getItem("kaeru.token")}`}} : {});
    out.push(performance.now() - t0);
  }
  return out;
}"""


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(q[49], 2),
        "p99_ms": round(q[98], 2),
        "max_ms": round(ordered[-1], 2),
        "n": len(values),
    }


def main() -> None:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="kaeru-ui-bench-"))
    with start_site(f"sqlite:///{work / 'kaeru.db'}", work) as site, sync_playwright() as p:
        site.item("BENCH-TEE", GTIN, weight_g=250)
        site.receive("BENCH-TEE", 5, "A-01-1")
        site.order("BENCH-1", [("BENCH-TEE", 1)])
        site.release(["BENCH-1"])
        site.pick_all({"BENCH-TEE": GTIN})
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
        site.sign_in(page, "packer", "pack")
        for _ in range(10):  # warm up
            scan(page, "]C0ORD-BENCH-1")
        page.evaluate("window.__t = []")
        for _ in range(SCANS):
            scan(page, "]C0ORD-BENCH-1")
        samples = page.evaluate("window.__t")
        headline = page.inner_text("#banner .headline")
        healthz = page.evaluate(MEASURE, [SCANS, None])
        api_only = page.evaluate(MEASURE, [SCANS, "]C0ORD-BENCH-1"])
        browser.close()
    result = {
        "figure": "scan (keyboard-wedge burst in Chromium) -> pack station screen updated",
        "scan": "]C0ORD-BENCH-1 (opens the order's carton: POST /scans, then carton and order fetched)",
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
