"""The server refuses to start with a malformed grading rubric, naming the file and the fault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kaeru_config.settings import ROOT, Settings
from kaeru_config.site import ConfigError
from wms.app import create_app


def test_a_malformed_rubric_stops_the_server_at_start_up_naming_the_file(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    rubric = config / "returns" / "rubrics" / "electronics.yaml"
    rubric.write_text(
        rubric.read_text().replace(
            'when: {powers_on: ["no", not_tested]}', 'when: {powers_on: ["no", smoking]}'
        )
    )
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'k.db'}",
        config_dir=config,
        media_dir=tmp_path / "media",
        run_relay=False,
    )
    with pytest.raises(ConfigError) as refused:
        create_app(settings)
    assert str(rubric) in str(refused.value)
    assert "rule 'dead_needs_repair': powers_on cannot be answered smoking" in str(refused.value)
