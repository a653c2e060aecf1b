"""The screens' string tables: one JSON file per language, keyed alike; English is the reference.

A string may hold `{name}` placeholders; every translation must use the same ones.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = "en"
LANGUAGES = tuple(sorted((p.stem for p in HERE.glob("*.json")), key=lambda c: (c != REFERENCE, c)))
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@lru_cache
def load_table(code: str) -> dict[str, str]:
    table = json.loads((HERE / f"{code}.json").read_text(encoding="utf-8"))
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ValueError(f"{code}.json must map keys to strings")
    return table


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def table_faults(reference: dict[str, str], table: dict[str, str]) -> list[str]:
    """What a translation lacks or gets wrong compared with the reference table."""
    faults = [f"missing {key!r}" for key in reference if key not in table]
    faults += [f"unknown {key!r}" for key in table if key not in reference]
    for key, text in table.items():
        if key in reference and placeholders(text) != placeholders(reference[key]):
            faults.append(
                f"{key!r} has placeholders {sorted(placeholders(text))}, "
                f"expected {sorted(placeholders(reference[key]))}"
            )
        if key in reference and not text.strip():
            faults.append(f"{key!r} is empty")
    return faults
