"""One SVG chart per objective (pygal): its measurements over time, the target, and the control
limits from before execution. Rendered inline, with no script or style fetched from anywhere."""

from __future__ import annotations

from ci_workflow.evaluation import Evaluation


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
    chart.add("measured", [(p.at, p.value) for p in points])
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
    if limits.signals:
        chart.add(
            "signal",
            [(points[i].at, points[i].value) for i in limits.signals],
            stroke=False,
            dots_size=6,
        )
    return str(chart.render(is_unicode=True))
