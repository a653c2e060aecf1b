"""The returns configuration as validated values: policy, grading rubrics and disposition rules.

Pure data the decisions of `wms.returns.model` read; `wms.returns.policy` loads it from config/returns/.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

GRADES = ("A", "B", "C", "D", "X")
REASONS = (
    "size_too_small",
    "size_too_large",
    "not_as_described",
    "damaged_in_transit",
    "defective",
    "wrong_item_sent",
    "changed_mind",
    "arrived_late",
    "other",
)
OUTCOMES = ("refund", "store_credit", "exchange")
MATCHES = ("right_item", "different_variant", "different_item", "serial_swap", "not_ours", "missing", "extra")
DISPOSITIONS = (
    "restock_new",
    "restock_open_box",
    "refurbish",
    "liquidation",
    "return_to_vendor",
    "recycle",
    "quarantine",
)
SIGNALS = (
    "serial_swap",
    "different_item",
    "different_variant",
    "not_ours",
    "empty_parcel",
    "light_parcel",
    "outside_window",
    "serial_returner",
    "unexpected_return",
    "held_at_other_merchants",
)
CONDITIONS = ("new", "open_box", "refurbish", "damaged", "quarantine")
RUBRIC_CATEGORIES = ("apparel", "shoes", "electronics", "home", "general")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _known(values: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(map(repr, unknown))}; one of {', '.join(allowed)}")
    return values


def _percent(value: float) -> float:
    if not 0 <= value <= 100:
        raise ValueError(f"a percentage must be between 0 and 100, got {value}")
    return value


# --- policy.yaml ---------------------------------------------------------------------------------


class RestockingFee(_Strict):
    id: str
    reasons: list[str] = Field(default_factory=list)  # empty: any reason
    categories: list[str] = Field(default_factory=list)  # empty: any category
    percent: float

    _reasons = field_validator("reasons")(lambda v: _known(v, REASONS, "reason"))
    _pct = field_validator("percent")(lambda v: _percent(v))


class KeepIt(_Strict):
    max_unit_value_minor: int = Field(ge=0)
    reasons: list[str]

    _reasons = field_validator("reasons")(lambda v: _known(v, REASONS, "reason"))


class TrustTier(_Strict):
    name: str
    min_score: float = Field(ge=0, le=100)
    instant_refund: bool = False
    instant_exchange: bool = False
    free_exchange: bool = False


class TrustPolicy(_Strict):
    tiers: list[TrustTier] = Field(min_length=1)
    serial_returner_min_returns: int = Field(default=4, ge=1)
    serial_returner_min_rate: float = Field(default=0.6, gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> TrustPolicy:
        scores = [t.min_score for t in self.tiers]
        if scores != sorted(scores, reverse=True):
            raise ValueError("trust tiers must be listed best first (min_score descending)")
        if scores[-1] != 0:
            raise ValueError("the last trust tier must have min_score 0 so that every shopper has a tier")
        return self


class FraudPolicy(_Strict):
    parcel_tare_g: int = Field(default=180, ge=0)
    empty_parcel_max_g: int = Field(default=40, ge=0)
    light_parcel_ratio: float = Field(default=0.6, gt=0, le=1)
    heavy_parcel_ratio: float = Field(default=1.5, ge=1)
    hold_on: list[str] = Field(default_factory=lambda: list(SIGNALS))

    _signals = field_validator("hold_on")(lambda v: _known(v, SIGNALS, "signal"))


class Policy(_Strict):
    window_days: int = Field(ge=0)
    grace_days_without_delivery: int = Field(default=10, ge=0)
    arrive_within_days: int = Field(default=21, ge=1)
    final_sale_returnable: bool = False
    merchant_fault_reasons: list[str] = Field(default_factory=list)
    restocking_fees: list[RestockingFee] = Field(default_factory=list)
    grade_deduction_percent: dict[str, float]
    store_credit_bonus_percent: float = 0
    keep_it: KeepIt | None = None
    trust: TrustPolicy
    fraud: FraudPolicy = Field(default_factory=FraudPolicy)

    _fault = field_validator("merchant_fault_reasons")(lambda v: _known(v, REASONS, "reason"))
    _bonus = field_validator("store_credit_bonus_percent")(lambda v: _percent(v))

    @field_validator("grade_deduction_percent")
    @classmethod
    def _every_grade(cls, value: dict[str, float]) -> dict[str, float]:
        missing = [g for g in GRADES if g not in value]
        if missing:
            raise ValueError(f"a deduction is needed for every grade; missing {', '.join(missing)}")
        _known(list(value), GRADES, "grade")
        for pct in value.values():
            _percent(pct)
        return value


# --- rubrics/<category>.yaml ----------------------------------------------------------------------


def _answer_text(value: Any) -> Any:
    # YAML 1.1 reads an unquoted yes/no as a boolean; a rubric author means the answer "yes"/"no".
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


class Question(_Strict):
    id: str = Field(min_length=1)
    text: dict[str, str]
    answers: list[str] = Field(min_length=2)

    @field_validator("answers", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        return [_answer_text(v) for v in value] if isinstance(value, list) else value

    @field_validator("text")
    @classmethod
    def _english(cls, value: dict[str, str]) -> dict[str, str]:
        if "en" not in value:
            raise ValueError("each question needs at least an English text (en)")
        return value


class RubricRule(_Strict):
    id: str = Field(min_length=1)
    # question id -> the answer (or any of the answers) that makes this rule fire
    when: dict[str, list[str]] = Field(default_factory=dict)
    grade: str
    explain: dict[str, str] = Field(default_factory=dict)

    @field_validator("when", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {
            k: [_answer_text(x) for x in v] if isinstance(v, list) else [_answer_text(v)]
            for k, v in value.items()
        }

    _grade = field_validator("grade")(lambda v: _known([v], GRADES, "grade")[0])


class Rubric(_Strict):
    category: str
    questions: list[Question] = Field(min_length=1)
    rules: list[RubricRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"question ids must be unique: {ids}")
        answers = {q.id: q.answers for q in self.questions}
        rule_ids = [r.id for r in self.rules]
        if len(set(rule_ids)) != len(rule_ids):
            raise ValueError(f"rule ids must be unique: {rule_ids}")
        for index, rule in enumerate(self.rules):
            for question, wanted in rule.when.items():
                if question not in answers:
                    raise ValueError(
                        f"rule {rule.id!r} asks about {question!r}, which is not a question here"
                    )
                wrong = [w for w in wanted if w not in answers[question]]
                if wrong:
                    raise ValueError(
                        f"rule {rule.id!r}: {question} cannot be answered {', '.join(wrong)} "
                        f"(answers: {', '.join(answers[question])})"
                    )
            last = index == len(self.rules) - 1
            if not rule.when and not last:
                raise ValueError(f"rule {rule.id!r} has no conditions, so the rules after it can never fire")
            if last and rule.when:
                raise ValueError(
                    f"the last rule ({rule.id!r}) must have no conditions, so every answer gets a grade"
                )
        return self


# --- disposition.yaml -----------------------------------------------------------------------------


class DispositionWhen(_Strict):
    grades: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    matches: list[str] = Field(default_factory=list)
    min_value_minor: int | None = Field(default=None, ge=0)
    max_value_minor: int | None = Field(default=None, ge=0)

    _grades = field_validator("grades")(lambda v: _known(v, GRADES, "grade"))
    _reasons = field_validator("reasons")(lambda v: _known(v, REASONS, "reason"))
    _matches = field_validator("matches")(lambda v: _known(v, MATCHES, "match"))

    def is_empty(self) -> bool:
        return self == DispositionWhen()


class DispositionRule(_Strict):
    id: str = Field(min_length=1)
    when: DispositionWhen = Field(default_factory=DispositionWhen)
    disposition: str

    _disposition = field_validator("disposition")(lambda v: _known([v], DISPOSITIONS, "disposition")[0])


class Destination(_Strict):
    location: str
    condition: str
    tote: str = ""
    prefer_item_home: bool = False

    _condition = field_validator("condition")(lambda v: _known([v], CONDITIONS, "condition")[0])


class DispositionConfig(_Strict):
    rules: list[DispositionRule] = Field(min_length=1)
    destinations: dict[str, Destination]
    recovery_percent: dict[str, float]

    @model_validator(mode="after")
    def _complete(self) -> DispositionConfig:
        missing = [d for d in DISPOSITIONS if d not in self.destinations]
        if missing:
            raise ValueError(f"destinations: missing {', '.join(missing)}")
        _known(list(self.destinations), DISPOSITIONS, "disposition")
        missing = [d for d in DISPOSITIONS if d not in self.recovery_percent]
        if missing:
            raise ValueError(f"recovery_percent: missing {', '.join(missing)}")
        for pct in self.recovery_percent.values():
            _percent(pct)
        if not self.rules[-1].when.is_empty():
            raise ValueError(f"the last rule ({self.rules[-1].id!r}) must have no conditions")
        for rule in self.rules[:-1]:
            if rule.when.is_empty():
                raise ValueError(f"rule {rule.id!r} has no conditions, so the rules after it can never fire")
        return self


def for_merchant(
    site: ReturnsConfig, policy: dict[str, Any], disposition_rules: tuple[dict[str, Any], ...] | list[Any]
) -> ReturnsConfig:
    """The site's returns configuration as one merchant has it: its policy keys replace the site's
    (checked as the site's are), its disposition rules are tried before the site's."""
    merged = Policy.model_validate({**site.policy.model_dump(), **policy}) if policy else site.policy
    disposition = site.disposition
    if disposition_rules:
        rules = [DispositionRule.model_validate(rule) for rule in disposition_rules]
        disposition = DispositionConfig.model_validate(
            {**site.disposition.model_dump(), "rules": [*rules, *site.disposition.rules]}
        )
    return site.model_copy(update={"policy": merged, "disposition": disposition})


class ReturnsConfig(BaseModel):
    """Everything the returns area reads from config/returns/."""

    model_config = ConfigDict(frozen=True)
    policy: Policy
    rubrics: dict[str, Rubric]
    disposition: DispositionConfig

    def rubric_for(self, category: str) -> Rubric:
        return self.rubrics.get(category) or self.rubrics["general"]
