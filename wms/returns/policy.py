"""Loading config/returns/ (policy, grading rubrics, disposition rules) into `wms.returns.rules` values.

Read at start-up; a file that cannot be used raises ConfigError naming the file and the fault, so a
bad rubric never reaches the floor.
"""

from __future__ import annotations

from pathlib import Path

from kaeru_config.site import ConfigError, SiteConfig, load_model
from wms.returns.rules import (
    CONDITIONS,
    DISPOSITIONS,
    GRADES,
    MATCHES,
    OUTCOMES,
    REASONS,
    RUBRIC_CATEGORIES,
    SIGNALS,
    Destination,
    DispositionConfig,
    DispositionRule,
    DispositionWhen,
    FraudPolicy,
    KeepIt,
    Policy,
    Question,
    RestockingFee,
    ReturnsConfig,
    Rubric,
    RubricRule,
    TrustPolicy,
    TrustTier,
)

__all__ = [
    "CONDITIONS",
    "DISPOSITIONS",
    "GRADES",
    "MATCHES",
    "OUTCOMES",
    "REASONS",
    "RUBRIC_CATEGORIES",
    "SIGNALS",
    "Destination",
    "DispositionConfig",
    "DispositionRule",
    "DispositionWhen",
    "FraudPolicy",
    "KeepIt",
    "Policy",
    "Question",
    "RestockingFee",
    "ReturnsConfig",
    "Rubric",
    "RubricRule",
    "TrustPolicy",
    "TrustTier",
    "load_returns_config",
]


def load_returns_config(config_dir: Path, site: SiteConfig | None = None) -> ReturnsConfig:
    """Read and check config/returns/; raises ConfigError naming the file and the fault."""
    base = config_dir / "returns"
    policy = load_model(base / "policy.yaml", Policy)
    rubrics: dict[str, Rubric] = {}
    for path in sorted((base / "rubrics").glob("*.yaml")):
        rubric = load_model(path, Rubric)
        if rubric.category != path.stem:
            raise ConfigError(
                f"{path}: category {rubric.category!r} does not match the file name {path.stem!r}"
            )
        rubrics[rubric.category] = rubric
    missing = [c for c in RUBRIC_CATEGORIES if c not in rubrics]
    if missing:
        raise ConfigError(
            f"{base / 'rubrics'}: no rubric for {', '.join(missing)} "
            f"(expected {', '.join(m + '.yaml' for m in missing)})"
        )
    disposition_path = base / "disposition.yaml"
    disposition = load_model(disposition_path, DispositionConfig)
    if site is not None:
        for warehouse in site.warehouses:
            codes = {code for spec in warehouse.locations for code, _, _ in spec.expand()}
            for name, destination in disposition.destinations.items():
                if destination.location not in codes:
                    raise ConfigError(
                        f"{disposition_path}: destinations.{name}: location {destination.location!r} "
                        f"is not a location of warehouse {warehouse.code} in site.yaml"
                    )
    return ReturnsConfig(policy=policy, rubrics=rubrics, disposition=disposition)
