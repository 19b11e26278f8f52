"""The Markdown shown above a gate's decision form (Prefect UI) and in the gate-open message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ci_workflow.domain.improvement.similarity import SimilarImprovement
from ci_workflow.domain.stages.gates import DECISIONS, Gate
from ci_workflow.reports.rendering import render
from ci_workflow.schemas import ImprovementDetail


def gate_summary(
    detail: ImprovementDetail,
    gate: Gate,
    latest: dict[str, tuple[float, datetime]],
    *,
    refused: str | None = None,
    signed: str | None = None,
    similar: Sequence[SimilarImprovement] | None = None,
    warnings: Sequence[str] = (),
) -> str:
    """What is being decided and the facts for it; ``latest`` is each metric's newest value,
    ``refused`` why the previous answer to this gate did not count, ``signed`` who signed a
    co-signed sign-off so far, ``similar`` the closed
    improvements most like this one (``services.reporting.lessons``; None: not looked for);
    ``warnings`` what should give the deciders pause (``domain.stages.gate_warnings``)."""
    return render(
        "gate_summary.md",
        improvement=detail,
        gate=gate,
        latest=latest,
        decisions=DECISIONS[gate],
        refused=refused,
        signed=signed,
        similar=similar,
        warnings=warnings,
    )
