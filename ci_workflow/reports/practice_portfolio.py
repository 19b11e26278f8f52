"""The practice report's Portfolio section: the register's portfolio (``PortfolioOut``) with
each strategic objective and programme beside its benefit figures, forecast against validated
actual in the organisation's currency."""

from __future__ import annotations

from typing import Any

from ci_workflow.schemas_benefits import BenefitFigures
from ci_workflow.schemas_strategy import PortfolioOut


def portfolio_context(portfolio: PortfolioOut) -> dict[str, Any]:
    """``portfolio``: none applied (``version`` None) leaves the section one line long;
    ``portfolio_objectives`` and ``portfolio_programmes`` pair each with its benefit figures
    (empty figures where it has no benefit lines)."""
    benefits = portfolio.benefits
    by_objective = {f.key: f for f in benefits.objectives}
    by_programme = {f.key: f for f in benefits.programmes}
    return {
        "portfolio": portfolio,
        "portfolio_currency": benefits.currency,
        "portfolio_objectives": [
            (o, by_objective.get(o.key) or BenefitFigures(key=o.key, title=o.title))
            for o in portfolio.objectives
        ],
        "portfolio_programmes": [
            (p, by_programme.get(p.key) or BenefitFigures(key=p.key, title=p.title))
            for p in portfolio.programmes
        ],
    }
