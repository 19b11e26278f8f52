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
