"""One SVG chart per objective (pygal): its measurements over time, the target, and the control
limits from before execution. Rendered inline, with no script or style fetched from anywhere."""

from __future__ import annotations

from ci_workflow.domain.evaluation import Evaluation


def objective_chart(evaluation: Evaluation) -> str:
    """SVG markup; empty when there is nothing to draw."""
    import pygal
    from pygal.style import Style

    points = evaluation.points
    if not points:
        return ""
    style = Style(
        background="white", plot_background="white", font_family="sans-serif",
        colors=("#1f5fa8", "#2e7d32", "#888888", "#c62828", "#c62828", "#ff8f00"),
    )  # fmt: skip
    chart = pygal.DateTimeLine(
        js=[], disable_xml_declaration=True, width=680, height=280, style=style,
        x_label_rotation=25, show_x_guides=False, legend_at_bottom=True, legend_at_bottom_columns=6,
        title=f"{evaluation.metric} ({evaluation.unit})" if evaluation.unit else evaluation.metric,
        x_value_formatter=lambda at: at.strftime("%Y-%m-%d"), truncate_legend=-1,
    )  # fmt: skip
    first, last = points[0].at, points[-1].at
    shown = _thinned(len(points))
    many = len(shown) > 120
    chart.add("measured", [(points[i].at, points[i].value) for i in shown], show_dots=not many)
    dashed = {"dasharray": "6, 4"}
    chart.add(
        "target",
        [(first, evaluation.target), (last, evaluation.target)],
        show_dots=False,
        stroke_style=dashed,
    )
    limits = evaluation.limits
    if limits.centre is not None and limits.upper is not None and limits.lower is not None:
        chart.add("centre", [(first, limits.centre), (last, limits.centre)], show_dots=False)
        chart.add(
            "upper limit",
            [(first, limits.upper), (last, limits.upper)],
            show_dots=False,
            stroke_style=dashed,
        )
        chart.add(
            "lower limit",
            [(first, limits.lower), (last, limits.lower)],
            show_dots=False,
            stroke_style=dashed,
        )
    signals = sorted(set(limits.signals) & set(shown))
    if signals:
        chart.add(
            "signal",
            [(points[i].at, points[i].value) for i in signals],
            stroke=False,
            dots_size=6,
        )
    return str(chart.render(is_unicode=True))


MAX_POINTS = 300  # a chart 680 px wide shows no more; keeps a report of 1,000s of checkpoints fast


def _thinned(count: int) -> list[int]:
    """Indexes to draw: every n-th point and the last one (the report's text counts them all)."""
    step = max(1, -(-count // MAX_POINTS))
    return sorted(set(range(0, count, step)) | {count - 1})
