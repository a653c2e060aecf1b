"""The simulated floor: a believable day driven through Kaeru's real HTTP API and station devices.

Staff sign in with their accounts and work as people do: the brand's platform (integrator) sends
orders as they arrive over the day, a manager releases them to pickers, pickers confirm each line
with scans, the pack station verifies cartons by scan and weighs them on its scale, cartons are
handed to the carrier at each pick-up, the carrier reports tracking events, and shoppers send some
of it back. Returned parcels are scanned and weighed at a returns station, graded with the
category's checklist and put away by scanning the grade tag and the destination. The manager looks
at held returns now and then.

Where a station has devices, the floor uses them: it types into the station's simulated scanner
and puts weights on its simulated scale (simulators/site.py), so scans travel through the station
agent like a real scanner's; without them, it sends the station's scans and weights itself with a
device token, as the agent would. Decisions (what is ordered, returned, found in the box) come from
simulators/day.py, seeded; the interleaving of concurrent workers follows the server's pace.
A refused request (4xx) is logged and the worker moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import itertools
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx

from simulators import day
from simulators.day import CatalogueItem, ReturnPlan

log = logging.getLogger("simulators.floor")
DEMO_PASSWORD = "kaeru-demo"  # noqa: S105 - the demo site's published password (wms/seed.py)


@dataclass(frozen=True)
class FloorOptions:
    server: str
    speed: float = 1800.0  # simulated seconds per real second
    duration: float | None = None  # real seconds; None: until cancelled
    seed: int = 7
    orders_per_day: float = 48.0
    warehouse: str = "WH1"
    timezone: str = "America/Chicago"
    password: str = DEMO_PASSWORD
    pickers: int = 2
    start: datetime | None = None  # local simulated start; default today 08:00 at the warehouse
    run_id: str = ""  # makes order numbers and idempotency keys unique across runs on one database
    scan_wait: float = 8.0  # real seconds to wait for the server to see what was scanned
    more_returns: float = 1.0  # multiplies the categories' return rates (demos, tests)


@dataclass
class FloorStats:
    orders_placed: int = 0
    tasks_released: int = 0
    lines_picked: int = 0
    cartons_closed: int = 0
    shipped: int = 0
    delivered: int = 0
    exceptions: int = 0
    returns_requested: int = 0
    parcels_received: int = 0
    units_graded: int = 0
    units_put_away: int = 0
    holds_decided: int = 0
    units_received: int = 0
    refusals: int = 0
    errors: int = 0
    grades: Counter[str] = field(default_factory=Counter)
    fraud: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        plain = {k: v for k, v in self.__dict__.items() if not isinstance(v, Counter)}
        return plain | {k: dict(v) for k, v in self.__dict__.items() if isinstance(v, Counter)}


class Clock:
    """Simulated local time running `speed` times faster than the wall clock."""

    def __init__(self, speed: float, start: datetime) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    async def sleep(self, sim_seconds: float) -> None:
        await asyncio.sleep(max(0.0, sim_seconds) / self.speed)

    async def until(self, at: datetime) -> None:
        await self.sleep((at - self.now()).total_seconds())

    async def idle(self, sim_seconds: float, *, at_least: float = 0.2) -> None:
        """Wait between rounds of routine work, never so briefly that a fast clock turns it into a
        busy loop against the server."""
        await asyncio.sleep(max(at_least, sim_seconds / self.speed))


# --- the API, as each member of staff -------------------------------------------------------------


class Api:
    """Kaeru's HTTP API with a token per person; refusals are logged and answered with None."""

    def __init__(self, server: str, stats: FloorStats, run_id: str) -> None:
        self.client = httpx.AsyncClient(base_url=server.rstrip("/"), timeout=15.0)
        self.tokens: dict[str, str] = {}
        self.stats = stats
        self.run_id = run_id
        self._keys = itertools.count(1)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def sign_in(self, who: str, username: str, password: str) -> bool:
        response = await self.client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        if response.status_code != 200:
            log.error("%s could not sign in as %r: %s", who, username, response.text)
            return False
        self.tokens[who] = response.json()["token"]
        return True

    def key(self) -> str:
        return f"floor-{self.run_id}-{next(self._keys)}"

    async def call(
        self,
        who: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        keyed: bool = False,
        quiet: bool = False,
    ) -> Any:
        """The answer's JSON, or None when refused or unreachable (logged unless `quiet`)."""
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if keyed:
            headers["Idempotency-Key"] = self.key()
        try:
            response = await self.client.request(method, path, json=json, params=params, headers=headers)
        except httpx.HTTPError as exc:
            self.stats.errors += 1
            log.warning("%s %s %s: server unreachable (%s)", who, method, path, exc.__class__.__name__)
            return None
        if response.status_code >= 500:
            self.stats.errors += 1
            log.warning("%s %s %s: server error %d", who, method, path, response.status_code)
            return None
        if response.status_code >= 400:
            self.stats.refusals += 1
            if not quiet:
                log.info(
                    "refused: %s %s %s -> %d %s", who, method, path, response.status_code, _message(response)
                )
            return None
        return response.json() if response.content else {}


def _message(response: httpx.Response) -> str:
    with contextlib.suppress(ValueError):
        body = response.json()
        if isinstance(body, dict):
            return str(body.get("message") or body.get("detail") or body)[:200]
    return response.text[:200]


# --- station devices ------------------------------------------------------------------------------


class StationInput(Protocol):
    """How the floor uses a station's scanner and scale."""

    code: str
    has_scale: bool

    async def scan(self, text: str) -> None: ...

    async def weigh(self, grams: int) -> None: ...

    async def clear_scale(self) -> None: ...


class Scanner(Protocol):
    async def scan(self, text: str) -> None: ...


class Scale(Protocol):
    def place(self, grams: float) -> None: ...

    def remove(self) -> None: ...


class DeviceStation:
    """A station whose scanner and scale are simulated devices read by the station agent."""

    def __init__(self, code: str, scanner: Scanner | None, scale: Scale | None, *, wait: float = 5.0) -> None:
        self.code = code
        self.scanner = scanner
        self.scale = scale
        self.has_scale = scale is not None
        self.wait = wait

    async def scan(self, text: str) -> None:
        if self.scanner is None:
            log.warning("%s has no scanner to scan %s with", self.code, text)
            return
        try:
            async with asyncio.timeout(self.wait):
                await self.scanner.scan(text)
        except TimeoutError:
            log.warning("%s: nobody reads the scanner (is the station agent running?)", self.code)

    async def weigh(self, grams: int) -> None:
        if self.scale is not None:
            self.scale.place(grams)

    async def clear_scale(self) -> None:
        if self.scale is not None:
            self.scale.remove()


class DirectStation:
    """A station without simulated devices: its scans and weights go to the server as the agent
    would send them, with the station's device token."""

    def __init__(self, code: str, api: Api, device: str, *, has_scale: bool) -> None:
        self.code = code
        self.api = api
        self.device = device  # the token name in `api`
        self.has_scale = has_scale

    async def scan(self, text: str) -> None:
        body = {"raw": text, "scanned_at": datetime.now(UTC).isoformat()}
        await self.api.call(self.device, "POST", "/api/v1/scans", json=body, keyed=True)

    async def weigh(self, grams: int) -> None:
        if self.has_scale:
            await self.api.call(
                self.device,
                "POST",
                "/api/v1/devices/weights",
                keyed=True,
                json={"grams": grams, "stable": True},
            )

    async def clear_scale(self) -> None:
        await self.weigh(0)


def station_kinds(site: Any) -> dict[str, str]:
    """The stations the floor works at (code -> pack | returns), from a site configuration."""
    return {s.code: s.kind for s in site.stations if s.kind in ("pack", "returns")}


# --- scan texts (AIM symbology id first, as the scanners send them) -------------------------------


def item_scan(item: CatalogueItem, serial: str = "") -> str:
    """EAN-13 for a plain item; GS1 DataMatrix with (01) and (21) for a serial-tracked unit."""
    gtin = (item.gtin or "").zfill(14)
    if serial:
        return f"]d201{gtin}21{serial}" if item.gtin else f"]C0{serial}"
    if item.gtin and gtin.startswith("0"):
        return f"]E0{gtin[1:]}"
    return f"]C0{item.sku}"


def kaeru_code(prefix: str, code: str) -> str:
    return f"]C0{code}" if code.startswith(f"{prefix}-") else f"]C0{prefix}-{code}"


# --- the floor ------------------------------------------------------------------------------------


@dataclass
class Parcel:
    """A return on its way back: what the shopper says is in it and what really is."""

    rma: str
    token: str
    order: str
    units: list[tuple[str, str]]  # (sku, serial) that should be in it
    plan: ReturnPlan


@dataclass
class Shipped:
    order: str
    contents: list[tuple[str, str]]  # (sku, serial)
    city: str


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    what: str = field(compare=False)
    act: Callable[[], Coroutine[Any, Any, None]] = field(compare=False)


class Floor:
    """One simulated warehouse floor working against a Kaeru server."""

    def __init__(
        self,
        options: FloorOptions,
        *,
        stations: Mapping[str, StationInput] | None = None,
        station_kinds: Mapping[str, str] | None = None,
    ) -> None:
        self.options = options
        self.stats = FloorStats()
        self.run_id = options.run_id or format(int(time.time()) % 36**6, "x")
        self.api = Api(options.server, self.stats, self.run_id)
        self.rng = random.Random(options.seed)
        zone = ZoneInfo(options.timezone)
        start = options.start or datetime.now(zone).replace(hour=8, minute=0, second=0, microsecond=0)
        self.clock = Clock(options.speed, start)
        self.given_stations = dict(stations or {})
        self.station_kinds = dict(station_kinds or {})
        self.stations: dict[str, StationInput] = {}
        self.catalogue: dict[str, CatalogueItem] = {}
        self.home: dict[str, str] = {}  # sku -> a location it is stocked in
        self.pack_area = ""
        self.to_hand_over: list[tuple[str, Shipped]] = []
        self.returns_dock: asyncio.Queue[Parcel] = asyncio.Queue()
        self.packing: set[str] = set()
        self._calendar: list[_Event] = []
        self._calendar_changed = asyncio.Event()
        self._seq = itertools.count()
        self._orders = itertools.count(1)
        self._serials = itertools.count(1)
        self._integrators: dict[str, bool] = {}  # another merchant's integrator -> signed in
        self._own_merchants: set[str] = set()  # the merchants the demo's integrator works for
        self._rngs: dict[str, random.Random] = {}

    def rng_for(self, actor: str) -> random.Random:
        """Each worker's own seeded stream, so one's choices do not shift another's."""
        if actor not in self._rngs:
            self._rngs[actor] = random.Random(f"{self.options.seed}:{actor}")
        return self._rngs[actor]

    def say(self, message: str, *args: object) -> None:
        log.info("[%s] " + message, self.clock.now().strftime("%a %H:%M"), *args)

    # --- start ------------------------------------------------------------------------------

    async def prepare(self) -> bool:
        """Sign everyone in, learn the catalogue, and set the stations' devices to their work."""
        people = {
            "integrator": "integrator",
            "manager": "manager",
            "packer": "packer",
            "associate": "associate",
            "receiver": "receiver",
            "picker-1": "picker",
        }
        for who, username in people.items():
            if not await self.api.sign_in(who, username, self.options.password):
                return False
        for n in range(2, self.options.pickers + 1):
            if await self.api.sign_in("admin", "admin", self.options.password):
                await self.api.call(
                    "admin",
                    "POST",
                    "/api/v1/users",
                    quiet=True,
                    json={
                        "username": f"picker{n}",
                        "role": "picker",
                        "password": self.options.password,
                        "warehouse": self.options.warehouse,
                        "name": f"Picker {n}",
                    },
                )
            if not await self.api.sign_in(f"picker-{n}", f"picker{n}", self.options.password):
                log.warning("only %d picker(s) on the floor", n - 1)
                break
        me = await self.api.call("integrator", "GET", "/api/v1/me") or {}
        self._own_merchants = set(me.get("merchants") or [])
        items = await self.api.call("manager", "GET", "/api/v1/items", params={"limit": 500}) or []
        for raw in items:
            self.catalogue[raw["sku"]] = CatalogueItem(
                sku=raw["sku"],
                gtin=raw.get("gtin"),
                category=raw.get("category") or "general",
                weight_g=int(raw.get("weight_g") or 0),
                price_minor=int(raw.get("price_minor") or 0),
                tracking=raw.get("tracking") or "none",
                variant_group=raw.get("variant_group") or "",
                variant_label=raw.get("variant_label") or "",
                final_sale=bool(raw.get("final_sale")),
                merchant=raw.get("merchant") or "",
            )
        if not self.catalogue:
            log.error("the catalogue is empty: load the demo data first (kaeru seed --demo)")
            return False
        stock = (
            await self.api.call("manager", "GET", f"/api/v1/warehouses/{self.options.warehouse}/stock") or []
        )
        for row in stock:
            self.home.setdefault(row["sku"], row["location"])
        packs = (
            await self.api.call(
                "manager",
                "GET",
                f"/api/v1/warehouses/{self.options.warehouse}/locations",
                params={"kind": "pack"},
            )
            or []
        )
        self.pack_area = packs[0]["code"] if packs else ""
        for code, kind in self.station_kinds.items():
            await self._set_up_station(code, kind)
        self.clock = Clock(self.options.speed, self.clock.start)  # the day starts once everyone is in
        self.say(
            "%d items, %d stations (%s); %s orders a day at %gx",
            len(self.catalogue),
            len(self.stations),
            ", ".join(self.stations),
            f"{self.options.orders_per_day:g}",
            self.options.speed,
        )
        return True

    async def _set_up_station(self, code: str, kind: str) -> None:
        agent = f"{code}-AGENT"
        issued = await self.api.call("manager", "POST", f"/api/v1/devices/{agent}/tokens")
        if issued is None:
            log.warning("station %s left out: no token for %s", code, agent)
            return
        self.api.tokens[agent] = issued["token"]
        info = await self.api.call("manager", "GET", f"/api/v1/stations/{code}") or {}
        has_scale = any(d.get("kind") == "scale" for d in info.get("devices", []))
        station = self.given_stations.get(code) or DirectStation(code, self.api, agent, has_scale=has_scale)
        if kind == "returns":
            await self.api.call(agent, "POST", "/api/v1/returns/station/start", json={"station": code})
        elif kind == "pack":
            await self.api.call(agent, "PUT", "/api/v1/devices/assignment", json={"mode": "pack"})
        self.stations[code] = station

    # --- run ----------------------------------------------------------------------------------

    async def run(self) -> FloorStats:
        """Work until `duration` has passed (or until cancelled); returns what was done."""
        try:
            if not await self.prepare():
                raise RuntimeError("the floor could not start: see the log")
            workers: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = [
                ("orders", self.arrivals),
                ("calendar", self.calendar),
                ("planner", self.planner),
                ("dock", self.dock),
                ("receiver", self.receiver),
                ("holds", self.holds),
            ]
            workers += [
                (f"picker-{n}", lambda n=n: self.picker(f"picker-{n}"))  # type: ignore[misc]
                for n in range(1, self.options.pickers + 1)
                if f"picker-{n}" in self.api.tokens
            ]
            workers += [
                (f"pack {c}", lambda c=c: self.packer(c))  # type: ignore[misc]
                for c, k in self.station_kinds.items()
                if k == "pack" and c in self.stations
            ]
            workers += [
                (f"returns {c}", lambda c=c: self.associate(c))  # type: ignore[misc]
                for c, k in self.station_kinds.items()
                if k == "returns" and c in self.stations
            ]
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.options.duration), asyncio.TaskGroup() as group:
                    for name, work in workers:
                        group.create_task(self._keep_working(name, work), name=name)
            self.say("stopping: %s", self.stats.summary())
            return self.stats
        finally:
            await self.api.aclose()

    async def _keep_working(self, name: str, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """A worker that trips over something unexpected logs it and carries on."""
        while True:
            try:
                await work()
                return
            except (KeyError, ValueError, TypeError, IndexError) as exc:
                self.stats.errors += 1
                log.exception("%s stumbled (%s); carrying on", name, exc)
                await asyncio.sleep(0.5)

    def schedule(self, at: datetime, what: str, act: Callable[[], Coroutine[Any, Any, None]]) -> None:
        heapq.heappush(self._calendar, _Event(at, next(self._seq), what, act))
        self._calendar_changed.set()

    async def calendar(self) -> None:
        """Things that happen outside the building at their (simulated) time: carriers, shoppers."""
        running: set[asyncio.Task[None]] = set()
        while True:
            self._calendar_changed.clear()
            if self._calendar and self._calendar[0].at <= self.clock.now():
                event = heapq.heappop(self._calendar)
                task = asyncio.create_task(event.act(), name=event.what)
                running.add(task)
                task.add_done_callback(running.discard)
                continue
            wait = (
                (self._calendar[0].at - self.clock.now()).total_seconds() / self.clock.speed
                if self._calendar
                else 1.0
            )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(wait, 1.0)):
                    await self._calendar_changed.wait()

    # --- orders -------------------------------------------------------------------------------

    async def arrivals(self) -> None:
        rng = self.rng_for("shoppers")
        catalogue = sorted(self.catalogue.values(), key=lambda i: i.sku)
        names = [
            ("Aiko Tanaka", "ja"),
            ("Olena Kovalenko", "uk"),
            ("Sam Rivera", "en"),
            ("Priya Nair", "en"),
            ("Kenji Sato", "ja"),
            ("Taras Shevchuk", "uk"),
            ("Jordan Lee", "en"),
            ("Mia Schulz", "en"),
            ("Lucas Martin", "en"),
            ("Hana Kobayashi", "ja"),
            ("Iryna Bondar", "uk"),
            ("Noah Kim", "en"),
        ]
        cities = [
            ("Springfield", "62701"),
            ("Austin", "78701"),
            ("Denver", "80202"),
            ("Portland", "97201"),
            ("Atlanta", "30303"),
            ("Columbus", "43215"),
            ("Raleigh", "27601"),
            ("Omaha", "68102"),
        ]
        while True:
            await self.clock.until(day.next_arrival(rng, self.clock.now(), self.options.orders_per_day))
            basket = day.choose_basket(rng, catalogue)
            name, locale = rng.choice(names)
            city, postal = rng.choice(cities)
            number = f"{self.run_id.upper()}-{next(self._orders):05d}"
            email = f"{name.lower().replace(' ', '.')}{rng.randint(1, 400)}@example.com"
            merchant = basket[0].merchant
            order = await self.api.call(
                await self._integrator_of(merchant),
                "POST",
                "/api/v1/orders",
                keyed=True,
                json={
                    "warehouse": self.options.warehouse,
                    **({"merchant": merchant} if merchant else {}),
                    "number": number,
                    "shopper": {"email": email, "name": name, "locale": locale},
                    "ship_to": {
                        "name": name,
                        "street": f"{rng.randint(1, 999)} Market St",
                        "city": city,
                        "postal_code": postal,
                        "country": "US",
                    },
                    "lines": [{"sku": item.sku, "quantity": 1} for item in basket],
                },
            )
            if order is not None:
                self.stats.orders_placed += 1
                self.say(
                    "order %s from %s: %s (%s)",
                    number,
                    name,
                    ", ".join(i.sku for i in basket),
                    order["status"],
                )

    async def _integrator_of(self, merchant: str) -> str:
        """Who places a merchant's orders: the demo's integrator for its own merchant, another
        merchant's integrator (integrator-<code>, as the demo seeds them) signed in on first use."""
        if not merchant or merchant in self._own_merchants:
            return "integrator"
        who = f"integrator-{merchant.lower()}"
        if who not in self._integrators:
            self._integrators[who] = await self.api.sign_in(who, who, self.options.password)
        return who if self._integrators[who] else "manager"

    async def planner(self) -> None:
        """The manager releases reserved orders to the pickers every quarter of an hour."""
        while True:
            released = await self.api.call(
                "manager",
                "POST",
                "/api/v1/picking/release",
                keyed=True,
                json={"warehouse": self.options.warehouse, "mode": "batch", "orders_per_task": 3},
            )
            if released and released["tasks"]:
                self.stats.tasks_released += len(released["tasks"])
                self.say("released %d pick task(s)", len(released["tasks"]))
            await self.clock.idle(15 * 60)

    async def receiver(self) -> None:
        """Inbound: items running low are replenished from the supplier twice a day."""
        rng = self.rng_for("receiver")
        while True:
            await self.clock.idle(12 * 3600, at_least=2.0)
            stock = (
                await self.api.call("receiver", "GET", f"/api/v1/warehouses/{self.options.warehouse}/stock")
                or []
            )
            free: Counter[str] = Counter()
            for row in stock:
                if row["condition"] == "new" and row["location"] != self.pack_area:
                    free[row["sku"]] += row["quantity"] - row["reserved"]
            low = [sku for sku in sorted(self.catalogue) if free[sku] < 3 and sku in self.home]
            for sku in low:
                item = self.catalogue[sku]
                quantity = rng.randint(4, 8) if item.tracking == "serial" else rng.randint(10, 30)
                serials = (
                    [f"SN{self.run_id.upper()}{next(self._serials):06d}" for _ in range(quantity)]
                    if item.tracking == "serial"
                    else []
                )
                done = await self.api.call(
                    "receiver",
                    "POST",
                    f"/api/v1/warehouses/{self.options.warehouse}/receipts",
                    keyed=True,
                    json={
                        "sku": sku,
                        "quantity": quantity,
                        "location": self.home[sku],
                        "serials": serials,
                        **({"merchant": item.merchant} if item.merchant else {}),
                    },
                )
                if done is not None:
                    self.stats.units_received += quantity
            if low:
                self.say("received stock for %d low item(s)", len(low))

    # --- picking ------------------------------------------------------------------------------

    async def picker(self, who: str) -> None:
        rng = self.rng_for(who)
        while True:
            answer = await self.api.call(who, "POST", "/api/v1/picking/next", keyed=True)
            task = answer.get("task") if answer else None
            if not task:
                await self.clock.idle(5 * 60)
                continue
            await self._pick_task(who, rng, task)

    async def _pick_task(self, who: str, rng: random.Random, task: dict[str, Any]) -> None:
        tries = 0
        while task and task.get("next") and tries < 50:
            tries += 1
            step = task["next"]
            item = self.catalogue.get(step["sku"])
            if item is None:
                return
            await self.clock.sleep(day.pick_seconds(rng))
            if not step.get("location_confirmed"):
                await self._scan_as(who, f"]C0LOC-{step['location']}")
            serial = (
                await self._free_serial(step["sku"], step["location"]) if step.get("serial_tracked") else ""
            )
            result = await self._scan_as(who, item_scan(item, serial))
            if result is None or result.get("outcome") != "accepted":
                shorted = await self.api.call(
                    who,
                    "POST",
                    f"/api/v1/picking/tasks/{task['task_id']}/short",
                    keyed=True,
                    json={"missing": 1},
                )
                self.say("%s reported %s short at %s", who, step["sku"], step["location"])
                refreshed = (
                    await self.api.call(who, "GET", f"/api/v1/picking/tasks/{task['task_id']}")
                    if shorted is not None
                    else None
                )
                task = refreshed if isinstance(refreshed, dict) else {}
                continue
            self.stats.lines_picked += 1
            task = result.get("data") or {}
        if task and task.get("status") == "done":
            self.say("%s finished pick task %s", who, task.get("task_id"))

    async def _scan_as(self, who: str, text: str) -> dict[str, Any] | None:
        result = await self.api.call(who, "POST", "/api/v1/scans", keyed=True, json={"raw": text})
        return result if isinstance(result, dict) else None

    async def _free_serial(self, sku: str, location: str) -> str:
        """The serial printed on a unit in the bin: one not held for another order if there is one."""
        rows = (
            await self.api.call(
                "manager",
                "GET",
                f"/api/v1/warehouses/{self.options.warehouse}/stock",
                params={"sku": sku, "location": location},
            )
            or []
        )
        rows = [r for r in rows if r.get("serial")]
        rows.sort(key=lambda r: (r["quantity"] - r["reserved"] <= 0, r["serial"]))
        return rows[0]["serial"] if rows else ""

    # --- packing ------------------------------------------------------------------------------

    async def packer(self, station_code: str) -> None:
        rng = self.rng_for(f"pack {station_code}")
        station = self.stations[station_code]
        failed: dict[str, int] = {}
        while True:
            picked = (
                await self.api.call(
                    "packer", "GET", "/api/v1/orders", params={"status": "picked", "limit": 100}
                )
                or []
            )
            waiting = [
                o
                for o in reversed(picked)
                if o["number"] not in self.packing and failed.get(o["number"], 0) < 2
            ]
            if not waiting:
                await self.clock.idle(5 * 60)
                continue
            order = waiting[0]
            self.packing.add(order["number"])
            try:
                if not await self._pack(station, rng, order):
                    failed[order["number"]] = failed.get(order["number"], 0) + 1
            finally:
                self.packing.discard(order["number"])

    async def _pack(self, station: StationInput, rng: random.Random, order: dict[str, Any]) -> bool:
        number = order["number"]
        await station.scan(f"]C0ORD-{number}")
        carton = await self.api.call(
            "packer",
            "POST",
            "/api/v1/packing/start",
            keyed=True,
            json={"warehouse": self.options.warehouse, "order": number},
        )
        if carton is None:
            return False
        sscc = carton["sscc"]
        units = [(line["sku"], line["picked"] - line["packed"]) for line in order["lines"]]
        await self.clock.sleep(day.pack_seconds(rng, sum(n for _, n in units)))
        packed = len(carton["contents"])
        for sku, count in units:
            item = self.catalogue.get(sku)
            for _ in range(max(0, count)):
                if item is None:
                    continue
                candidates = await self._serials_at_pack(sku) if item.tracking == "serial" else [""]
                for serial in candidates:
                    await station.scan(item_scan(item, serial))
                    if await self._carton_holds(sscc, packed + 1):
                        packed += 1
                        break
                else:
                    log.info("%s: %s could not be packed into %s", station.code, sku, sscc)
                    return False
        weights = [self.catalogue[s].weight_g for s, n in units if s in self.catalogue for _ in range(n)]
        grams = day.carton_weight(rng, weights, 180)
        closed = await self._close_on_scale(station, sscc, grams)
        await station.clear_scale()
        if closed is None or not closed.get("shipment"):
            return False
        self.stats.cartons_closed += 1
        contents = [
            (c["sku"], c.get("serial") or "") for c in closed["contents"] for _ in range(c["quantity"])
        ]
        city = (order.get("ship_to") or {}).get("city", "")
        self.to_hand_over.append((closed["shipment"]["tracking_number"], Shipped(number, contents, city)))
        self.say("%s packed %s into carton %s (%d g), label printed", station.code, number, sscc, grams)
        return True

    async def _serials_at_pack(self, sku: str) -> list[str]:
        rows = (
            await self.api.call(
                "packer",
                "GET",
                f"/api/v1/warehouses/{self.options.warehouse}/stock",
                params={"sku": sku, "location": self.pack_area},
            )
            or []
        )
        return [r["serial"] for r in rows if r.get("serial") and r["reserved"] > 0]

    async def _carton_holds(self, sscc: str, units: int) -> bool:
        async def holds() -> bool:
            carton = await self.api.call("packer", "GET", f"/api/v1/packing/cartons/{sscc}", quiet=True)
            return carton is not None and sum(c["quantity"] for c in carton["contents"]) >= units

        return await self._eventually(holds)

    async def _close_on_scale(self, station: StationInput, sscc: str, grams: int) -> dict[str, Any] | None:
        body: dict[str, Any] = {"station": station.code}
        if station.has_scale:
            await station.weigh(grams)
            if not await self._scale_shows(station.code, grams):
                log.info("%s: the scale did not report %d g; weighing by hand", station.code, grams)
                body = {"weight_g": grams}
        else:
            body = {"weight_g": grams}
        closed = await self.api.call(
            "packer", "POST", f"/api/v1/packing/cartons/{sscc}/close", keyed=True, json=body
        )
        return closed if isinstance(closed, dict) else None

    async def _scale_shows(self, station: str, grams: int) -> bool:
        async def shows() -> bool:
            info = await self.api.call("manager", "GET", f"/api/v1/stations/{station}", quiet=True) or {}
            weight = info.get("weight") or {}
            shown = weight.get("grams")  # a decimal string at the scale's resolution ("1234.5")
            return bool(weight.get("stable")) and shown is not None and abs(Decimal(str(shown)) - grams) <= 15

        return await self._eventually(shows)

    async def _eventually(self, check: Callable[[], Awaitable[bool]]) -> bool:
        """Poll `check` (real time) until it holds or `scan_wait` seconds pass."""
        deadline = time.monotonic() + self.options.scan_wait
        delay = 0.05
        while time.monotonic() < deadline:
            if await check():
                return True
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 0.5)
        return False

    # --- the carrier --------------------------------------------------------------------------

    async def dock(self) -> None:
        """The carrier collects at the dock every hour; each parcel is handed over, then tracked."""
        rng = self.rng_for("carrier")
        while True:
            await self.clock.idle(3600)
            handing, self.to_hand_over = self.to_hand_over, []
            for tracking, shipped in handing:
                done = await self.api.call("packer", "POST", f"/api/v1/shipments/{tracking}/ship", keyed=True)
                if done is None:
                    continue
                self.stats.shipped += 1
                for step in day.tracking_plan(rng, self.clock.now(), city=shipped.city):
                    self.schedule(
                        step.at,
                        f"{tracking} {step.kind}",
                        functools.partial(self.track, tracking, step, shipped),
                    )
            if handing:
                self.say("carrier collected %d parcel(s)", len(handing))

    async def track(self, tracking: str, step: day.TrackingStep, shipped: Shipped) -> None:
        answer = await self.api.call(
            "integrator",
            "POST",
            "/api/v1/tracking/events",
            json={
                "tracking_number": tracking,
                "kind": step.kind,
                "at": datetime.now(UTC).isoformat(),
                "location": step.location,
                "description": step.description,
                "external_id": f"{tracking}:{step.kind}:{step.at.isoformat()}",
            },
        )
        if answer is None:
            return
        if step.kind == "exception":
            self.stats.exceptions += 1
            self.say("%s (%s): %s", tracking, shipped.order, step.description)
        if step.kind == "delivered":
            self.stats.delivered += 1
            self.shopper_opens(shipped)

    # --- shoppers send things back ------------------------------------------------------------

    def shopper_opens(self, shipped: Shipped) -> None:
        rng = self.rng_for(f"shopper {shipped.order}")
        catalogue = sorted(self.catalogue.values(), key=lambda i: i.sku)
        for sku, serial in shipped.contents:
            item = self.catalogue.get(sku)
            plan = (
                day.decide_return(rng, item, catalogue, more_returns=self.options.more_returns)
                if item
                else None
            )
            if plan is not None:
                self.schedule(
                    self.clock.now() + plan.requested_after,
                    f"return {shipped.order}",
                    functools.partial(self.request_return, shipped, plan, serial),
                )

    async def request_return(self, shipped: Shipped, plan: ReturnPlan, serial: str) -> None:
        line: dict[str, Any] = {
            "sku": plan.sku,
            "quantity": 1,
            "reason": plan.reason,
            "outcome": plan.outcome,
        }
        if plan.exchange_sku:
            line["exchange_sku"] = plan.exchange_sku
        if plan.reason == "other":
            line["reason_text"] = "just not for me"
        rma = await self.api.call(
            "integrator",
            "POST",
            "/api/v1/returns",
            keyed=True,
            json={"warehouse": self.options.warehouse, "order": shipped.order, "lines": [line]},
        )
        if rma is None:
            return
        self.stats.returns_requested += 1
        self.stats.outcomes[plan.outcome] += 1
        self.say(
            "return %s for %s: %s, wants %s%s",
            rma["code"],
            plan.sku,
            plan.reason,
            plan.outcome,
            f" ({plan.exchange_sku})" if plan.exchange_sku else "",
        )
        parcel = Parcel(rma["number"], rma.get("token") or "", shipped.order, [(plan.sku, serial)], plan)
        now = self.clock.now()
        if rma.get("tracking_number"):
            step = day.TrackingStep("in_transit", now + plan.in_transit_after, "", "return parcel accepted")
            self.schedule(
                step.at,
                f"return {rma['code']} in transit",
                lambda: self._return_in_transit(rma["tracking_number"], step),
            )
        self.schedule(
            now + plan.arrives_after, f"return {rma['code']} arrives", lambda: self.returns_dock.put(parcel)
        )

    async def _return_in_transit(self, tracking: str, step: day.TrackingStep) -> None:
        await self.api.call(
            "integrator",
            "POST",
            "/api/v1/tracking/events",
            json={
                "tracking_number": tracking,
                "kind": "in_transit",
                "at": datetime.now(UTC).isoformat(),
                "description": step.description,
                "external_id": f"{tracking}:in_transit",
            },
        )

    # --- the returns station ------------------------------------------------------------------

    async def associate(self, station_code: str) -> None:
        rng = self.rng_for(f"returns {station_code}")
        station = self.stations[station_code]
        while True:
            parcel = await self.returns_dock.get()
            await self._receive_parcel(station, rng, parcel)

    async def _receive_parcel(self, station: StationInput, rng: random.Random, parcel: Parcel) -> None:
        plan = parcel.plan
        inside = [
            self._wrong_item(rng, sku) if plan.fraud == "wrong_item" else (sku, serial)
            for sku, serial in parcel.units
        ]
        if station.has_scale:
            weights = [self.catalogue[s].weight_g for s, _ in inside if s in self.catalogue]
            grams = day.parcel_weight(rng, weights, plan.fraud)
            await station.weigh(grams)
            await self._scale_shows(station.code, grams)
        label = f"]Q1RMA:{parcel.token}" if parcel.token and rng.random() < 0.6 else f"]C0RMA-{parcel.rma}"
        await station.scan(label)
        self.stats.parcels_received += 1
        if plan.fraud:
            self.stats.fraud[plan.fraud] += 1
        self.say(
            "%s opened the parcel of RMA-%s%s",
            station.code,
            parcel.rma,
            f" (fraud: {plan.fraud})" if plan.fraud else "",
        )
        for sku, serial in inside:
            item = self.catalogue.get(sku)
            if item is not None:
                await self.clock.sleep(rng.uniform(10, 25))
                await station.scan(item_scan(item, serial))
        units = await self._units_of(parcel.rma, len(inside))
        await station.clear_scale()
        for unit in units:
            if unit.get("status") != "received" or not unit.get("sku"):
                continue
            await self._grade(station, rng, unit, plan)

    def _wrong_item(self, rng: random.Random, sku: str) -> tuple[str, str]:
        """Something else in the box: a cheaper product of another kind (never serial-tracked)."""
        wanted = self.catalogue[sku]
        others = [
            i
            for i in sorted(self.catalogue.values(), key=lambda i: i.sku)
            if i.variant_group != wanted.variant_group and i.tracking != "serial"
        ]
        return (rng.choice(others).sku, "") if others else (sku, "")

    async def _units_of(self, rma: str, count: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []

        async def arrived() -> bool:
            nonlocal found
            view = await self.api.call("associate", "GET", f"/api/v1/returns/{rma}", quiet=True) or {}
            found = view.get("units") or []
            return len(found) >= count

        if not await self._eventually(arrived):
            log.info("RMA-%s: %d of %d unit(s) reached the server", rma, len(found), count)
        return found

    async def _grade(
        self, station: StationInput, rng: random.Random, unit: dict[str, Any], plan: ReturnPlan
    ) -> None:
        rubric = await self.api.call("associate", "GET", f"/api/v1/returns/rubrics/{unit['category']}")
        if rubric is None:
            return
        await self.clock.sleep(day.grade_seconds(rng))
        answers = day.answers_for(unit["category"], plan.condition, rubric["questions"])
        graded = await self.api.call(
            "associate",
            "POST",
            f"/api/v1/returns/units/{unit['id']}/grade",
            keyed=True,
            json={"answers": answers, "station": station.code},
        )
        if graded is None:
            return
        self.stats.units_graded += 1
        self.stats.grades[graded["grade"]] += 1
        self.say(
            "%s graded %s %s: %s%s",
            station.code,
            unit["sku"],
            graded["grade"],
            graded["message"],
            " — on hold" if graded.get("on_hold") else "",
        )
        if graded.get("lpn") and graded.get("location"):
            await self.clock.sleep(rng.uniform(30, 90))
            await station.scan(kaeru_code("LPN", graded["lpn"]))
            await station.scan(kaeru_code("LOC", graded["location"]))

            async def put_away() -> bool:
                seen = await self.api.call(
                    "associate", "GET", f"/api/v1/returns/units/{unit['id']}", quiet=True
                )
                return bool(seen and seen.get("put_away_at"))

            if await self._eventually(put_away):
                self.stats.units_put_away += 1

    # --- the manager --------------------------------------------------------------------------

    async def holds(self) -> None:
        rng = self.rng_for("manager")
        while True:
            await self.clock.idle(2 * 3600)
            for hold in await self.api.call("manager", "GET", "/api/v1/returns/holds") or []:
                signals = hold.get("signals") or hold.get("reasons") or []
                approve = day.hold_decision(rng, signals)
                verb = "approve" if approve else "reject"
                done = await self.api.call(
                    "manager",
                    "POST",
                    f"/api/v1/returns/holds/{hold['id']}/{verb}",
                    keyed=True,
                    json={"note": "checked on the floor"},
                )
                if done is not None:
                    self.stats.holds_decided += 1
                    self.say("manager %sd the hold on %s (%s)", verb, hold.get("rma"), ", ".join(signals))
