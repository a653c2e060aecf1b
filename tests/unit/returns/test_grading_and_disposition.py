"""Grading rubrics and disposition rules from config/returns, as pure decisions."""

from __future__ import annotations

import pytest

from kaeru_config.settings import ROOT
from wms import i18n
from wms.errors import Invalid
from wms.returns import model
from wms.returns.policy import ReturnsConfig, load_returns_config

CONFIG: ReturnsConfig = load_returns_config(ROOT / "config")
APPAREL_NEW = {"tags_attached": "yes", "worn": "no", "stains": "none", "odour": "no", "damage": "no"}
ELECTRONICS_OPENED = {
    "seal_intact": "no",
    "powers_on": "yes",
    "accessories_complete": "yes",
    "screen_damage": "none",
    "liquid_damage": "no",
}


def test_unworn_apparel_with_tags_is_grade_a_by_the_like_new_rule() -> None:
    decision = model.grade(CONFIG.rubrics["apparel"], APPAREL_NEW)
    assert (decision.grade, decision.rule_id) == ("A", "unworn_with_tags_is_like_new")


def test_apparel_without_tags_but_unworn_is_open_box() -> None:
    decision = model.grade(CONFIG.rubrics["apparel"], {**APPAREL_NEW, "tags_attached": "no"})
    assert (decision.grade, decision.rule_id) == ("B", "unworn_without_tags_is_open_box")


def test_the_first_matching_rule_wins_so_odour_with_major_stains_is_scrap() -> None:
    decision = model.grade(CONFIG.rubrics["apparel"], {**APPAREL_NEW, "odour": "yes", "stains": "major"})
    assert (decision.grade, decision.rule_id) == ("X", "odour_or_major_stains_is_scrap")


def test_the_rule_that_fired_explains_itself_in_the_associates_language() -> None:
    decision = model.grade(CONFIG.rubrics["apparel"], {**APPAREL_NEW, "worn": "yes"})
    assert decision.grade == "C"
    assert decision.explain["en"] == "worn: needs cleaning"  # the other languages: the catalogs
    assert i18n.said(decision.explain, "ja") == "着用済み：クリーニングが必要"
    assert i18n.said(decision.explain, "uk") == "ношене: потрібне чищення"


def test_opened_working_complete_electronics_are_open_box() -> None:
    assert model.grade(CONFIG.rubrics["electronics"], ELECTRONICS_OPENED).grade == "B"


def test_electronics_that_do_not_power_on_need_refurbishing() -> None:
    decision = model.grade(CONFIG.rubrics["electronics"], {**ELECTRONICS_OPENED, "powers_on": "no"})
    assert (decision.grade, decision.rule_id) == ("C", "dead_needs_repair")


def test_a_checklist_with_an_unanswered_question_is_refused() -> None:
    answers = dict(APPAREL_NEW)
    del answers["odour"]
    with pytest.raises(Invalid, match="missing: odour"):
        model.grade(CONFIG.rubrics["apparel"], answers)


def test_an_answer_that_is_not_offered_is_refused() -> None:
    with pytest.raises(Invalid, match="stains: 'some' is not an answer"):
        model.grade(CONFIG.rubrics["apparel"], {**APPAREL_NEW, "stains": "some"})


def test_an_answer_to_a_question_of_another_checklist_is_refused() -> None:
    with pytest.raises(Invalid, match="seal_intact"):
        model.grade(CONFIG.rubrics["apparel"], {**APPAREL_NEW, "seal_intact": "yes"})


def test_a_category_without_its_own_checklist_uses_the_general_one() -> None:
    assert CONFIG.rubric_for("garden").category == "general"


def _dispose(
    grade: str,
    category: str = "apparel",
    value: int = 5000,
    reason: str = "changed_mind",
    match: str = "right_item",
) -> model.DispositionDecision:
    return model.dispose(
        CONFIG.disposition, grade=grade, category=category, value_minor=value, reason=reason, match=match
    )


def test_grade_a_goes_back_to_stock_as_new() -> None:
    assert _dispose("A").disposition == "restock_new"


def test_grade_b_is_restocked_as_open_box() -> None:
    assert _dispose("B").disposition == "restock_open_box"


def test_grade_c_electronics_worth_enough_are_refurbished() -> None:
    assert _dispose("C", "electronics", 3000).disposition == "refurbish"


def test_cheap_grade_c_electronics_go_to_liquidation() -> None:
    assert _dispose("C", "electronics", 2999).disposition == "liquidation"


def test_grade_c_apparel_goes_to_liquidation() -> None:
    decision = _dispose("C", "apparel")
    assert (decision.disposition, decision.rule_id) == ("liquidation", "worn_but_sellable_to_liquidation")


def test_a_defective_valuable_unit_goes_back_to_the_vendor() -> None:
    assert _dispose("D", "electronics", 25000, "defective").disposition == "return_to_vendor"


def test_scrap_is_recycled() -> None:
    assert _dispose("X").disposition == "recycle"


def test_a_swapped_serial_goes_to_quarantine_whatever_its_grade() -> None:
    assert _dispose("A", match="serial_swap").disposition == "quarantine"


def test_recovery_value_is_the_dispositions_share_of_the_price() -> None:
    assert model.recovery_value(CONFIG.disposition, disposition="restock_open_box", value_minor=10000) == 7000
    assert model.recovery_value(CONFIG.disposition, disposition="recycle", value_minor=10000) == 0
