"""SVG charts (pygal), rendered inline with no script or style fetched from anywhere: one per
objective (its measurements over time, its baseline and target, and the control limits from
before execution), and the practice report's quarterly trend and gate waits."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from ci_workflow.domain.evaluation import Evaluation
from ci_workflow.domain.practice_stats import Quarter, WaitFigures

MAX_POINTS = 300  # a chart 680 px wide shows no more; keeps a report of 1,000s of checkpoints fast
BLUE, GREEN, PURPLE, GREY, RED, ORANGE = (
    "#1f5fa8",
    "#2e7d32",
    "#6a1b9a",
    "#888888",
    "#c62828",
    "#ff8f00",
)
DASHED = {"dasharray": "6, 4"}


def _style(*colours: str) -> Any:
    from pygal.style import Style

    return Style(
        background="white", plot_background="white", font_family="sans-serif", colors=colours
    )


def objective_chart(evaluation: Evaluation) -> str:
    """SVG markup; empty when there is nothing to draw."""
    import pygal

    series = _series(evaluation)
    if not series:
        return ""
    style = _style(*(colour for _, _, colour, _ in series))
    chart = pygal.DateTimeLine(
        js=[],
        disable_xml_declaration=True,
        width=680,
        height=280,
        style=style,
        x_label_rotation=25,
        show_x_guides=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=7,
        title=f"{evaluation.metric} ({evaluation.unit})" if evaluation.unit else evaluation.metric,
        x_value_formatter=lambda at: at.strftime("%Y-%m-%d"),
        truncate_legend=-1,
    )
    for name, points, _, options in series:
        chart.add(name, points, **options)
    return str(chart.render(is_unicode=True))


Series = tuple[str, list[tuple[datetime, float]], str, dict[str, Any]]


def _series(evaluation: Evaluation) -> list[Series]:
    """What the chart draws, each with its colour: the colours follow the series drawn."""
    points = evaluation.points
    if not points:
        return []
    first, last = points[0].at, points[-1].at
    shown = _thinned(len(points))

    def level(value: float) -> list[tuple[datetime, float]]:
        return [(first, value), (last, value)]

    flat = {"show_dots": False}
    series: list[Series] = [
        (
            "measured",
            [(points[i].at, points[i].value) for i in shown],
            BLUE,
            {"show_dots": len(shown) <= 120},
        ),
        ("target", level(evaluation.target), GREEN, {**flat, "stroke_style": DASHED}),
    ]
    if evaluation.baseline is not None:
        series.append(("baseline", level(evaluation.baseline), PURPLE, flat))
    limits = evaluation.limits
    if limits.centre is not None and limits.upper is not None and limits.lower is not None:
        series += [
            ("centre", level(limits.centre), GREY, flat),
            ("upper limit", level(limits.upper), RED, {**flat, "stroke_style": DASHED}),
            ("lower limit", level(limits.lower), RED, {**flat, "stroke_style": DASHED}),
        ]
    signals = sorted(set(limits.signals) & set(shown))
    if signals:
        marks = [(points[i].at, points[i].value) for i in signals]
        series.append(("signal", marks, ORANGE, {"stroke": False, "dots_size": 6}))
    return series


def _thinned(count: int) -> list[int]:
    """Indexes to draw: every n-th point and the last one (the report's text counts them all)."""
    step = max(1, -(-count // MAX_POINTS))
    return sorted(set(range(0, count, step)) | {count - 1})


def nothing_to_draw(title: str) -> str:
    """A chart's place, when there is no measurement yet."""
    from markupsafe import escape

    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="680" height="60" role="img">'
        f'<text x="10" y="35" font-family="sans-serif" font-size="14" fill="#5b6670">'
        f"{escape(title)}: no measurement yet</text></svg>"
    )


def trend_chart(quarters: list[Quarter]) -> str:
    """Success rate (per cent, left axis) and mean days to implement (right axis) per quarter;
    empty when nothing closed. A quarter where none closed is a gap, not a zero."""
    import pygal

    if not any(q.closed for q in quarters):
        return ""
    chart = pygal.Line(
        js=[],
        disable_xml_declaration=True,
        width=680,
        height=300,
        style=_style(GREEN, BLUE),
        title="Success rate and time to implement, by quarter",
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        show_x_guides=False,
        x_labels=[q.label for q in quarters],
        range=(0, 100),
        allow_interruptions=True,
        truncate_legend=-1,
        dots_size=4,
        secondary_range=(0, _axis_top(max(q.days_to_implement.value or 0 for q in quarters))),
    )
    rates = [None if q.success_rate.value is None else q.success_rate.value * 100 for q in quarters]
    chart.add("success rate (%)", rates, formatter=lambda v: f"{v:.0f} %")
    days = [q.days_to_implement.value for q in quarters]
    chart.add("days to implement", days, secondary=True, formatter=_days)
    return str(chart.render(is_unicode=True))


def gate_wait_chart(gates: list[WaitFigures], overdue_days: float) -> str:
    """Median and p90 wait (days) of the gates decided in the period, against the overdue line;
    empty when none was decided."""
    import pygal

    decided = [g for g in gates if g.decided.count]
    if not decided:
        return ""
    chart = pygal.Bar(
        js=[],
        disable_xml_declaration=True,
        width=680,
        height=300,
        style=_style(BLUE, ORANGE),
        title=f"Gate waits decided in the period, days (overdue after {overdue_days:g})",
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        show_x_guides=False,
        truncate_legend=-1,
        x_labels=[g.name.replace("_", " ") for g in decided],
    )
    chart.add("median", [g.decided.median_days for g in decided], formatter=_days)
    chart.add("p90", [g.decided.p90_days for g in decided], formatter=_days)
    return str(chart.render(is_unicode=True))


def _axis_top(highest: float) -> int:
    """A multiple of 10 above ``highest``: the right axis shares the left one's ten steps, so
    its labels are whole numbers."""
    return max(10, math.ceil(highest * 1.1 / 10) * 10)


def _days(value: float) -> str:
    return f"{value:.1f} days"
