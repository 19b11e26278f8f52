"""Prioritisation of the register: strategic impact × feasibility, and value versus effort."""

from __future__ import annotations


def priority(strategic_impact: int, feasibility: int) -> int:
    """Both are scored 1–5, so priority runs from 1 (leave it) to 25 (do it now)."""
    return strategic_impact * feasibility


def value(expected_gain: float | None, estimated_cost: float | None) -> float | None:
    """Expected net value; unknown while either figure is missing."""
    if expected_gain is None or estimated_cost is None:
        return None
    return expected_gain - estimated_cost


def wsjf(
    business_value: int | None,
    time_criticality: int | None,
    risk_reduction: int | None,
    effort: int | None,
) -> float | None:
    """Weighted shortest job first: cost of delay ÷ effort; unknown until all four are scored."""
    if business_value is None or time_criticality is None or risk_reduction is None or not effort:
        return None
    return round((business_value + time_criticality + risk_reduction) / effort, 2)
