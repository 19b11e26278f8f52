"""The improvement form's fields at their edges: each kind of value as a field shows it, numbers
read back as a file has them, blank rows and lines, pairs and JSON that cannot be read, and each
problem placed beside its field or its section. Expected values are written out by hand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from ci_workflow.domain.improvement.spec_form import (
    ACTION,
    OBJECTIVE,
    PAIRS,
    SECTIONS,
    SOURCE_FIELDS,
    TOP,
    FormSpec,
    place,
    row_count,
    spec_of,
    text_of,
    values_of,
)


def test_the_form_s_fields() -> None:
    assert TOP[:3] == ("key", "title", "type") and TOP[-2:] == ("serves", "benefits")
    assert len(TOP) == 31
    assert OBJECTIVE == (
        "metric",
        "description",
        "unit",
        "window",
        "baseline",
        "target",
        "direction",
        "due",
        "kpi_kind",
        "input",
    )
    assert ACTION == ("action", "owner", "due", "status", "change")
    assert SOURCE_FIELDS["csv"] == (
        "path",
        "timestamp_column",
        "aggregation",
        "value_column",
        "filter",
        "timestamp_format",
    )
    assert SOURCE_FIELDS["incidents"][1] == "filter.category"
    assert frozenset({"csv.filter", "http.headers", "http.params"}) == PAIRS
    assert SECTIONS == ("objectives", "wsjf", "checkpoints", "plan", "team")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, ""),
        (True, "on"),
        (False, ""),
        (12000.0, "12000"),
        (-3.0, "-3"),
        (0.0, "0"),
        (2.5, "2.5"),
        (999_999_999_999_999.0, "999999999999999"),
        (-999_999_999_999_999.0, "-999999999999999"),
        (1e15, "1000000000000000.0"),  # too large to be sure of as a whole number
        (-1e15, "-1000000000000000.0"),
        (7, "7"),
        ("x", "x"),
        (date(2026, 3, 2), "2026-03-02"),
        (datetime(2026, 3, 2, 9, 30), "2026-03-02T09:30:00"),
        (["a", 2.0, None, True], "a\n2\n\non"),
        ([], ""),
    ],
)
def test_a_value_as_its_field_shows_it(value: Any, shown: str) -> None:
    assert text_of(value) == shown


def objective_values(document: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in values_of(document).items() if k.startswith("objectives[")}


def test_an_objective_without_a_source_is_manual() -> None:
    assert objective_values({"objectives": [{"metric": "m"}]})["objectives[0].source.kind"] == (
        "manual"
    )
    assert objective_values({"objectives": [{"metric": "m", "source": None}]}) == {
        "objectives[0].metric": "m",
        "objectives[0].description": "",
        "objectives[0].unit": "",
        "objectives[0].window": "",
        "objectives[0].baseline": "",
        "objectives[0].target": "",
        "objectives[0].direction": "",
        "objectives[0].due": "",
        "objectives[0].kpi_kind": "",
        "objectives[0].input": "",
        "objectives[0].source.kind": "manual",
    }


def test_a_source_of_an_unknown_kind_shows_only_its_kind() -> None:
    found = objective_values({"objectives": [{"source": {"kind": "ftp", "url": "ftp://x"}}]})
    assert {k: v for k, v in found.items() if ".source." in k} == {
        "objectives[0].source.kind": "ftp"
    }


def test_each_source_field_is_named_by_its_kind() -> None:
    document = {
        "objectives": [
            {
                "source": {
                    "kind": "python",
                    "function": "team.metrics:mttr",
                    "params": {"équipe": "réseau", "days": 7},
                }
            },
            {"source": {"kind": "python", "function": "m:f", "params": {}}},
            {"source": {"kind": "sql", "url": "postgresql://r@h/x", "timeout": 30.0}},
            {
                "source": {
                    "kind": "http",
                    "url": "https://a/",
                    "headers": {"Accept": "text/csv", "X-N": 2.0},
                    "params": None,
                }
            },
            {"source": {"kind": "csv", "path": "a.csv", "filter": {"team": "LAN", "p": 1}}},
            {"source": {"kind": "incidents", "metric": "mttr", "filter": {"service": "LAN"}}},
        ]
    }
    found = objective_values(document)
    assert found["objectives[0].source.python.function"] == "team.metrics:mttr"
    assert found["objectives[0].source.python.params"] == '{"équipe": "réseau", "days": 7}'
    assert found["objectives[1].source.python.params"] == ""
    assert found["objectives[2].source.sql.url"] == "postgresql://r@h/x"
    assert found["objectives[2].source.sql.timeout"] == "30"
    assert found["objectives[2].source.sql.query"] == ""
    assert found["objectives[3].source.http.headers"] == "Accept: text/csv\nX-N: 2"
    assert found["objectives[3].source.http.params"] == ""
    assert found["objectives[4].source.csv.filter"] == "team: LAN\np: 1"
    assert found["objectives[5].source.incidents.filter.service"] == "LAN"
    assert found["objectives[5].source.incidents.filter.category"] == ""
    assert "objectives[0].source.sql.url" not in found


def test_a_dotted_field_under_something_else_than_a_mapping_is_blank() -> None:
    values = values_of({"checkpoints": "weekly", "wsjf": {"effort": 5}})
    assert values["checkpoints.cron"] == ""
    assert values["wsjf.effort"] == "5"
    assert values["wsjf.business_value"] == ""


def test_plan_actions_as_fields() -> None:
    values = values_of({"plan": [{"action": "a", "due": date(2026, 5, 1)}, {"owner": "Ana"}]})
    assert {k: v for k, v in values.items() if k.startswith("plan[")} == {
        "plan[0].action": "a",
        "plan[0].owner": "",
        "plan[0].due": "2026-05-01",
        "plan[0].status": "",
        "plan[0].change": "",
        "plan[1].action": "",
        "plan[1].owner": "Ana",
        "plan[1].due": "",
        "plan[1].status": "",
        "plan[1].change": "",
    }


def test_rows_are_counted_by_their_highest_index() -> None:
    values = {
        "objectives[0].metric": "",
        "objectives[10].metric": "",
        "objectives[2].target": "",
        "plan[1].action": "",
        "objectivesX[4].metric": "",
        "title": "",
    }
    assert row_count(values, "objectives") == 11
    assert row_count(values, "plan") == 2
    assert row_count({"title": ""}, "plan") == 0
    assert row_count({"plan[0].action": ""}, "plan") == 1


def test_a_form_with_few_fields_gives_a_file_of_those() -> None:
    read = spec_of({"title": "  Faster restarts  ", "team": "\n Ana \n\n  Ben\n"})
    assert read.spec == {
        "title": "Faster restarts",
        "team": ["Ana", "Ben"],
        "objectives": [],
        "plan": [],
    }
    assert read.rows == {"objectives": [], "plan": []}
    assert read.problems == {}
    assert spec_of({"team": "  \n "}).spec == {"objectives": [], "plan": []}


def test_the_sign_off_box_is_true_when_ticked_and_absent_otherwise() -> None:
    assert spec_of({"service_owner_signoff": "on"}).spec["service_owner_signoff"] is True
    assert "service_owner_signoff" not in spec_of({"service_owner_signoff": "  "}).spec


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        ("12000", 12000),
        ("-7", -7),
        ("007", 7),
        ("2.5", 2.5),
        ("1e3", 1000.0),
        ("999999999999999", 999_999_999_999_999),
        ("1234567890123456", 1.234567890123456e15),  # past 15 digits: a float
        ("nan", "nan"),  # left as typed: the file's check says it is no number
        ("inf", "inf"),
        ("12,000", "12,000"),
        ("true", "true"),  # a number field has no truth values
    ],
)
def test_a_number_field_is_read_as_a_number(raw: str, read: Any) -> None:
    spec = spec_of({"estimated_cost": raw, "wsjf.effort": raw, "title": raw}).spec
    assert spec["estimated_cost"] == read and type(spec["estimated_cost"]) is type(read)
    assert spec["wsjf"] == {"effort": read}
    assert spec["title"] == raw  # not a number field


def test_an_objective_read_from_its_row() -> None:
    values = {
        "objectives[0].metric": " 42 ",
        "objectives[0].baseline": "measure",
        "objectives[0].target": "6",
        "objectives[0].due": "2027-03-31",
        "objectives[0].unit": "",
    }
    read = spec_of(values)
    assert read.spec["objectives"] == [
        {
            "metric": "42",
            "baseline": "measure",
            "target": 6,
            "due": "2027-03-31",
            "source": {"kind": "manual"},
        }
    ]
    assert read.rows["objectives"] == [0]
    blank_kind = spec_of(values | {"objectives[0].source.kind": ""})
    assert blank_kind.spec["objectives"][0]["source"] == {"kind": "manual"}


def test_a_row_with_only_a_kind_or_a_direction_filled_is_not_read() -> None:
    values = {
        "objectives[0].source.kind": "sql",
        "objectives[0].direction": "decrease",
        "objectives[0].kpi_kind": "efficiency",
        "objectives[0].input": "x",
        "objectives[0].metric": "   ",
        "objectives[1].window": "30d",
        "plan[0].status": "done",
        "plan[1].change": "CHG1",
        "plan[2].owner": "Ana",
        "plan[3].due": "2026-01-01",
        "plan[4].action": "b",
    }
    read = spec_of(values)
    assert read.rows == {"objectives": [1], "plan": [1, 2, 3, 4]}
    assert read.spec["objectives"] == [{"window": "30d", "source": {"kind": "manual"}}]
    assert read.spec["plan"] == [
        {"change": "CHG1"},
        {"owner": "Ana"},
        {"due": "2026-01-01"},
        {"action": "b"},
    ]


@pytest.mark.parametrize("filled", ["description", "unit", "baseline", "target", "due"])
def test_any_field_a_row_needs_makes_it_read(filled: str) -> None:
    assert spec_of({f"objectives[0].{filled}": "x"}).rows["objectives"] == [0]


def test_the_chosen_kind_s_fields_are_read_and_no_other() -> None:
    values = {
        "objectives[0].metric": "m",
        "objectives[0].source.kind": "sql",
        "objectives[0].source.sql.url": " postgresql://r@h/x ",
        "objectives[0].source.sql.timeout": "30",
        "objectives[0].source.sql.query": "",
        "objectives[0].source.http.url": "https://a/",
        "objectives[1].metric": "n",
        "objectives[1].source.kind": "incidents",
        "objectives[1].source.incidents.filter.service": "LAN",
        "objectives[1].source.incidents.filter.priority": "1",
        "objectives[2].metric": "o",
        "objectives[2].source.kind": "ftp",
        "objectives[2].source.ftp.url": "ftp://x",
    }
    sources = [o["source"] for o in spec_of(values).spec["objectives"]]
    assert sources == [
        {"kind": "sql", "url": "postgresql://r@h/x", "timeout": 30},
        {"kind": "incidents", "filter": {"service": "LAN", "priority": "1"}},
        {"kind": "ftp"},
    ]


def test_pairs_a_line_each_and_the_first_line_that_is_not_one() -> None:
    values = {
        "objectives[0].metric": "m",
        "objectives[0].source.kind": "csv",
        "objectives[0].source.csv.filter": "team: LAN\n\n  p :  1 \nmajor: true\nok: false\n"
        "note: a: b\nn: 2.5\n",
        "objectives[1].metric": "n",
        "objectives[1].source.kind": "http",
        "objectives[1].source.http.headers": "Accept: text/csv\nX-N: 2\nbroken\n: x\n",
        "objectives[1].source.http.params": "q: true\n : nameless",
    }
    read = spec_of(values)
    assert read.spec["objectives"][0]["source"]["filter"] == {
        "team": "LAN",
        "p": 1,
        "major": True,
        "ok": False,
        "note": "a: b",
        "n": 2.5,
    }
    http = read.spec["objectives"][1]["source"]
    assert http["headers"] == {"Accept": "text/csv", "X-N": "2"}  # headers stay texts
    assert http["params"] == {"q": "true"}
    assert read.problems == {
        "objectives[1].source.http.headers": ["line 3: write one 'name: value' a line"],
        "objectives[1].source.http.params": ["line 2: write one 'name: value' a line"],
    }


def test_python_params_are_json() -> None:
    values = {
        "objectives[0].metric": "m",
        "objectives[0].source.kind": "python",
        "objectives[0].source.python.function": "m:f",
        "objectives[0].source.python.params": '{"team": "réseau", "days": 7}',
        "objectives[1].metric": "n",
        "objectives[1].source.kind": "python",
        "objectives[1].source.python.params": "team: network",
    }
    read = spec_of(values)
    assert read.spec["objectives"][0]["source"] == {
        "kind": "python",
        "function": "m:f",
        "params": {"team": "réseau", "days": 7},
    }
    assert read.spec["objectives"][1]["source"] == {"kind": "python"}
    assert read.problems == {
        "objectives[1].source.python.params": ['not JSON, e.g. {"team": "network"}']
    }


def test_a_problem_twice_on_one_field_is_listed_twice() -> None:
    values = {
        "objectives[0].metric": "m",
        "objectives[0].source.kind": "http",
        "objectives[0].source.http.headers": "broken",
    }
    read = spec_of(values)
    read.problems["objectives[0].source.http.headers"].append("earlier")
    assert place(["objectives[0].source.headers: too many"], values, read) == {
        "objectives[0].source.http.headers": [
            "line 1: write one 'name: value' a line",
            "earlier",
            "too many",
        ]
    }


def test_plan_fields_are_read_as_typed() -> None:
    read = spec_of({"plan[0].action": "a", "plan[0].due": "2026-01-01", "plan[0].status": ""})
    assert read.spec["plan"] == [{"action": "a", "due": "2026-01-01"}]


FORM = {
    "title": "",
    "checkpoints.cron": "",
    "objectives[0].metric": "a",
    "objectives[0].target": "",
    "objectives[0].source.kind": "csv",
    "objectives[0].source.csv.path": "",
    "objectives[0].source.csv.filter": "",
    "objectives[1].metric": "",
    "objectives[2].metric": "b",
    "objectives[2].target": "",
    "objectives[2].source.kind": "sql",
    "objectives[2].source.sql.url": "",
    "plan[0].action": "",
    "plan[1].action": "x",
    "plan[1].owner": "",
}


def placed(*problems: str) -> dict[str, list[str]]:
    return place(list(problems), FORM, spec_of(FORM))


def test_a_problem_lands_on_its_field_counted_as_the_form_shows_rows() -> None:
    assert spec_of(FORM).rows == {"objectives": [0, 2], "plan": [1]}
    assert placed("objectives[1].target: too high") == {"objectives[2].target": ["too high"]}
    assert placed("objectives[0].target: too high") == {"objectives[0].target": ["too high"]}
    assert placed("plan[0].owner: unknown person 'Zed'") == {
        "plan[1].owner": ["unknown person 'Zed'"]
    }
    assert placed("title: too long") == {"title": ["too long"]}
    assert placed("checkpoints.cron: not a cron") == {"checkpoints.cron": ["not a cron"]}


def test_a_source_s_problem_lands_on_its_kind_s_field_or_on_the_kind() -> None:
    assert placed("objectives[1].source.url: refused host") == {
        "objectives[2].source.sql.url": ["refused host"]
    }
    assert placed("objectives[0].source.filter.team: not a text") == {
        "objectives[0].source.csv.filter": ["not a text"]
    }
    assert placed("objectives[0].source: a csv source needs a path") == {
        "objectives[0].source.kind": ["a csv source needs a path"]
    }
    # A field the chosen kind has not: the row.
    assert placed("objectives[0].source.query: not for csv") == {"objectives[0]": ["not for csv"]}


def test_a_problem_of_a_row_past_those_read_keeps_its_index() -> None:
    assert placed("objectives[5].target: x") == {"objectives[5]": ["x"]}
    assert placed("objectives[3]: x") == {"objectives[3]": ["x"]}
    assert placed("plan[1].owner: y") == {"plan[1].owner": ["y"]}


def test_a_problem_without_a_field_lands_on_its_section_or_apart() -> None:
    assert placed("wsjf.effort: must be a number") == {"wsjf": ["must be a number"]}
    assert placed("wsjf: needs every score") == {"wsjf": ["needs every score"]}
    assert placed("checkpoints: unknown") == {"checkpoints": ["unknown"]}
    assert placed("team.lead: unknown field") == {"team": ["unknown field"]}
    assert placed("objectives: two alike") == {"objectives": ["two alike"]}
    assert placed("colour: unknown field") == {"": ["colour: unknown field"]}
    assert placed("colour.shade: unknown field") == {"": ["colour.shade: unknown field"]}
    assert placed("the file is empty") == {"": ["the file is empty"]}
    assert placed("Title: capitalised") == {"": ["Title: capitalised"]}


def test_problems_keep_their_order_and_their_words_whole() -> None:
    assert placed(
        "title: first",
        "title: second: with a colon",
        "nowhere",
        "title: multi\nline",
    ) == {"title": ["first", "second: with a colon", "multi\nline"], "": ["nowhere"]}
    assert place([], {}, FormSpec({})) == {}


def test_truth_values_in_a_csv_filter_come_back_as_truth_values() -> None:
    """They were shown as a ticked box's "on", and saved back as the text "on"."""
    document = {
        "objectives": [
            {
                "metric": "m",
                "source": {"kind": "csv", "path": "a.csv", "filter": {"closed": True, "x": False}},
            }
        ],
        "plan": [],
    }
    values = values_of(document)
    assert values["objectives[0].source.csv.filter"] == "closed: true\nx: false"
    assert spec_of(values).spec == document


def test_without_the_rows_read_a_problem_s_row_is_the_form_s_own() -> None:
    assert place(["objectives[2].target: x", "plan[1].owner: y"], FORM, FormSpec({})) == {
        "objectives[2].target": ["x"],
        "plan[1].owner": ["y"],
    }


def test_the_benefits_field_shows_the_file_s_lines_and_reads_them_back() -> None:
    """Rule: the benefits field is the file's lines in YAML; saved unchanged it gives the same
    lines; a blank field gives none; a field that is not YAML is a problem of that field."""
    line = {"key": "overtime", "kind": "hard_saving", "forecast": {"2027Q1": 4000}}
    values = values_of({"benefits": [line]})
    assert values["benefits"] == (
        "- key: overtime\n  kind: hard_saving\n  forecast:\n    2027Q1: 4000\n"
    )
    assert spec_of(values).spec["benefits"] == [line]
    assert "benefits" not in spec_of({"benefits": "  "}).spec
    bad = spec_of({"benefits": "[a"})
    assert bad.problems == {"benefits": ["not YAML: while parsing a flow sequence"]}
    assert "benefits" not in bad.spec
