"""What a simulated printer has printed: each label or receipt, its raw bytes and its picture."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class PrintedLabel:
    """One label (or receipt) that came out of a simulated printer."""

    number: int
    printer: str  # the simulator's name, e.g. "zpl@127.0.0.1:9100"
    language: str  # "zpl" or "escpos"
    raw: bytes  # the bytes that produced it
    png: bytes | None  # rendered picture; None if rendering failed
    render_note: str = ""
    text: str = ""  # text the interpreter found (ESC/POS), for searching and tests
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class Shelf:
    """Printed output of one or more simulators, newest last; optionally saved to a directory."""

    def __init__(self, directory: Path | None = None) -> None:
        self._labels: list[PrintedLabel] = []
        self._numbers = itertools.count(1)
        self._directory = directory
        self._changed = asyncio.Condition()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    async def put(
        self,
        *,
        printer: str,
        language: str,
        raw: bytes,
        png: bytes | None,
        render_note: str = "",
        text: str = "",
    ) -> PrintedLabel:
        label = PrintedLabel(
            number=next(self._numbers),
            printer=printer,
            language=language,
            raw=raw,
            png=png,
            render_note=render_note,
            text=text,
        )
        if self._directory is not None:
            stem = self._directory / f"{label.number:06d}-{language}"
            stem.with_suffix(".raw").write_bytes(raw)
            if png is not None:
                stem.with_suffix(".png").write_bytes(png)
        async with self._changed:
            self._labels.append(label)
            self._changed.notify_all()
        return label

    def __iter__(self) -> Iterator[PrintedLabel]:
        return iter(list(self._labels))

    def __len__(self) -> int:
        return len(self._labels)

    def get(self, number: int) -> PrintedLabel | None:
        return next((label for label in self._labels if label.number == number), None)

    def newest_first(self) -> list[PrintedLabel]:
        return list(reversed(self._labels))

    async def wait_for(self, count: int, within: float) -> list[PrintedLabel]:
        """Wait until at least `count` labels are on the shelf; TimeoutError otherwise."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self._labels) >= count)
        return list(self._labels)
