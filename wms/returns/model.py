"""Pure returns decisions over plain values: eligibility, matching, grading, disposition, money, trust.

Nothing here touches the database, the network or FastAPI; the service loads the facts, calls
these functions and writes what they decide. The shopper's return portal and the returns
station call the same functions, so they never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from enum import StrEnum

from wms.errors import Invalid, Text
from wms.lifecycle import Lifecycle
from wms.returns.rules import (
    GRADES,
    OUTCOMES,
    REASONS,
    DispositionConfig,
    FraudPolicy,
    Policy,
    Rubric,
)

# Trust and fraud decisions live in their own module; the model re-exports them.
from wms.returns.trust import IntakeFacts as IntakeFacts
from wms.returns.trust import ShopperHistory as ShopperHistory
from wms.returns.trust import TrustAssessment as TrustAssessment
from wms.returns.trust import hold_reasons as hold_reasons
from wms.returns.trust import signals as signals
from wms.returns.trust import trust as trust

GRADE_MEANING = {"A": "like new", "B": "open box", "C": "needs refurbishment", "D": "salvage", "X": "scrap"}
MERCHANT_SIDE_MATCHES = ("right_item", "extra")


# --- states --------------------------------------------------------------------------------------


class RmaKind(StrEnum):
    """How a return came to be; it never changes."""

    AUTHORISED = "authorised"  # asked for by the shopper (or staff for them) before sending
    UNEXPECTED = "unexpected"  # a parcel nobody announced
    OPEN = "open"  # sent back with the return label packed in the order


class RmaStatus(StrEnum):
    AUTHORISED = "authorised"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


# A return still expected or being worked: a parcel may be opened for it and units received into it.
OPEN_STATES = (RmaStatus.AUTHORISED, RmaStatus.IN_TRANSIT, RmaStatus.RECEIVED, RmaStatus.ON_HOLD)
NOT_YET_RECEIVED = (RmaStatus.AUTHORISED, RmaStatus.IN_TRANSIT)

RMA = Lifecycle(
    "return",
    RmaStatus,
    {
        # completed at once when every line is kept by the shopper (nothing is sent back)
        RmaStatus.AUTHORISED: [
            RmaStatus.IN_TRANSIT,
            RmaStatus.RECEIVED,
            RmaStatus.ON_HOLD,
            RmaStatus.COMPLETED,
            RmaStatus.CANCELLED,
        ],
        RmaStatus.IN_TRANSIT: [RmaStatus.RECEIVED, RmaStatus.ON_HOLD, RmaStatus.CANCELLED],
        RmaStatus.RECEIVED: [RmaStatus.ON_HOLD, RmaStatus.COMPLETED],
        # a held return gains signals while held; approved, it goes back to where it was
        RmaStatus.ON_HOLD: [RmaStatus.ON_HOLD, RmaStatus.RECEIVED, RmaStatus.AUTHORISED, RmaStatus.REJECTED],
    },
)


class ParcelStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


PARCEL = Lifecycle("parcel", ParcelStatus, {ParcelStatus.OPEN: [ParcelStatus.CLOSED]})


class UnitStatus(StrEnum):
    RECEIVED = "received"  # in quarantine at the station, to grade
    GRADED = "graded"
    PUT_AWAY = "put_away"
    MISSING = "missing"  # authorised but not in the parcel
    SET_ASIDE = "set_aside"  # not ours


UNIT = Lifecycle(
    "unit", UnitStatus, {UnitStatus.RECEIVED: [UnitStatus.GRADED], UnitStatus.GRADED: [UnitStatus.PUT_AWAY]}
)


class HoldStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"


HOLD = Lifecycle("hold", HoldStatus, {HoldStatus.OPEN: [HoldStatus.APPROVED, HoldStatus.REJECTED]})


# --- eligibility ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineFacts:
    """One order line as returns sees it."""

    order_line_id: int
    sku: str
    name: str
    category: str
    unit_price_minor: int
    shipped: int
    already_returned: int  # units on earlier return authorisations that are still open or done
    final_sale: bool = False


@dataclass(frozen=True)
class LineEligibility:
    order_line_id: int
    sku: str
    name: str
    returnable: int
    code: str  # ok | final_sale | fully_returned | not_shipped
    message: str

    @property
    def eligible(self) -> bool:
        return self.returnable > 0


@dataclass(frozen=True)
class OrderEligibility:
    code: str  # ok | not_shipped | window_expired
    message: str
    window_ends: date | None
    lines: tuple[LineEligibility, ...]

    @property
    def eligible(self) -> bool:
        return self.code == "ok" and any(line.eligible for line in self.lines)


def window_end(policy: Policy, *, shipped_on: date | None, delivered_on: date | None) -> date | None:
    """Last day a return may be started: from delivery, or from shipping plus a grace period."""
    if delivered_on is not None:
        return delivered_on + timedelta(days=policy.window_days)
    if shipped_on is not None:
        return shipped_on + timedelta(days=policy.grace_days_without_delivery + policy.window_days)
    return None


def eligibility(
    policy: Policy,
    *,
    today: date,
    shipped_on: date | None,
    delivered_on: date | None,
    lines: Iterable[LineFacts],
) -> OrderEligibility:
    """What of an order may be returned today, and why not where it may not."""
    ends = window_end(policy, shipped_on=shipped_on, delivered_on=delivered_on)
    results = []
    for line in lines:
        left = max(0, line.shipped - line.already_returned)
        if line.shipped == 0:
            code, message, left = "not_shipped", Text("not shipped yet"), 0
        elif line.final_sale and not policy.final_sale_returnable:
            code, message, left = "final_sale", Text("final sale: cannot be returned"), 0
        elif left == 0:
            code, message = "fully_returned", Text("already returned")
        else:
            code, message = "ok", Text("{left} may be returned", left=left)
        results.append(LineEligibility(line.order_line_id, line.sku, line.name, left, code, message))
    if ends is None:
        return OrderEligibility("not_shipped", Text("this order has not shipped yet"), None, tuple(results))
    if today > ends:
        return OrderEligibility(
            "window_expired",
            Text("the return window closed on {ends}", ends=ends.isoformat()),
            ends,
            tuple(results),
        )
    return OrderEligibility(
        "ok", Text("returns accepted until {ends}", ends=ends.isoformat()), ends, tuple(results)
    )


@dataclass(frozen=True)
class RequestedLine:
    order_line_id: int
    quantity: int
    reason: str
    reason_text: str = ""
    outcome: str = "refund"


def _check_line(line: RequestedLine) -> None:
    """A requested line makes sense alone: a quantity, a known reason (explained if 'other'), an outcome."""
    if line.quantity < 1:
        raise Invalid("the quantity to return must be at least 1")
    if line.reason not in REASONS:
        raise Invalid(
            "unknown reason {reason!r}; one of {names}", reason=line.reason, names=", ".join(REASONS)
        )
    if line.reason == "other" and not line.reason_text.strip():
        raise Invalid("say in a few words why (reason 'other' needs a text)")
    if line.outcome not in OUTCOMES:
        raise Invalid(
            "unknown outcome {outcome!r}; one of {names}", outcome=line.outcome, names=", ".join(OUTCOMES)
        )


def check_request(
    decision: OrderEligibility, requested: Iterable[RequestedLine], *, allow_outside_window: bool = False
) -> None:
    """Refuse a return request that the policy does not allow, with a message the shopper can act on."""
    wanted = list(requested)
    if not wanted:
        raise Invalid("choose at least one item to return")
    if decision.code == "not_shipped":
        raise Invalid(decision.message)
    if decision.code == "window_expired" and not allow_outside_window:
        raise Invalid(decision.message, window_ends=decision.window_ends)
    by_line = {line.order_line_id: line for line in decision.lines}
    totals: dict[int, int] = {}
    for line in wanted:
        _check_line(line)
        facts = by_line.get(line.order_line_id)
        if facts is None:
            raise Invalid("order line {order_line_id} is not on this order", order_line_id=line.order_line_id)
        totals[line.order_line_id] = totals.get(line.order_line_id, 0) + line.quantity
        if not facts.eligible:
            raise Invalid("{sku}: {reason}", reason=facts.message, sku=facts.sku, code=facts.code)
        if totals[line.order_line_id] > facts.returnable:
            raise Invalid(
                "{sku}: only {returnable} may be returned", returnable=facts.returnable, sku=facts.sku
            )


# --- money ---------------------------------------------------------------------------------------


def percent_of(amount_minor: int, percent: float) -> int:
    """A percentage of an amount in minor units, rounded down (never a fraction of a cent)."""
    return math.floor(amount_minor * percent / 100)


def keep_it(policy: Policy, *, unit_price_minor: int, reason: str) -> bool:
    """Is this unit cheaper to refund than to ship back?"""
    rule = policy.keep_it
    return bool(rule and reason in rule.reasons and unit_price_minor <= rule.max_unit_value_minor)


@dataclass(frozen=True)
class Resolution:
    """What one unit earns the shopper."""

    kind: str  # refund | store_credit | exchange | keep_it | none
    amount_minor: int  # what is paid out (refund or credit); 0 for an exchange
    currency: str
    base_minor: int  # the price paid
    fee_minor: int = 0
    deduction_minor: int = 0
    bonus_minor: int = 0
    rules: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "rules": list(self.rules)}


def resolve(
    policy: Policy,
    *,
    outcome: str,
    unit_price_minor: int,
    currency: str,
    category: str,
    reason: str,
    grade: str = "A",
    free_exchange: bool = True,
) -> Resolution:
    """The refund, credit or exchange one returned unit earns under the policy, given its grade."""
    if grade not in GRADES:
        raise Invalid("unknown grade {grade!r}", grade=grade)
    if outcome not in (*OUTCOMES, "keep_it"):
        raise Invalid("unknown outcome {outcome!r}", outcome=outcome)
    base = unit_price_minor
    if outcome == "keep_it":
        return Resolution("keep_it", base, currency, base, rules=("keep_it",))
    rules: list[str] = []
    fee = deduction = 0
    merchant_fault = reason in policy.merchant_fault_reasons
    if merchant_fault:
        rules.append(f"merchant_fault:{reason}")
    else:
        for rule in policy.restocking_fees:
            if (not rule.reasons or reason in rule.reasons) and (
                not rule.categories or category in rule.categories
            ):
                fee = percent_of(base, rule.percent)
                rules.append(f"restocking_fee:{rule.id}")
                break
        deduction = percent_of(base, policy.grade_deduction_percent[grade])
        if deduction:
            rules.append(f"grade_deduction:{grade}")
    net = max(0, base - fee - deduction)
    if outcome == "exchange":
        # An exchange swaps like for like; a fee applies only where the shopper's tier pays for exchanges.
        charged = 0 if (free_exchange or merchant_fault) else fee
        return Resolution("exchange", 0, currency, base, fee_minor=charged, rules=(*rules, "exchange"))
    if outcome == "store_credit":
        bonus = percent_of(net, policy.store_credit_bonus_percent)
        return Resolution(
            "store_credit",
            net + bonus,
            currency,
            base,
            fee,
            deduction,
            bonus,
            (*rules, "store_credit_bonus") if bonus else tuple(rules),
        )
    return Resolution("refund", net, currency, base, fee, deduction, 0, tuple(rules))


def outcome_options(
    policy: Policy,
    *,
    unit_price_minor: int,
    currency: str,
    category: str,
    reason: str,
    exchange_skus: Iterable[str] = (),
    free_exchange: bool = False,
) -> dict[str, object]:
    """What the shopper may choose for one unit, with the amounts if it arrives as described."""

    def quote(outcome: str, free: bool = True) -> dict[str, object]:
        return resolve(
            policy,
            outcome=outcome,
            unit_price_minor=unit_price_minor,
            currency=currency,
            category=category,
            reason=reason,
            free_exchange=free,
        ).as_dict()

    if keep_it(policy, unit_price_minor=unit_price_minor, reason=reason):
        return {"keep_it": True, "options": [{"outcome": "keep_it", **quote("keep_it")}]}
    options: list[dict[str, object]] = [{"outcome": o, **quote(o)} for o in ("store_credit", "refund")]
    skus = list(exchange_skus)
    if skus:
        options.insert(0, {"outcome": "exchange", "exchange_skus": skus, **quote("exchange", free_exchange)})
    return {"keep_it": False, "options": options}


# --- matching what arrived against what was shipped ------------------------------------------------


@dataclass(frozen=True)
class ItemFacts:
    item_id: int
    sku: str
    category: str = "general"
    serial_tracked: bool = False
    variant_group: str | None = None


@dataclass(frozen=True)
class ExpectedLine:
    """A return line: what the shopper said they would send, and how much of it has arrived."""

    line_id: int
    item: ItemFacts
    quantity: int
    received: int = 0


@dataclass(frozen=True)
class Match:
    outcome: str  # right_item | different_variant | different_item | serial_swap | not_ours | extra
    line_id: int | None
    message: str


def match_unit(
    *,
    scanned: ItemFacts | None,
    serial: str,
    expected: Iterable[ExpectedLine],
    shipped_serials: Mapping[int, frozenset[str]],
    shipped_items: frozenset[int] = frozenset(),
) -> Match:
    """What one scanned unit is, compared with what was shipped for the order and what the RMA expects.

    `shipped_serials` maps an item id to the serial numbers shipped to this order; `shipped_items`
    holds the ids of every item shipped to it.
    """
    lines = list(expected)
    if scanned is None:
        return Match("not_ours", None, Text("not a product of ours: set it aside for review"))
    own_lines = [line for line in lines if line.item.item_id == scanned.item_id]
    open_line = next((line for line in own_lines if line.received < line.quantity), None)
    shipped_here = scanned.item_id in shipped_items or bool(own_lines)
    if (
        scanned.serial_tracked
        and shipped_here
        and serial not in shipped_serials.get(scanned.item_id, frozenset())
    ):
        return Match(
            "serial_swap",
            own_lines[0].line_id if own_lines else None,
            Text(
                "serial {serial} is not the {sku} we shipped: possible swap",
                serial=serial or "-",
                sku=scanned.sku,
            ),
        )
    if open_line is not None:
        return Match("right_item", open_line.line_id, Text("{sku}: as expected", sku=scanned.sku))
    if shipped_here:
        return Match(
            "extra",
            own_lines[0].line_id if own_lines else None,
            Text("{sku}: more than the return authorised", sku=scanned.sku),
        )
    if scanned.variant_group:
        relative = next(
            (
                line
                for line in lines
                if line.item.variant_group == scanned.variant_group and line.received < line.quantity
            ),
            None,
        )
        if relative is not None:
            return Match(
                "different_variant",
                relative.line_id,
                Text(
                    "{sku} is another variant of {expected}, which was expected",
                    sku=scanned.sku,
                    expected=relative.item.sku,
                ),
            )
    return Match("different_item", None, Text("{sku} was not shipped on this order", sku=scanned.sku))


def missing_units(expected: Iterable[ExpectedLine]) -> dict[int, int]:
    """Line id -> units authorised but not found in the parcel."""
    return {line.line_id: line.quantity - line.received for line in expected if line.received < line.quantity}


@dataclass(frozen=True)
class WeightCheck:
    verdict: str  # ok | light | empty | heavy | unweighed
    expected_g: int
    measured_g: int | None


def check_parcel_weight(
    fraud: FraudPolicy, *, item_weights_g: Iterable[int], measured_g: int | None
) -> WeightCheck:
    """Is a parcel's weight plausible for the items it should hold?"""
    contents = sum(item_weights_g)
    expected = contents + fraud.parcel_tare_g
    if measured_g is None:
        return WeightCheck("unweighed", expected, None)
    inside = measured_g - fraud.parcel_tare_g
    if contents > fraud.empty_parcel_max_g and inside <= fraud.empty_parcel_max_g:
        return WeightCheck("empty", expected, measured_g)
    if inside < contents * fraud.light_parcel_ratio:
        return WeightCheck("light", expected, measured_g)
    if contents and inside > contents * fraud.heavy_parcel_ratio:
        return WeightCheck("heavy", expected, measured_g)
    return WeightCheck("ok", expected, measured_g)


# --- grading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeDecision:
    grade: str
    rule_id: str
    explain: Mapping[str, str]

    @property
    def meaning(self) -> str:
        return GRADE_MEANING[self.grade]


def grade(rubric: Rubric, answers: Mapping[str, str]) -> GradeDecision:
    """The grade a rubric gives a set of answers, and the rule that gave it."""
    questions = {q.id: q for q in rubric.questions}
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise Invalid(
            "not questions of the {category} checklist: {names}",
            category=rubric.category,
            names=", ".join(unknown),
        )
    unanswered = [q for q in questions if q not in answers]
    if unanswered:
        raise Invalid(
            "answer every question of the checklist; missing: {names}",
            names=", ".join(unanswered),
            missing=unanswered,
        )
    for qid, answer in answers.items():
        if answer not in questions[qid].answers:
            raise Invalid(
                "{qid}: {answer!r} is not an answer; one of {names}",
                qid=qid,
                answer=answer,
                names=", ".join(questions[qid].answers),
            )
    for rule in rubric.rules:
        if all(answers[qid] in wanted for qid, wanted in rule.when.items()):
            return GradeDecision(rule.grade, rule.id, dict(rule.explain))
    raise AssertionError("a validated rubric always ends with a rule without conditions")


# --- disposition ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DispositionDecision:
    disposition: str
    rule_id: str


def dispose(
    config: DispositionConfig,
    *,
    grade: str,
    category: str,
    value_minor: int,
    reason: str,
    match: str = "right_item",
) -> DispositionDecision:
    """Where a graded unit goes: the first rule whose conditions all hold."""
    for rule in config.rules:
        when = rule.when
        if when.grades and grade not in when.grades:
            continue
        if when.categories and category not in when.categories:
            continue
        if when.reasons and reason not in when.reasons:
            continue
        if when.matches and match not in when.matches:
            continue
        if when.min_value_minor is not None and value_minor < when.min_value_minor:
            continue
        if when.max_value_minor is not None and value_minor > when.max_value_minor:
            continue
        return DispositionDecision(rule.disposition, rule.id)
    raise AssertionError("a validated disposition config always ends with a rule without conditions")


def recovery_value(config: DispositionConfig, *, disposition: str, value_minor: int) -> int:
    """What a returned unit is worth after grading, by where it goes."""
    return percent_of(value_minor, config.recovery_percent[disposition])
