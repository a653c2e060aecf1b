"""What the returns insight endpoints answer: mixes with shares, money recovered, dock-to-stock times."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Share(BaseModel):
    key: str
    count: int
    share: float = Field(description="of the total, 0..1, rounded to 4 places")


class Recovered(BaseModel):
    currency: str
    key: str
    units: int
    value_minor: int = Field(description="what the units sold for")
    recovered_minor: int = Field(description="what they are worth after grading")
    recovery_rate: float


class Period(BaseModel):
    since: datetime | None
    until: datetime | None


class ReasonsFigures(BaseModel):
    overall: list[Share]
    by_sku: dict[str, list[Share]]
    by_category: dict[str, list[Share]]


class GradesFigures(BaseModel):
    overall: list[Share]
    by_category: dict[str, list[Share]]


class DispositionsFigures(BaseModel):
    overall: list[Share]
    by_grade: dict[str, list[Share]]


class RecoveryFigures(BaseModel):
    total: list[Recovered]
    by_disposition: list[Recovered]
    by_category: list[Recovered]


class DockToStockFigures(BaseModel):
    unit: str = Field(description="seconds")
    count: int
    p50: float | None
    p90: float | None
    mean: float | None


class Reasons(Period, ReasonsFigures):
    pass


class Grades(Period, GradesFigures):
    pass


class Dispositions(Period, DispositionsFigures):
    pass


class Recovery(Period, RecoveryFigures):
    pass


class DockToStock(Period, DockToStockFigures):
    pass


class Everything(Period):
    reasons: ReasonsFigures
    grades: GradesFigures
    dispositions: DispositionsFigures
    recovery: RecoveryFigures
    dock_to_stock: DockToStockFigures
