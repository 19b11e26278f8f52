"""The improvement form (issue 22): a file as the form's fields and back, unchanged; blank rows
left out; each problem of the file placed beside its field, rows counted as the form shows them."""

from __future__ import annotations

from ci_workflow.domain.improvement.spec_form import place, row_count, spec_of, values_of

FILE = {
    "key": "network-mttr",
    "title": "Cut the time to restore",
    "type": "incremental",
    "process": "Incident Management",
    "owner": "Lena Fischer",
    "team": ["Lena Fischer", "Priya Nair"],
    "strategic_impact": 4,
    "feasibility": 3,
    "estimated_cost": 12000,
    "checkpoints": {"cron": "0 6 * * 1"},
    "service_owner_signoff": True,
    "wsjf": {"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "effort": 5},
    "objectives": [
        {
            "metric": "mttr_hours",
            "window": "30d",
            "source": {
                "kind": "http",
                "url": "https://x.example.org/s",
                "path": "data.value",
                "headers": {"Authorization": "***"},
            },
            "baseline": 9.5,
            "target": 6,
            "direction": "decrease",
            "due": "2027-03-31",
        },
        {
            "metric": "reopen_pct",
            "source": {"kind": "incidents", "metric": "reopen_pct", "filter": {"service": "LAN"}},
            "baseline": "measure",
            "target": 2.5,
            "direction": "decrease",
            "due": "2027-03-31",
        },
    ],
    "plan": [{"action": "Add a routing rule", "owner": "Priya Nair", "due": "2026-12-15"}],
}


def test_a_file_comes_back_from_its_form_as_it_was() -> None:
    values = values_of(FILE)
    assert values["team"] == "Lena Fischer\nPriya Nair"
    assert values["objectives[0].source.http.headers"] == "Authorization: ***"
    assert spec_of(values).spec == FILE


def test_blank_rows_are_not_read_and_problems_land_beside_their_fields() -> None:
    values = values_of(FILE)
    # A blank objective between two: the third row is the file's second objective.
    values |= {"objectives[2].metric": "", "objectives[2].source.kind": "manual"}
    moved = {k.replace("objectives[1]", "objectives[3]"): v for k, v in values.items()}
    moved |= {"objectives[1].source.kind": "manual", "objectives[1].metric": ""}
    moved["objectives[0].source.http.params"] = "no colon here"
    assert row_count(moved, "objectives") == 4
    read = spec_of(moved)
    assert read.rows["objectives"] == [0, 3]
    problems = [
        "objectives[1].target: Input should be a valid number",
        "objectives[1].source.filter.service: Input should be a valid string",
        "objectives[0].source.headers.Authorization: '***' stands for a secret",
        "objectives[1]: target 2.5 must be below the baseline 2",
        "plan[0].owner: unknown person 'Zed'",
        "objectives: metric 'x' appears twice",
        "colour: unknown field",
    ]
    assert place(problems, moved, read) == {
        "objectives[0].source.http.params": ["line 1: write one 'name: value' a line"],
        "objectives[3].target": ["Input should be a valid number"],
        "objectives[3].source.incidents.filter.service": ["Input should be a valid string"],
        "objectives[0].source.http.headers": ["'***' stands for a secret"],
        "objectives[3]": ["target 2.5 must be below the baseline 2"],
        "plan[0].owner": ["unknown person 'Zed'"],
        "objectives": ["metric 'x' appears twice"],
        "": ["colour: unknown field"],
    }


def test_numbers_are_read_as_numbers_and_anything_else_left_for_the_check() -> None:
    values = values_of(FILE) | {"estimated_cost": "12,000", "strategic_impact": "5"}
    spec = spec_of(values).spec
    assert spec["estimated_cost"] == "12,000" and spec["strategic_impact"] == 5
    assert "service_owner_signoff" not in spec_of(values | {"service_owner_signoff": ""}).spec
