"""The Markdown shown above a gate's decision form (Prefect UI) and in the gate-open message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ci_workflow.domain.gates import DECISIONS, Gate
from ci_workflow.domain.similarity import SimilarImprovement
from ci_workflow.reports.rendering import render
from ci_workflow.schemas import ImprovementDetail


def gate_summary(
    detail: ImprovementDetail,
    gate: Gate,
    latest: dict[str, tuple[float, datetime]],
    *,
    refused: str | None = None,
    similar: Sequence[SimilarImprovement] | None = None,
) -> str:
    """What is being decided and the facts for it; ``latest`` is each metric's newest value,
    ``refused`` why the previous answer to this gate did not count, ``similar`` the closed
    improvements most like this one (``services.lessons``; None: not looked for)."""
    return render(
        "gate_summary.md", improvement=detail, gate=gate, latest=latest,
        decisions=DECISIONS[gate], refused=refused, similar=similar,
    )  # fmt: skip
