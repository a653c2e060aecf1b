"""Labels rendered per second, per kind and format, next to what a thermal printer can print.

Run: .venv/bin/python bench/labels_render.py   (bounded: about 1 s of rendering per cell)

The physical limit: a 6-inch label at 6 in/s is about one label per second per printer; a 1-inch
grade tag at 6 in/s about six. Rendering is measured on warm caches (fonts loaded, barcodes
encoded once), as in a running server; the first render of a process is reported separately.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable

import labels
from labels import samples

SECONDS_PER_CELL = 1.0
PRINT_SPEED_IN_PER_S = 6.0

CASES: dict[str, tuple[str, object, dict[str, str], float]] = {
    # name: (kind, data, options, label length in inches along the feed)
    "shipping": ("shipping", samples.SHIPPING, {}, 6.0),
    "return-ja": ("return", samples.RETURN, {"locale": "ja"}, 6.0),
    "return-en": ("return", samples.RETURN, {"locale": "en"}, 6.0),
    "grade-2x1": ("grade", samples.GRADE, {"size": "2x1"}, 1.0),
    "location-4x2": ("location", samples.LOCATION, {"size": "4x2"}, 2.0),
    "lpn-4x2": ("lpn", samples.LPN, {"size": "4x2"}, 2.0),
    "packing-slip-uk": ("packing-slip", samples.packing_slip("uk"), {"locale": "uk"}, 11.7),
}
FORMATS = ("zpl", "pdf", "escpos")


def rate(job: Callable[[], bytes]) -> tuple[float, int, int]:
    """(renders per second, renders done, bytes of one render) over about SECONDS_PER_CELL."""
    size = len(job())  # warm-up
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < SECONDS_PER_CELL:
        job()
        done += 1
    return done / (time.perf_counter() - start), done, size


def main() -> None:
    t0 = time.perf_counter()
    labels.render("return", samples.RETURN, "pdf", locale="ja")
    first_render_s = time.perf_counter() - t0

    results: dict[str, dict[str, dict[str, float | int]]] = {}
    for name, (kind, data, options, length_in) in CASES.items():
        printer_limit = PRINT_SPEED_IN_PER_S / length_in
        results[name] = {}
        for fmt in FORMATS:

            def job(
                kind: str = kind, data: object = data, options: dict[str, str] = options, fmt: str = fmt
            ) -> bytes:
                return labels.render(kind, data, fmt, **options)

            per_s, done, size = rate(job)
            results[name][fmt] = {
                "labels_per_s": round(per_s, 1),
                "ms_per_label": round(1000 / per_s, 2),
                "renders": done,
                "bytes": size,
                "printer_labels_per_s": round(printer_limit, 2),
                "times_faster_than_printer": round(per_s / printer_limit, 1),
            }
    slowest = min(
        (cell["times_faster_than_printer"], f"{name}/{fmt}")
        for name, cells in results.items()
        for fmt, cell in cells.items()
    )
    print(
        json.dumps(
            {
                "benchmark": "labels_render",
                "printer_limit": {
                    "speed_in_per_s": PRINT_SPEED_IN_PER_S,
                    "6in_labels_per_s": PRINT_SPEED_IN_PER_S / 6.0,
                    "note": "one 6-inch label per second at 6 in/s; baseline for every cell",
                },
                "first_render_in_process_s": round(first_render_s, 3),
                "results": results,
                "slowest_vs_printer": {"case": slowest[1], "times_faster_than_printer": slowest[0]},
                "machine": {
                    "platform": platform.platform(),
                    "cpu_count": os.cpu_count(),
                    "python": sys.version.split()[0],
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
