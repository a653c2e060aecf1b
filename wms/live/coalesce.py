"""Merging a busy floor's events for one dashboard client. Pure: no I/O, no clock of its own.

Each topic has a rule: counters (`scan` counted by outcome), latest state (`device.health` per
device: only the newest matters), or each event kept (fraud holds, anything not listed). Between
two sends a client's pending update stays bounded by the number of keys, except for kept events;
if those pile up past `max_pending`, the client cannot keep up and is dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

RuleKind = Literal["count", "latest", "each"]


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    field: str = ""  # count: group by this payload field ("" = total only); latest: key field


RULES: dict[str, Rule] = {
    "scan": Rule("count", "outcome"),
    "order.created": Rule("count", "status"),
    "carton.closed": Rule("count"),
    "shipment.shipped": Rule("count"),
    "shipment.tracking": Rule("count", "kind"),
    "pick.progress": Rule("latest", "task"),
    "device.health": Rule("latest", "device"),
    "station.weight": Rule("latest", "station"),
    "printer.status": Rule("latest", "printer"),
    "print.job": Rule("latest", "job"),
}
EACH = Rule("each")


def rule_for(topic: str, rules: dict[str, Rule] = RULES) -> Rule:
    return rules.get(topic, EACH)


@dataclass
class Coalescer:
    """Pending events for one client, merged by rule; `take()` empties it into one update message.

    An event may come with its JSON text (`raw`): many clients share one event, and an update built
    from the texts (`take_message`) costs a string join per client instead of re-encoding every event
    for every client.
    """

    max_pending: int = 1000
    rules: dict[str, Rule] = field(default_factory=lambda: dict(RULES))
    _counts: dict[str, dict[str, int]] = field(default_factory=dict)
    _latest: dict[str, dict[str, tuple[dict[str, Any], str | None]]] = field(default_factory=dict)
    _each: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    _size: int = 0

    def __len__(self) -> int:
        return self._size

    def add(self, event: dict[str, Any], raw: str | None = None) -> bool:
        """Merge one event {"topic", "payload", "at", ...}; False when the client is too far behind."""
        topic = str(event.get("topic", ""))
        payload = event.get("payload") or {}
        rule = rule_for(topic, self.rules)
        if rule.kind == "count":
            counts = self._counts.setdefault(topic, {})
            if not counts:
                self._size += 1
            counts["total"] = counts.get("total", 0) + 1
            if rule.field:
                group = str(payload.get(rule.field, ""))
                counts[group] = counts.get(group, 0) + 1
        elif rule.kind == "latest":
            states = self._latest.setdefault(topic, {})
            key = str(payload.get(rule.field, ""))
            if key not in states:
                self._size += 1
            states[key] = (event, raw)
        else:
            self._each.append((event, raw))
            self._size += 1
        return self._size <= self.max_pending

    def _reset(self) -> None:
        self._counts, self._latest, self._each, self._size = {}, {}, [], 0

    def take(self) -> dict[str, Any] | None:
        """The merged update since the last take, or None if nothing happened."""
        if not self._size:
            return None
        update: dict[str, Any] = {
            "type": "update",
            "events": [event for event, _ in self._each],
            "latest": {
                topic: [event for event, _ in states.values()] for topic, states in self._latest.items()
            },
            "counts": self._counts,
        }
        self._reset()
        return update

    def take_message(self, at: str) -> str | None:
        """`take()` as the JSON text sent to the client, with `at` added, built from the events' texts."""
        if not self._size:
            return None

        def texts(items: Iterable[tuple[dict[str, Any], str | None]]) -> str:
            return ",".join(raw if raw is not None else _json(event) for event, raw in items)

        latest = ",".join(
            f"{_json(topic)}:[{texts(states.values())}]" for topic, states in self._latest.items()
        )
        message = (
            f'{{"type":"update","at":{_json(at)},"events":[{texts(self._each)}],'
            f'"latest":{{{latest}}},"counts":{_json(self._counts)}}}'
        )
        self._reset()
        return message


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def send_delay(*, now: float, last_sent: float, max_per_second: float) -> float:
    """Seconds to wait before the next send so that a client gets at most `max_per_second` messages."""
    return max(0.0, last_sent + 1.0 / max_per_second - now)
