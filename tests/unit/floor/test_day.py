"""The simulated day's decisions: arrivals, return rates, conditions and grades, parcels, the carrier."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kaeru_config.settings import ROOT
from kaeru_config.site import load_site
from simulators import day
from simulators.day import CatalogueItem
from wms.returns import model
from wms.returns.policy import load_returns_config

START = datetime(2025, 3, 3, 0, 0, tzinfo=ZoneInfo("America/Chicago"))
GRADES = {"like_new": "A", "opened": "B", "used": "C", "damaged": "D", "ruined": "X"}


def _catalogue() -> list[CatalogueItem]:
    sizes = [
        CatalogueItem(f"TEE-{s}", None, "apparel", 200, 3000, variant_group="TEE", variant_label=s)
        for s in ("S", "M", "L")
    ]
    return [
        *sizes,
        CatalogueItem("MUG", None, "home", 400, 1500),
        CatalogueItem("WATCH", None, "electronics", 100, 20000, tracking="serial"),
    ]


def test_evening_hours_get_more_orders_than_the_small_hours() -> None:
    assert day.order_rate(20, 100) > 5 * day.order_rate(3, 100)


def test_arrivals_over_many_days_average_the_orders_per_day() -> None:
    rng, at, count = random.Random(1), START, 0
    while at < START + timedelta(days=20):
        at = day.next_arrival(rng, at, 50)
        count += 1
    assert 900 <= count <= 1100


@pytest.mark.parametrize("category", ["apparel", "shoes", "electronics", "home", "general"])
def test_each_condition_is_graded_as_intended_by_the_configured_checklist(category: str) -> None:
    config = load_returns_config(ROOT / "config", load_site(ROOT / "config"))
    rubric = config.rubric_for(category)
    questions = [{"id": q.id, "answers": q.answers} for q in rubric.questions]
    for condition, grade in GRADES.items():
        answers = day.answers_for(category, condition, questions)
        assert model.grade(rubric, answers).grade == grade, (category, condition)


def test_a_question_the_profile_does_not_know_gets_its_first_answer() -> None:
    answers = day.answers_for("apparel", "used", [{"id": "smells_of_cat", "answers": ["no", "yes"]}])
    assert answers == {"smells_of_cat": "no"}


def test_apparel_comes_back_far_more_often_than_hard_goods() -> None:
    rng, catalogue = random.Random(2), _catalogue()
    tee, mug = catalogue[1], catalogue[3]
    tees = sum(day.decide_return(rng, tee, catalogue) is not None for _ in range(4000)) / 4000
    mugs = sum(day.decide_return(rng, mug, catalogue) is not None for _ in range(4000)) / 4000
    assert 0.2 <= tees <= 0.3
    assert 0.01 <= mugs <= 0.05


def test_exchanges_are_under_a_third_of_returns_and_swap_to_a_neighbouring_size() -> None:
    rng, catalogue = random.Random(3), _catalogue()
    plans = [p for _ in range(6000) if (p := day.decide_return(rng, catalogue[1], catalogue))]
    exchanges = [p for p in plans if p.outcome == "exchange"]
    assert 0.1 <= len(exchanges) / len(plans) <= 0.33
    assert {p.exchange_sku for p in exchanges} <= {"TEE-S", "TEE-L"}


def test_most_returned_units_grade_a_or_b_and_few_are_scrap() -> None:
    rng, catalogue = random.Random(4), _catalogue()
    plans = [p for _ in range(8000) if (p := day.decide_return(rng, catalogue[0], catalogue))]
    share = {c: sum(p.condition == c for p in plans) / len(plans) for c in GRADES}
    assert share["like_new"] + share["opened"] > 0.6
    assert share["ruined"] < 0.08


def test_the_same_seed_makes_the_same_decisions() -> None:
    catalogue = _catalogue()
    first = [day.decide_return(random.Random(9), catalogue[0], catalogue, more_returns=5) for _ in range(3)]
    again = [day.decide_return(random.Random(9), catalogue[0], catalogue, more_returns=5) for _ in range(3)]
    assert first == again


def test_a_light_parcel_weighs_well_under_what_its_contents_should() -> None:
    rng = random.Random(5)
    honest = day.parcel_weight(rng, [800], None)
    light = day.parcel_weight(rng, [800], "light_parcel")
    assert honest >= 180 + 800 - 6
    assert light - 180 < 0.6 * 800


def test_a_parcel_is_out_for_delivery_before_it_is_delivered_and_in_transit_first() -> None:
    for seed in range(200):
        plan = day.tracking_plan(random.Random(seed), START + timedelta(hours=15))
        kinds = [s.kind for s in plan]
        assert kinds[0] == "in_transit"
        assert kinds[-2:] == ["out_for_delivery", "delivered"]
        assert [s.at for s in plan] == sorted(s.at for s in plan)
