"""Reading the register: list, show, audit, export."""

import csv
import io
import json
from pathlib import Path

import pytest

from tests.helpers import Cli, improvement_doc, write_yaml


@pytest.fixture
def register(cli: Cli, people: None, tmp_path: Path) -> None:
    docs = [
        improvement_doc(key="low", title="Low one", strategic_impact=2, feasibility=2),
        improvement_doc(
            key="top",
            title='=HYPERLINK("http://evil")',
            strategic_impact=5,
            feasibility=4,
            type="breakthrough",
        ),
        improvement_doc(
            key="reset",
            title="Password reset",
            process="Service Request Management",
            strategic_impact=4,
            feasibility=5,
            estimated_cost=1000,
            expected_gain=90000,
        ),
        improvement_doc(
            key="tie",
            title="Tie, less value",
            strategic_impact=4,
            feasibility=5,
            estimated_cost=5000,
            expected_gain=6000,
        ),
    ]
    for doc in docs:
        cli.ok("apply", str(write_yaml(tmp_path, doc)))


def test_the_list_says_what_the_export_says_of_each_improvement(cli: Cli, register: None) -> None:
    """The list reads its own query (Core clauses), the export the ORM's rows: the fields they
    share agree, dates in UTC with their ``Z`` and owners by name included."""
    exported = {e["id"]: e for e in json.loads(cli.ok("export", "--format", "json").stdout)}
    listed = cli.json("list")
    assert sorted(r["id"] for r in listed) == sorted(exported)
    shared = set(listed[0]) & set(exported["IMP-0001"])
    assert {"identified_at", "owner", "process_owner", "value", "wsjf", "service"} <= shared
    for row in listed:
        assert {k: row[k] for k in shared} == {k: exported[row["id"]][k] for k in shared}
    assert all(r["identified_at"].endswith("Z") for r in listed)


def test_list_sorts_by_priority_then_value(cli: Cli, register: None) -> None:
    rows = cli.json("list")
    assert [(r["key"], r["priority"], r["value"]) for r in rows] == [
        ("reset", 20, 89000),
        ("top", 20, 33000),
        ("tie", 20, 1000),
        ("low", 4, 33000),
    ]
    assert [r["id"] for r in cli.json("list", "--sort", "id")] == [
        "IMP-0001",
        "IMP-0002",
        "IMP-0003",
        "IMP-0004",
    ]


def test_list_filters_by_status_and_process(cli: Cli, register: None) -> None:
    only = cli.json("list", "--process", "service request management")
    assert [r["key"] for r in only] == ["reset"]
    assert cli.json("list", "--status", "executing") == []
    assert len(cli.json("list", "--status", "identified")) == 4
    assert cli.fails("list", "--status", "done", code=2)


def test_the_table_shows_ids_titles_and_priority(cli: Cli, register: None) -> None:
    out = cli.ok("list").stdout
    assert "IMP-0003" in out and "Password reset" in out and "20 (4×5)" in out
    assert "4 improvements" in out


def test_show_prints_the_definition_and_unknown_ids_fail(cli: Cli, register: None) -> None:
    out = cli.ok("show", "reset").stdout
    assert "IMP-0003 Password reset" in out and "Objectives" in out and "mttr_hours" in out
    assert cli.fails("show", "IMP-0042") == ["error: no improvement 'IMP-0042' in the register"]
    assert cli.fails("show", "nope") == ["error: no improvement 'nope' in the register"]


def test_export_json_holds_everything(cli: Cli, register: None, tmp_path: Path) -> None:
    out = tmp_path / "register.json"
    cli.ok("export", "--format", "json", "--out", str(out))
    exported = json.loads(out.read_text())
    assert [e["key"] for e in exported] == ["low", "top", "reset", "tie"]
    assert exported[2]["objectives"][0]["metric"] == "mttr_hours"
    assert exported[2]["plan"][0]["owner"] == "Priya Nair"


def test_export_csv_is_one_row_per_improvement_and_safe_in_spreadsheets(
    cli: Cli, register: None
) -> None:
    rows = list(csv.DictReader(io.StringIO(cli.ok("export", "--format", "csv").stdout)))
    assert [r["key"] for r in rows] == ["low", "top", "reset", "tie"]
    assert rows[1]["title"] == '\'=HYPERLINK("http://evil")'
    assert rows[2]["priority"] == "20" and rows[2]["value"] == "89000"
    assert rows[2]["objectives"] == "mttr_hours 9.5 h → 6 h by 2027-03-31"
    assert rows[2]["team"] == "Lena Fischer; Priya Nair"


def test_export_refuses_unknown_formats_and_missing_folders(
    cli: Cli, register: None, tmp_path: Path
) -> None:
    assert cli.fails("export", "--format", "xml", code=2) == [
        "error: unknown export format 'xml'; choose csv or json"
    ]
    (line,) = cli.fails(
        "export", "--format", "csv", "--out", str(tmp_path / "no" / "x.csv"), code=2
    )
    assert "does not exist" in line


def test_wsjf_and_value_orders(cli: Cli, people: None, tmp_path: Path) -> None:
    scores = {"a": (8, 5, 3, 5), "b": (13, 8, 5, 2), "c": None}  # WSJF 3.2, 13, unscored
    for key, wsjf in scores.items():
        extra = (
            {
                "wsjf": dict(
                    zip(
                        ("business_value", "time_criticality", "risk_reduction", "effort"),
                        wsjf,
                        strict=True,
                    )
                )
            }
            if wsjf
            else {}
        )
        cli.ok(
            "apply",
            str(
                write_yaml(
                    tmp_path,
                    improvement_doc(key=key, expected_gain=1000 * len(key) + ord(key), **extra),
                )
            ),
        )
    rows = cli.json("list", "--sort", "wsjf")
    assert [(r["key"], r["wsjf"]) for r in rows] == [("b", 13.0), ("a", 3.2), ("c", None)]
    assert [r["key"] for r in cli.json("list", "--sort", "value")] == ["c", "b", "a"]
    assert "WSJF" in cli.ok("list", "--sort", "wsjf").stdout
    bad = improvement_doc(
        key="d", wsjf={"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "effort": 0}
    )
    (line, _) = cli.fails("apply", str(write_yaml(tmp_path, bad)))
    assert line.endswith("wsjf.effort: Input should be greater than or equal to 1")


def test_plan_actions_reference_change_requests(cli: Cli, people: None, tmp_path: Path) -> None:
    from ci_workflow.domain.stages.gates import Gate
    from ci_workflow.services.lifecycle.gate_opening import gate_description
    from ci_workflow.services.reporting.review import review_report

    plan = [{"action": "Deploy the routing rule", "owner": "Priya Nair", "change": "CHG0001234"}]
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(plan=plan))))
    assert cli.json("show", "IMP-0001")["plan"][0]["change"] == "CHG0001234"
    text = gate_description(1, Gate.plan_approval)
    assert "- Deploy the routing rule (Priya Nair, due —, planned, change CHG0001234)" in text
    assert "**Change requests:** CHG0001234" in text
    assert "<td>CHG0001234</td>" in review_report("IMP-0001", "html")
    assert "change CHG0001234" in review_report("IMP-0001", "md")


def test_a_page_of_the_register_is_sorted_as_the_whole_listing(cli: Cli, people: None) -> None:
    """The workspace pages the register in the database: every order gives the same rows, page
    after page, as the CLI's sort of the whole register (random scores, missing ones too)."""
    import random
    from datetime import UTC, datetime

    from ci_workflow.services.register.browse import SortOrder, list_improvements, register_page
    from ci_workflow.store.db import transaction
    from ci_workflow.store.tables import Improvement

    rng, now = random.Random(7), datetime.now(UTC)

    def score() -> int | None:
        return rng.choice([None, 1, 2, 3, 5, 8])

    with transaction() as session:
        for i in range(230):
            session.add(
                Improvement(
                    key=f"r{i}",
                    title="t",
                    type="incremental",
                    source="other",
                    process="P",
                    owner_id=1,
                    process_owner_id=2,
                    strategic_impact=rng.randint(1, 5),
                    feasibility=rng.randint(1, 5),
                    status="identified",
                    identified_at=now,
                    estimated_cost=rng.choice([None, 100.0, 900.0]),
                    expected_gain=rng.choice([None, 100.0, 5000.0]),
                    wsjf_business_value=score(),
                    wsjf_time_criticality=score(),
                    wsjf_risk_reduction=score(),
                    wsjf_effort=rng.choice([None, 1, 3, 7]),
                )
            )
    for sort in SortOrder:
        whole = [r["id"] for r in list_improvements(sort=sort)]
        paged = [
            r["id"] for page in range(1, 6) for r in register_page(sort=sort, page=page, size=50)[1]
        ]
        assert paged == whole, sort
        assert register_page(sort=sort, page=1, size=50)[0] == 230
