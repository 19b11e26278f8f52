"""Recording a survey through the CLI: its mean is the objective's value, the answers per point
are kept with it, a bad file stores nothing, and only a satisfaction objective takes one."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from ci_workflow.services.register.browse import audit_trail
from ci_workflow.services.reporting.review import review_report
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml

CSAT = objective_doc(
    metric="csat",
    description="Customer satisfaction with the service desk",
    unit="",
    baseline=3.0,
    target=4.0,
    direction="increase",
    kpi_kind="customer_satisfaction",
)


@pytest.fixture
def executing(cli: Cli, people: None, tmp_path: Path) -> str:
    doc = improvement_doc(objectives=[CSAT, objective_doc()])
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    move_to("executing")
    return "IMP-0001"


def test_a_survey_from_a_file_records_its_mean_and_keeps_its_answers(
    cli: Cli, executing: str, tmp_path: Path
) -> None:
    answers = [4, 5, 3, 4, 4, 2, 5, 5, 4, 3]
    csv = tmp_path / "responses.csv"
    csv.write_text("respondent,answer\n" + "".join(f"{i},{a}\n" for i, a in enumerate(answers)))
    args = ["--question", "How satisfied are you?", "--scale", "5", "--as", "Priya Nair"]
    out = cli.ok("survey", executing, "csat", *args, "--file", str(csv), "--at", "2026-11-20")
    mean, sd = statistics.mean(answers), statistics.stdev(answers)
    assert out.stdout.strip() == (
        f"IMP-0001 csat = {mean:g} recorded (checkpoint, 2026-11-20 00:00 UTC); "
        f"survey of 10 answers on 1–5, SD {sd:.2f}"
    )
    (snapshot,) = [s for s in cli.json("snapshots", executing) if s["metric"] == "csat"]
    assert snapshot["value"] == pytest.approx(mean)
    recorded = [e for e in audit_trail(executing)[1] if e.action == "value_recorded"]
    assert recorded[-1].detail.endswith(f"survey of 10 answers on 1–5, SD {sd:.2f}")


def test_a_bad_file_or_a_wrong_objective_stores_nothing(
    cli: Cli, executing: str, tmp_path: Path
) -> None:
    csv = tmp_path / "responses.csv"
    csv.write_text("answer\n4\n5\nvery good\n")
    args = ["--question", "How satisfied are you?", "--as", "Priya Nair"]
    assert cli.fails("survey", executing, "csat", *args, "--file", str(csv), code=2) == [
        "error: file: line 4, column answer: 'very good' is not a whole number from 1 to 5; "
        "nothing was recorded"
    ]
    assert cli.fails(
        "survey", executing, "mttr_hours", *args, "--answers", "1,2,3,4,5", code=2
    ) == [
        "error: a survey measures satisfaction: mttr_hours of IMP-0001 is service performance, "
        "not customer satisfaction or employee engagement"
    ]
    assert cli.fails("survey", executing, "csat", *args, "--answers", "1,2,3", code=2) == [
        "error: answers per point: 3 numbers for a scale of 5 points (one for each of 1 … 5, 0 "
        "where nobody answered)"
    ]
    assert cli.json("snapshots", executing) == []


def test_a_value_typed_with_a_note_replaces_the_survey_at_that_moment(
    cli: Cli, executing: str
) -> None:
    base = ["--question", "How satisfied are you?", "--as", "Priya Nair", "--at", "2026-11-20"]
    cli.ok("survey", executing, "csat", *base, "--answers", "0,0,1,1,0")
    cli.ok(
        "record",
        executing,
        "csat",
        "3.9",
        "--as",
        "Priya Nair",
        "--at",
        "2026-11-20",
        "--note",
        "corrected: <b>two</b> forms were lost",
    )
    (snapshot,) = cli.json("snapshots", executing)
    assert (snapshot["value"], snapshot["note"]) == (3.9, "corrected: <b>two</b> forms were lost")
    assert (
        "Priya Nair: corrected: <b>two</b> forms were lost" in cli.ok("snapshots", executing).stdout
    )
    from ci_workflow.services.reporting.review import gather_review

    assert gather_review(executing)["surveys"] == {}


def test_the_review_report_shows_how_many_answered_and_the_spread(cli: Cli, executing: str) -> None:
    counts = [1, 0, 4, 9, 6]
    answers = [point for point, n in enumerate(counts, 1) for _ in range(n)]
    sd = statistics.stdev(answers)
    question = "How satisfied are you with <the desk>?"
    cli.ok(
        "survey",
        executing,
        "csat",
        "--question",
        question,
        "--answers",
        "1, 0, 4, 9, 6",
        "--as",
        "Priya Nair",
        "--at",
        "2026-11-20",
    )
    html = review_report(executing, "html")
    assert f"n = 20, SD {sd:.2f}</span>" in html  # next to the value
    assert (
        "Survey of 2026-11-20 00:00 UTC: <q>How satisfied are you with &lt;the desk&gt;?</q>"
        in html
    )
    assert f"n = 20, mean {statistics.mean(answers):.2f}, standard deviation {sd:.2f}" in html
    assert '<tr><td>4</td><td class="n">9</td><td class="n">45 %</td>' in html
    md = review_report(executing, "md")
    assert (
        f"n = 20, mean {statistics.mean(answers):.2f}, SD {sd:.2f} on 1–5; answers per point "
        "1: 1 · 2: 0 · 3: 4 · 4: 9 · 5: 6." in md
    )
    assert '"How satisfied are you with &lt;the desk&gt;?"' in md  # as typed, never HTML


def test_a_missing_file_is_a_usage_error(cli: Cli, executing: str, tmp_path: Path) -> None:
    args = ["--question", "Q?", "--as", "Priya Nair", "--file", str(tmp_path / "none.csv")]
    result = cli.run("survey", executing, "csat", *args)
    assert result.exit_code == 2 and "does not exist" in result.stderr
