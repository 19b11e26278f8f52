"""One rounding rule in every channel (issue 23): the review and practice reports, the register's
CSV export and the CLI's tables show no number with more digits than the rule allows, and the
practice report says n/a in its cells and each reason once, under its table."""

from __future__ import annotations

import csv
import io
import re
import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ci_workflow.services.reporting.practice import practice_report
from ci_workflow.services.reporting.review import review_report
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement
from tests.helpers import Cli
from tests.services.reporting.test_practice_analytics import END, START, practice
from tests.services.reporting.test_reports import history

__all__ = ["history", "practice"]  # the fixtures, shared with their own modules

# A decimal with three or more decimals (9.32258, 0.07692, -3.556) or in scientific notation
# (3.9e-33), or a whole number written as a float (1400.0).
RAW = re.compile(r"\d\.\d{3,}|\d(?:\.\d+)?e[-+]?\d|\d\.0\b")
DRAWN = re.compile(r"<svg.*?</svg>|<style>.*?</style>", re.S)  # charts' coordinates, CSS


# A p-value between 0.001 and 0.01 is read with its third decimal (p = 0.005), by convention.
P_VALUE = re.compile(r"p = 0\.00\d\b")


def raw_numbers(text: str) -> list[str]:
    return RAW.findall(P_VALUE.sub("", DRAWN.sub("", text)))


def test_the_review_report_and_the_export_keep_to_the_rule(history: str, cli: Cli) -> None:
    for fmt in ("md", "html"):
        report = review_report(history, fmt)
        assert raw_numbers(report) == []
        # The chart's limits: mean 10.05 ± 2.66 × the mean moving range 0.3 of the six before.
        assert "limits 9.25 to 10.8 from 6 measurements before execution" in report
    rows = list(csv.DictReader(io.StringIO(cli.ok("export", "--format", "csv").stdout)))
    assert raw_numbers(cli.ok("export", "--format", "csv").stdout) == []
    assert (rows[0]["estimated_cost"], rows[0]["realised_gain"]) == ("12000", "30000")
    assert rows[0]["objectives"] == (
        "mttr_hours 10 h → 6 h by 2027-03-31; csat 3 h → 4 h by 2027-03-31"
    )
    progress = cli.ok("progress", history).stdout
    assert raw_numbers(progress) == []
    assert f"{csat_projection():.2f} h" in progress  # three or more decimals before


def csat_projection() -> float:
    """csat's straight-line trend through its measurements, read at the end of its due date:
    the fixture's weeks are counted from today, so the projection moves with the date."""
    with transaction(write=False) as session:
        started = get_improvement(session, "IMP-0001").started_at
    assert started is not None
    started = started if started.tzinfo else started.replace(tzinfo=UTC)  # SQLite keeps it naive
    values = [3.0, 3.1, 2.9, 3.0, 3.1, 3.0, 3.2, 3.3, 3.2, 3.4]
    days = [(started + timedelta(weeks=w - 6, hours=1)).timestamp() / 86400 for w in range(10)]
    slope, intercept = statistics.linear_regression(days, values)
    due = datetime(2027, 3, 31, 23, 59, 59, tzinfo=UTC).timestamp() / 86400
    return slope * due + intercept


def test_the_practice_report_says_each_reason_once_under_its_table(
    practice: None, cli: Cli
) -> None:
    for fmt in ("md", "html"):
        report = practice_report(START, END, fmt)
        assert raw_numbers(report) == []
        assert "n/a (" not in report
        # The ten KPIs, by process and by service: one note each, 18 cells before.
        assert report.count("none has such an objective measured before and after") == 3
    markdown = practice_report(START, END, "md")
    assert "| 2026 Q1 | 0 | 0 | n/a | n/a |" in markdown
    assert "*n/a: none closed.*" in markdown
    # Marks numbered as the cells are read: the first row's "period before" comes first.
    assert "| customer satisfaction change | after − before | +0.6, better | 1 | n/a¹ |" in markdown
    assert "| cost of service reduction | before − after | n/a² | 0 | n/a¹ |" in markdown
    assert (
        "*n/a¹ no improvement closed in the period; "
        "n/a² none has such an objective measured before and after.*"
    ) in markdown
    kpis = cli.ok("kpis", "--from", "2026-01-01", "--to", "2026-07-01").stdout
    assert raw_numbers(kpis) == []


def test_the_practice_report_file_keeps_to_the_rule(
    practice: None, cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "practice.html"
    cli.ok("practice-report", "--from", "2026-01-01", "--to", "2026-07-01", "--out", str(out))
    html = out.read_text()
    assert raw_numbers(html) == []
    assert '<p class="note">n/a: none closed.</p>' in html
