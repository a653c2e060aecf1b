"""A malformed returns configuration is refused with the file and the fault named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kaeru_config.settings import ROOT
from kaeru_config.site import ConfigError, load_site
from wms.returns.policy import load_returns_config


def _copy_config(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    return tmp_path / "config"


def test_the_shipped_configuration_loads_with_a_rubric_for_every_category() -> None:
    config = load_returns_config(ROOT / "config", load_site(ROOT / "config"))
    assert set(config.rubrics) == {"apparel", "shoes", "electronics", "home", "general"}


def test_a_rule_about_a_question_the_rubric_does_not_ask_names_the_file_and_the_rule(tmp_path: Path) -> None:
    config = _copy_config(tmp_path)
    rubric = config / "returns" / "rubrics" / "shoes.yaml"
    rubric.write_text(rubric.read_text().replace("when: {pair_complete:", "when: {laces:"))
    with pytest.raises(ConfigError) as refused:
        load_returns_config(config)
    assert str(rubric) in str(refused.value)
    assert "incomplete_pair_is_scrap" in str(refused.value)
    assert "'laces'" in str(refused.value)


def test_a_rubric_whose_last_rule_has_conditions_is_refused(tmp_path: Path) -> None:
    config = _copy_config(tmp_path)
    rubric = config / "returns" / "rubrics" / "general.yaml"
    rubric.write_text(rubric.read_text() + '    when: {complete: "yes"}\n')
    with pytest.raises(ConfigError, match=r"general\.yaml.*last rule"):
        load_returns_config(config)


def test_an_unknown_grade_in_a_rubric_is_refused(tmp_path: Path) -> None:
    config = _copy_config(tmp_path)
    rubric = config / "returns" / "rubrics" / "home.yaml"
    rubric.write_text(rubric.read_text().replace("grade: X", "grade: Z", 1))
    with pytest.raises(ConfigError, match=r"home\.yaml.*unknown grade 'Z'"):
        load_returns_config(config)


def test_a_rubric_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    config = _copy_config(tmp_path)
    rubric = config / "returns" / "rubrics" / "apparel.yaml"
    rubric.write_text("category: apparel\nquestions: [unclosed\n")
    with pytest.raises(ConfigError, match=r"apparel\.yaml: not valid YAML"):
        load_returns_config(config)


def test_a_missing_rubric_is_named(tmp_path: Path) -> None:
    config = _copy_config(tmp_path)
    (config / "returns" / "rubrics" / "shoes.yaml").unlink()
    with pytest.raises(ConfigError, match=r"no rubric for shoes \(expected shoes\.yaml\)"):
        load_returns_config(config)


def test_a_destination_that_is_not_a_site_location_is_refused(tmp_path: Path) -> None:
    config = _copy_config(tmp_path)
    disposition = config / "returns" / "disposition.yaml"
    disposition.write_text(disposition.read_text().replace("location: REFURB,", "location: NOWHERE,"))
    with pytest.raises(ConfigError, match=r"disposition\.yaml: destinations\.refurbish: location 'NOWHERE'"):
        load_returns_config(config, load_site(config))


def test_a_policy_without_a_deduction_for_every_grade_is_refused(tmp_path: Path) -> None:
    config = _copy_config(tmp_path)
    policy = config / "returns" / "policy.yaml"
    policy.write_text(policy.read_text().replace(", X: 100}", "}"))
    with pytest.raises(ConfigError, match=r"policy\.yaml: grade_deduction_percent.*missing X"):
        load_returns_config(config)
