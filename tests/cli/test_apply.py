"""Improvement as code: create, update, and refuse bad files without writing anything."""

from pathlib import Path

import pytest

from ci_workflow.domain.lifecycle import Status
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml


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
        "metric": "mttr_hours", "description": "Mean time to restore", "unit": "h",
        "window": "30d", "source": None, "baseline": 9.5, "target": 6.0,
        "direction": "decrease", "due": "2027-03-31", "kpi_kind": "service_performance",
    }  # fmt: skip
    assert shown["plan"] == [
        {
            "action": "Add a routing rule",
            "owner": "Priya Nair",
            "due": "2026-12-15",
            "status": "planned",
            "change": None,
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
    doc = improvement_doc(title="Restore network incidents faster", feasibility=5,
                          objectives=[objective_doc(target=5)])  # fmt: skip
    out = cli.ok("apply", str(write_yaml(tmp_path, doc))).stdout.strip()
    assert out == "IMP-0001 updated: network-mttr (title, feasibility, objectives)"
    shown = cli.json("show", "IMP-0001")
    assert shown["title"] == "Restore network incidents faster"
    assert shown["objectives"][0]["target"] == 5
    assert cli.json("audit", "IMP-0001")[-1]["detail"] == (
        "changed title, feasibility, objectives from network-mttr.yaml"
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
        ("key: x\ntitle: [oops\n", "bad.yaml: line 3, column 1: expected ',' or ']', but got '<stream end>'"),
        ("key: x\nkey: y\n", "bad.yaml: line 2: key 'key' appears twice in one mapping"),
        ("just text\n", "bad.yaml: expected a mapping at the top, found str"),
    ],
)  # fmt: skip
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
