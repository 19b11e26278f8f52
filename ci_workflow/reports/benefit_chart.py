"""The portfolio's chart of benefits: per strategic objective, the benefit forecast against the
validated actual, in the organisation's currency (pygal, inline SVG, no script)."""

from __future__ import annotations

from ci_workflow.formatting import money
from ci_workflow.reports.charts import BLUE, GREEN, _style
from ci_workflow.schemas_benefits import PortfolioBenefits


def benefits_chart(benefits: PortfolioBenefits) -> str:
    """Two bars per objective (forecast, validated actual); empty when no objective has a
    forecast or an actual."""
    import pygal

    shown = [o for o in benefits.objectives if o.forecast or o.validated]
    if not shown:
        return ""
    chart = pygal.Bar(
        js=[],
        disable_xml_declaration=True,
        width=680,
        height=320,
        style=_style(BLUE, GREEN),
        title=f"Benefit per objective: forecast vs validated actual ({benefits.currency})",
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        show_x_guides=False,
        truncate_legend=-1,
        truncate_label=18,
        x_label_rotation=0 if len(shown) <= 4 else 20,
        value_formatter=lambda v: f"{money(v)} {benefits.currency}",
        x_labels=[o.key for o in shown],
    )
    chart.add("forecast", [o.forecast for o in shown])
    chart.add("validated actual", [o.validated for o in shown])
    return str(chart.render(is_unicode=True))
