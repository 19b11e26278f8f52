"""Improvement as code: create, update, and refuse bad files without writing anything."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ci_workflow.domain.stages.lifecycle import Status
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml
from tests.metrics.sources import allow_python


@pytest.fixture
def registered(cli: Cli, people: None, tmp_path: Path) -> Path:
    path = write_yaml(tmp_path, improvement_doc())
    assert cli.ok("apply", str(path)).stdout.strip() == "IMP-0001 created: network-mttr"
    return path


def test_apply_registers_everything_the_file_says(cli: Cli, registered: Path) -> None:
    shown = cli.json("show", "IMP-0001")
    assert shown["status"] == "identified"
    assert shown["process_owner"] == "Omar Haddad"
    assert shown["team"] == ["Lena Fischer", "Priya Nair"]
    assert shown["priority"] == 12 and shown["value"] == 33000
    assert shown["identified_at"].startswith("2026-11-02")
    assert shown["objectives"][0] | {"source": None} == {
        "metric": "mttr_hours",
        "description": "Mean time to restore",
        "unit": "h",
        "window": "30d",
        "source": None,
        "baseline": 9.5,
        "target": 6.0,
        "direction": "decrease",
        "due": "2027-03-31",
        "kpi_kind": "service_performance",
        "input_metric": None,
    }
    # Overdue counts from today: the file's due date is fixed, the day the test runs is not.
    late = max(0, (datetime.now(UTC).date() - date(2026, 12, 15)).days)
    (action,) = shown["plan"]
    assert action.pop("overdue") == (f"overdue by {late} day{'s' * (late > 1)}" if late else "")
    assert shown["plan"] == [
        {
            "action": "Add a routing rule",
            "owner": "Priya Nair",
            "due": "2026-12-15",
            "status": "planned",
            "change": None,
            "done_on": None,
            "overdue_days": late,
            "change_state": None,
            "change_outcome": None,
            "change_close_code": None,
            "change_closed_at": None,
        }
    ]
    assert cli.json("show", "network-mttr")["id"] == "IMP-0001"
    trail = cli.json("audit", "IMP-0001")
    assert [(e["action"], e["to_status"]) for e in trail] == [("created", "identified")]


def test_applying_the_same_file_again_changes_nothing(cli: Cli, registered: Path) -> None:
    assert cli.ok("apply", str(registered)).stdout.strip() == "IMP-0001 unchanged: network-mttr"
    assert len(cli.json("audit", "IMP-0001")) == 1


def test_an_update_is_matched_by_key_and_audited(
    cli: Cli, registered: Path, tmp_path: Path
) -> None:
    doc = improvement_doc(
        title="Restore network incidents faster",
        feasibility=5,
        objectives=[objective_doc(target=5)],
    )
    out = cli.ok("apply", str(write_yaml(tmp_path, doc))).stdout.strip()
    assert out == "IMP-0001 updated: network-mttr (title, feasibility, objectives)"
    shown = cli.json("show", "IMP-0001")
    assert shown["title"] == "Restore network incidents faster"
    assert shown["objectives"][0]["target"] == 5
    assert cli.json("audit", "IMP-0001")[-1]["detail"] == (
        "changed title, feasibility, objectives from network-mttr.yaml: title 'Cut the time to "
        "restore network incidents' → 'Restore network incidents faster'; feasibility 3 → 5; "
        "mttr_hours.target 6 → 5"
    )


def test_targets_are_frozen_once_the_plan_went_for_approval(
    cli: Cli, registered: Path, tmp_path: Path
) -> None:
    move_to(Status.executing)
    doc = improvement_doc(objectives=[objective_doc(target=3)])
    (line,) = cli.fails("apply", str(write_yaml(tmp_path, doc)))
    assert "objective 'mttr_hours' target of IMP-0001 cannot change once its plan went for" in line
    assert cli.json("show", "IMP-0001")["objectives"][0]["target"] == 6


def test_sources_and_plan_progress_may_change_during_execution(
    cli: Cli, registered: Path, tmp_path: Path
) -> None:
    move_to(Status.executing)
    source = {
        "kind": "sql",
        "url": "postgresql://reader:pw@db.example.org/itsm",
        "query": "select 1",
    }
    plan = [
        {
            "action": "Add a routing rule",
            "owner": "Priya Nair",
            "due": "2026-12-15",
            "status": "done",
        }
    ]
    doc = improvement_doc(objectives=[objective_doc(source=source)], plan=plan)
    out = cli.ok("apply", str(write_yaml(tmp_path, doc))).stdout.strip()
    assert out == "IMP-0001 updated: network-mttr (objectives, plan)"
    shown = cli.json("show", "IMP-0001")
    assert shown["plan"][0]["status"] == "done"
    assert shown["objectives"][0]["source"]["url"] == "postgresql://reader:***@db.example.org/itsm"


def test_a_closed_improvement_cannot_be_changed(cli: Cli, registered: Path, tmp_path: Path) -> None:
    move_to(Status.closed)
    doc = improvement_doc(title="Something else")
    assert cli.fails("apply", str(write_yaml(tmp_path, doc)))[-1].endswith(
        "IMP-0001 is closed and cannot be changed"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key: x\ntitle: [oops\n", "bad.yaml: line 3, column 1: did not find expected ',' or ']'"),
        ("key: x\nkey: y\n", "bad.yaml: line 2: key 'key' appears twice in one mapping"),
        ("just text\n", "bad.yaml: expected a mapping at the top, found str"),
    ],
)
def test_malformed_yaml_is_one_clear_line(
    cli: Cli, people: None, tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert cli.fails("apply", str(path)) == [
        expected.replace("bad.yaml", str(path)),
        f"error: {path}: 1 problem, nothing was written",
    ]
    assert cli.json("list") == []


def test_every_problem_of_a_file_is_listed_with_its_path(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    doc = improvement_doc(
        owner="Nobody", colour="red", objectives=[objective_doc(baseline=5, target=7)]
    )
    lines = cli.fails("apply", str(write_yaml(tmp_path, doc)))
    body = [line.split(".yaml: ", 1)[1] for line in lines[:-1]]
    assert body == [
        "owner: unknown person 'Nobody' (add them with: improve people add)",
        "objectives[0]: target 7 must be below the baseline 5 to decrease",
        "colour: unknown field",
    ]
    assert lines[-1].endswith("network-mttr.yaml: 3 problems, nothing was written")
    assert cli.json("list") == []


def test_one_bad_file_among_many_means_none_is_written(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    good = write_yaml(tmp_path, improvement_doc(key="good-one"))
    bad = write_yaml(tmp_path, improvement_doc(key="bad-one", type="radical"))
    lines = cli.fails("apply", str(good), str(bad))
    assert lines[0].endswith("bad-one.yaml: type: Input should be 'incremental' or 'breakthrough'")
    assert lines[-1] == "error: 2 files: 1 problem, nothing was written"
    assert cli.json("list") == []


def test_a_failure_while_writing_rolls_back_earlier_files(
    cli: Cli, registered: Path, tmp_path: Path
) -> None:
    move_to(Status.closed)
    fresh = write_yaml(tmp_path, improvement_doc(key="a-new-one"), "a.yaml")
    closed = write_yaml(tmp_path, improvement_doc(title="Changed"), "b.yaml")
    cli.fails("apply", str(fresh), str(closed))
    assert [i["key"] for i in cli.json("list")] == ["network-mttr"]


def test_the_same_key_twice_in_one_apply_is_refused(cli: Cli, people: None, tmp_path: Path) -> None:
    a = write_yaml(tmp_path, improvement_doc(), "a.yaml")
    b = write_yaml(tmp_path, improvement_doc(), "b.yaml")
    assert "key: 'network-mttr' is also used by" in cli.fails("apply", str(a), str(b))[0]


def test_missing_files_and_unknown_appliers_are_clear(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    lines = cli.fails("apply", str(tmp_path / "nope.yaml"))
    assert lines[0].endswith("nope.yaml: cannot read: No such file or directory")
    path = write_yaml(tmp_path, improvement_doc())
    assert cli.fails("apply", str(path), "--as", "Mallory") == [
        "error: unknown person 'Mallory' (see `improve people list`)"
    ]


def test_a_folder_applies_every_yaml_in_it_and_csv_paths_resolve_beside_the_file(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    folder = tmp_path / "cir"
    folder.mkdir()
    source = {
        "kind": "csv",
        "path": "data/tickets.csv",
        "timestamp_column": "opened",
        "aggregation": "count",
    }
    write_yaml(folder, improvement_doc(key="one", objectives=[objective_doc(source=source)]))
    write_yaml(folder, improvement_doc(key="two", type="breakthrough"))
    out = cli.ok("apply", str(folder), "--as", "carmen@example.org").stdout
    assert "IMP-0001 created: one" in out and "IMP-0002 created: two" in out
    csv_path = cli.json("show", "one")["objectives"][0]["source"]["path"]
    assert csv_path == str((folder / "data" / "tickets.csv").resolve())
    assert cli.json("audit", "one")[0]["actor"] == "Carmen Ruiz"


def snapshot_rows(cli: Cli) -> list[tuple[str, str, float | None]]:
    return [
        (s["metric"], s["checkpoint_at"][:10], s["value"])
        for s in cli.json("snapshots", "IMP-0001")
    ]


def test_an_objective_dropped_from_the_file_is_retired_with_its_history_kept(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    both = [
        objective_doc(),
        objective_doc(metric="csat", baseline=3, target=4, direction="increase"),
    ]
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(objectives=both))))
    for day, value in [("2026-11-03", "3.2"), ("2026-11-10", "3.4")]:
        cli.ok("record", "IMP-0001", "csat", value, "--as", "Priya Nair", "--at", day)
    history = snapshot_rows(cli)
    assert len(history) == 2

    out = cli.ok("apply", str(write_yaml(tmp_path, improvement_doc()))).stdout.strip()
    assert out == "IMP-0001 updated: network-mttr (objectives)"
    shown = cli.json("show", "IMP-0001")
    assert [o["metric"] for o in shown["objectives"]] == ["mttr_hours"]
    assert shown["retired_objectives"] == ["csat"]
    assert snapshot_rows(cli) == history
    assert cli.json("audit", "IMP-0001")[-1]["detail"].endswith(
        "objective 'csat' retired (its snapshots are kept)"
    )
    assert "retired objectives: csat (history kept)" in cli.ok("show", "IMP-0001").stdout

    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(objectives=both))))
    shown = cli.json("show", "IMP-0001")
    assert [o["metric"] for o in shown["objectives"]] == ["mttr_hours", "csat"]
    assert shown["retired_objectives"] == []
    assert snapshot_rows(cli) == history


def test_another_teams_key_is_refused_and_its_history_untouched(
    cli: Cli, registered: Path, tmp_path: Path
) -> None:
    cli.ok("record", "IMP-0001", "mttr_hours", "8", "--as", "Priya Nair", "--at", "2026-11-03")
    stranger = improvement_doc(
        title="Taken over",
        process="Service Request Management",
        objectives=[objective_doc(metric="other")],
    )
    (line,) = cli.fails("apply", str(write_yaml(tmp_path, stranger)), "--as", "Grace Kim")
    assert line.startswith("error: Grace Kim may not change IMP-0001 (")
    shown = cli.json("show", "IMP-0001")
    assert shown["title"] == "Cut the time to restore network incidents"
    assert snapshot_rows(cli) == [("mttr_hours", "2026-11-03", 8.0)]
    refusals = [e for e in cli.json("audit", "IMP-0001") if e["action"] == "forbidden"]
    assert len(refusals) == 1 and refusals[0]["actor"] == "Grace Kim"


def test_bringing_python_code_in_after_approval_needs_the_process_owner(
    cli: Cli, registered: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    allow_python(monkeypatch, "tests.metrics.sources")
    move_to(Status.executing)
    python = {
        "kind": "python",
        "function": "tests.metrics.sources:mean_hours",
        "params": {"token": "s3cret"},
    }
    doc = improvement_doc(objectives=[objective_doc(source=python)])
    path = write_yaml(tmp_path, doc)
    (line,) = cli.fails("apply", str(path), "--as", "Lena Fischer")
    assert line == (
        f"error: Lena Fischer may not make mttr_hours of IMP-0001 ({path}) a Python source after "
        "its plan's approval: only its process owner or a CI manager may"
    )
    assert cli.json("show", "IMP-0001")["objectives"][0]["source"] == {"kind": "manual"}
    cli.ok("apply", str(path), "--as", "Omar Haddad")
    (updated,) = [e for e in cli.json("audit", "IMP-0001") if e["action"] == "updated"]
    assert updated["actor"] == "Omar Haddad"
    assert updated["detail"].endswith(
        "mttr_hours.source {kind: 'manual'} → {kind: 'python', function: "
        "'tests.metrics.sources:mean_hours', params: {token: '***'}}"
    )


def test_secrets_in_a_source_reach_no_output(cli: Cli, registered: Path, tmp_path: Path) -> None:
    source = {
        "kind": "http",
        "url": "https://u:pw1@api.example.org/m?api_key=k2",
        "path": "v",
        "headers": {"X-Api-Key": "k3"},
        "params": {"token": "k4"},
    }
    cli.ok(
        "apply",
        str(write_yaml(tmp_path, improvement_doc(objectives=[objective_doc(source=source)]))),
    )
    shown = [
        str(cli.json("audit", "IMP-0001")),
        cli.ok("audit", "IMP-0001").stdout,
        cli.ok("show", "IMP-0001", "--json").stdout,
        cli.ok("export", "--format", "json").stdout,
        cli.ok("export", "--format", "csv").stdout,
    ]
    assert not [secret for secret in ("pw1", "k2", "k3", "k4") if any(secret in s for s in shown)]
    assert "https://u:***@api.example.org/m?api_key=***" in shown[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "key: x\ndue: 2027-02-30\n",
            "bad.yaml: line 2: due: '2027-02-30' is not a real date (day is out of range for month)",
        ),
        (
            "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
            "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
            "bad.yaml: more than 100,000 values once its aliases are expanded (an alias bomb?)",
        ),
    ],
)
def test_impossible_dates_and_alias_bombs_are_named_and_change_nothing(
    cli: Cli, registered: Path, tmp_path: Path, text: str, expected: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    before = cli.json("show", "IMP-0001")
    lines = cli.fails("apply", str(bad))
    assert lines == [
        f"{bad}: {expected.removeprefix('bad.yaml: ')}",
        f"error: {bad}: 1 problem, nothing was written",
    ]
    assert cli.json("show", "IMP-0001") == before


def test_a_file_over_a_megabyte_is_refused_unread(cli: Cli, people: None, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("description: " + "x" * 1_000_000 + "\n", encoding="utf-8")
    assert cli.fails("apply", str(big)) == [
        f"{big}: larger than 1,000,000 bytes; an improvement file is a page of text",
        f"error: {big}: 1 problem, nothing was written",
    ]


def test_a_bad_file_is_refused_while_another_writer_holds_the_register(
    cli: Cli, registered: Path, tmp_path: Path, backend: str
) -> None:
    """Validation takes no write lock: a wrong file is answered at once, whoever is writing."""
    from ci_workflow.store.db import transaction

    bad = write_yaml(tmp_path, improvement_doc(feasibility=True))
    with transaction() as session:  # holds the register's write lock (BEGIN IMMEDIATE on SQLite)
        from ci_workflow.store.register.improvements import find_by_key

        find_by_key(session, "network-mttr")
        assert cli.fails("apply", str(bad)) == [
            f"{bad}: feasibility: Input should be a valid integer",
            f"error: {bad}: 1 problem, nothing was written",
        ]
