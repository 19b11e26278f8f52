"""SVG charts (pygal), rendered inline with no script or style fetched from anywhere: one per
objective (its measurements over time, its baseline and target, and the control limits from
before execution), and the practice report's quarterly trend and gate waits."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from ci_workflow.domain.measures.evaluation import Evaluation
from ci_workflow.domain.measures.practice_stats import Quarter, WaitFigures
from ci_workflow.formatting import number, percent

MAX_POINTS = 300  # a chart 680 px wide shows no more; keeps a report of 1,000s of checkpoints fast
BLUE, GREEN, PURPLE, GREY, RED, ORANGE, SLATE = (
    "#1f5fa8",
    "#2e7d32",
    "#6a1b9a",
    "#888888",
    "#c62828",
    "#ff8f00",
    "#37474f",
)
DASHED = {"dasharray": "6, 4"}
DOTTED = {"dasharray": "2, 4"}
PADDING = 0.08  # of the span, above and below: a line on the plot's edge would vanish into it


def _style(*colours: str) -> Any:
    from pygal.style import Style

    # A light, solid grid: the data is what the eye should find first.
    return Style(
        background="white",
        plot_background="white",
        font_family="sans-serif",
        colors=colours,
        guide_stroke_color="#eceff1",
        major_guide_stroke_color="#dfe3e6",
        guide_stroke_dasharray="0",
        major_guide_stroke_dasharray="0",
        legend_font_size=13,
    )


def objective_chart(evaluation: Evaluation) -> str:
    """SVG markup that scales to its container; empty when there is nothing to draw."""
    import pygal

    series = _series(evaluation)
    if not series:
        return ""
    style = _style(*(colour for _, _, colour, _ in series))
    unit = evaluation.unit
    chart = pygal.DateTimeLine(
        js=[],
        disable_xml_declaration=True,
        width=680,
        height=300,
        style=style,
        x_label_rotation=25,
        show_x_guides=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        title=f"{evaluation.metric} ({unit})" if unit else evaluation.metric,
        x_value_formatter=lambda at: at.strftime("%Y-%m-%d"),
        value_formatter=lambda v: _label(v, unit),
        range=_padded(_values(series)),
        allow_interruptions=True,
        truncate_legend=-1,
    )
    for name, points, _, options in series:
        chart.add(name, points, **options)
    return str(chart.render(is_unicode=True))


Series = tuple[str, list[tuple[datetime, float | None]], str, dict[str, Any]]


def _series(evaluation: Evaluation) -> list[Series]:
    """What the chart draws, each with its colour: the colours follow the series drawn."""
    points = evaluation.points
    if not points:
        return []
    first, last = points[0].at, points[-1].at
    shown = _thinned(len(points))

    def level(value: float) -> list[tuple[datetime, float | None]]:
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
        # Both limits as one series (one legend entry), broken between them.
        both = [*level(limits.upper), (last, None), *level(limits.lower)]
        series += [
            ("centre line", level(limits.centre), GREY, flat),
            ("control limits", both, RED, {**flat, "stroke_style": DASHED}),
        ]
    signals = sorted(set(limits.signals) & set(shown))
    if signals:
        marks: list[tuple[datetime, float | None]] = [
            (points[i].at, points[i].value) for i in signals
        ]
        series.append(("signal", marks, ORANGE, {"stroke": False, "dots_size": 6}))
    started = evaluation.started_at
    if started is not None and first <= started <= last:
        low, high = _padded(_values(series))
        mark: list[tuple[datetime, float | None]] = [(started, low), (started, high)]
        series.append(("execution started", mark, SLATE, {**flat, "stroke_style": DOTTED}))
    return series


def _values(series: list[Series]) -> list[float]:
    return [v for _, points, _, _ in series for _, v in points if v is not None]


def _padded(values: list[float]) -> tuple[float, float]:
    """The value axis: every line drawn inside the plot, with a margin above and below."""
    low, high = min(values), max(values)
    margin = (high - low) * PADDING or abs(high) * PADDING or 1.0
    return low - margin, high + margin


def _thinned(count: int) -> list[int]:
    """Indexes to draw: every n-th point and the last one (the report's text counts them all)."""
    step = max(1, -(-count // MAX_POINTS))
    return sorted(set(range(0, count, step)) | {count - 1})


def nothing_to_draw(title: str) -> str:
    """A chart's place, when there is no measurement yet: the size of a chart, so a page that
    sized the image for one shows the words as they are, not stretched."""
    from markupsafe import escape

    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 680 280" width="680" height="280" '
        'role="img"><rect width="680" height="280" fill="#f5f7f8"/>'
        '<text x="340" y="145" text-anchor="middle" font-family="sans-serif" font-size="16" '
        f'fill="#5b6670">{escape(title)}: no measurement yet</text></svg>'
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
    chart.add("success rate (%)", rates, formatter=percent)
    days = [q.days_to_implement.value for q in quarters]
    chart.add("days to implement", days, secondary=True, formatter=_days)
    return str(chart.render(is_unicode=True))


def gate_wait_chart(gates: list[WaitFigures], overdue_days: float) -> str:
    """Median and p90 wait of the gates decided in the period, in hours when the longest is
    under two days and in days otherwise; empty when none was decided."""
    import pygal

    decided = [g for g in gates if g.decided.count]
    if not decided:
        return ""
    scale, unit, words = _wait_unit(max((g.decided.p90_days or 0) for g in decided))

    def shown(days: float | None) -> float | None:
        return None if days is None else days * scale

    chart = pygal.Bar(
        js=[],
        disable_xml_declaration=True,
        width=680,
        height=300,
        style=_style(BLUE, ORANGE),
        title=f"Gate waits decided in the period, {words} "
        f"(overdue after {number(overdue_days)} days)",
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        show_x_guides=False,
        truncate_legend=-1,
        value_formatter=lambda v: _label(v, unit),
        x_labels=[g.name.replace("_", " ") for g in decided],
    )
    chart.add("median", [shown(g.decided.median_days) for g in decided])
    chart.add("p90", [shown(g.decided.p90_days) for g in decided])
    return str(chart.render(is_unicode=True))


# The unit a wait reads in, by the longest: (days up to, per day, its symbol, its word).
WAIT_UNITS = (
    (1 / 1440, 86400.0, "s", "seconds"),
    (1 / 24, 1440.0, "min", "minutes"),
    (2.0, 24.0, "h", "hours"),
)


def _wait_unit(longest_days: float) -> tuple[float, str, str]:
    """Seconds under a minute, minutes under an hour, hours under two days, else days."""
    for below, per_day, symbol, word in WAIT_UNITS:
        if longest_days < below:
            return per_day, symbol, word
    return 1.0, "days", "days"


def _axis_top(highest: float) -> int:
    """A multiple of 10 above ``highest``: the right axis shares the left one's ten steps, so
    its labels are whole numbers."""
    return max(10, math.ceil(highest * 1.1 / 10) * 10)


def _days(value: float) -> str:
    return _label(value, "days")


def _label(value: float | None, unit: str) -> str:
    """An axis label or a tooltip: three significant digits and the unit, never ``8e-05``."""
    if value is None:
        return ""
    shown = number(float(round(value, 10)))
    return f"{shown} {unit}".strip()
