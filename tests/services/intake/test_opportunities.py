"""Opportunities end to end: detected from imported incidents, recorded once, accepted into the
register or dismissed; and checked on the ServiceNow log against an independent computation."""

from __future__ import annotations

import csv
import gzip
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import Cli

ROOT = Path(__file__).resolve().parents[3]
MAPPINGS = ROOT / "examples" / "mappings"
EVENT_LOG = ROOT.parent / "shared" / "data" / "servicenow_incident_event_log.csv.gz"


def export(tmp_path: Path) -> Path:
    """12 weeks: Net goes from 2 incidents a week to 8 in the last 3; Mail stays at 3."""
    lines = [
        "incident_id,opened,resolved,closed,category,service,priority,group,sla_met,reopens,reassignments,problem,change"
    ]
    start, n = datetime(2026, 1, 1), 0
    for week in range(12):
        for category, service, team, per_week in (
            ("Net", "LAN", "NetOps", 8 if week >= 9 else 2),
            ("Mail", "Exchange", "Messaging", 3),
        ):
            for k in range(per_week):
                n += 1
                opened = start + timedelta(weeks=week, hours=10 * k + 1)
                resolved = opened + timedelta(hours=4)
                lines.append(
                    f"INC{n},{opened:%Y-%m-%d %H:%M},{resolved:%Y-%m-%d %H:%M},,{category},{service},P3,{team},yes,0,0,,"
                )
    path = tmp_path / "incidents.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


PERIOD = ["--from", "2026-01-01", "--to", "2026-03-26"]


def test_detect_accept_and_dismiss(cli: Cli, people: None, tmp_path: Path) -> None:
    cli.ok(
        "import",
        "incidents",
        str(export(tmp_path)),
        "--mapping",
        str(MAPPINGS / "generic_incidents.yaml"),
    )
    found = cli.json("opportunities", "detect", *PERIOD)["opportunities"]
    rising = [o for o in found if o["kind"] == "rising_share"]
    # The same incidents under three groupings are one finding, led by the service.
    (lan,) = rising
    assert (lan["group_by"], lan["group"]) == ("service", "LAN")
    assert lan["evidence"]["same_incidents_as"] == [
        {"group_by": "category", "group": "Net"},
        {"group_by": "assignment_group", "group": "NetOps"},
    ]
    assert lan["title"].endswith("(the same incidents as category Net, assignment group NetOps)")
    assert rising[0]["evidence"]["reference_per_week"] == pytest.approx(2.0, abs=0.1)
    # The suggested baseline is what the incident_count template measures over its 7-day window
    # at the end of the period, counted here from how the export was written.
    end = datetime(2026, 3, 26)
    net = [
        datetime(2026, 1, 1) + timedelta(weeks=week, hours=10 * k + 1)
        for week in range(12)
        for k in range(8 if week >= 9 else 2)
    ]
    in_window = sum(1 for at in net if end - timedelta(days=7) < at <= end)
    assert lan["objective"]["baseline"] == in_window
    assert lan["evidence"]["ranking"].endswith(f"= {lan['score']:,.0f} expected")
    assert cli.json("opportunities", "detect", *PERIOD)["opportunities"] == found  # recorded once
    number = lan["number"]
    out = cli.ok("opportunities", "accept", str(number), "--as", "omar@example.org").stdout
    assert out.startswith("IMP-0001 registered from opportunity")
    shown = cli.json("show", "IMP-0001")
    assert (shown["status"], shown["source"], shown["owner"]) == (
        "identified",
        "incident_trend",
        "Omar Haddad",
    )
    assert shown["objectives"][0]["source"] == {
        "kind": "incidents",
        "metric": "incident_count",
        "filter": {"service": "LAN"},
        "database": None,
    }
    assert (tmp_path / "home" / "improvements" / f"opp-{number}-lan.yaml").is_file()
    assert cli.fails("opportunities", "accept", str(number), "--as", "Omar Haddad", code=2) == [
        f"error: opportunity {number} is already accepted"
    ]
    others = [o["number"] for o in found if o["number"] != number]
    for other in others:
        cli.ok("opportunities", "dismiss", str(other), "--reason", "seasonal")
    assert cli.json("opportunities", "detect", *PERIOD)["opportunities"] == []
    assert cli.fails("opportunities", "show", "999") == ["error: no opportunity 999"]


def test_an_empty_period_says_so(cli: Cli, store: str) -> None:
    result = cli.json("opportunities", "detect")
    assert result["opportunities"] == [] and result["skipped"] == [
        "no incidents are imported: run improve import incidents"
    ]
    result = cli.json("opportunities", "detect", "--from", "2020-01-01", "--to", "2020-02-01")
    assert result == {
        "period": {"from": "2020-01-01", "to": "2020-02-01"},
        "data": {"from": None, "to": None},
        "completeness": "",
        "opportunities": [],
        "more": 0,
        "skipped": ["no incidents opened in the period"],
    }


@pytest.mark.skipif(not EVENT_LOG.exists(), reason=f"{EVENT_LOG} is not there")
def test_servicenow_findings_match_an_independent_computation(cli: Cli, store: str) -> None:
    cli.ok(
        "import",
        "incidents",
        str(EVENT_LOG),
        "--mapping",
        str(MAPPINGS / "servicenow_event_log.yaml"),
    )
    found = cli.json("opportunities", "detect", "--from", "2016-03-01", "--to", "2016-05-14")[
        "opportunities"
    ]
    top = next(o for o in found if o["kind"] == "long_resolution")
    # Independently, with lifelines: the Kaplan–Meier median of the group's incidents opened in
    # the period, open ones censored when the data ends, those opened before the complete days
    # (as the output names them) entering when they begin.
    from lifelines import KaplanMeierFitter

    said = cli.json("opportunities", "detect", "--from", "2016-03-01", "--to", "2016-05-14")
    parse = lambda text: datetime.strptime(text, "%d/%m/%Y %H:%M")  # noqa: E731
    opened: dict[str, datetime] = {}
    resolved: dict[str, datetime] = {}
    group: dict[str, str] = {}
    with gzip.open(EVENT_LOG, "rt", newline="") as stream:
        for row in csv.DictReader(stream):
            opened[row["number"]] = parse(row["opened_at"])
            group[row["number"]] = row[top["group_by"]]
            if row["incident_state"] in ("Resolved", "Closed"):
                at = parse(row["sys_updated_at"])
                resolved[row["number"]] = min(at, resolved.get(row["number"], at))
    start, end = datetime(2016, 3, 1), datetime(2016, 5, 14)
    loaded = [n for n in opened if start < opened[n] <= end]
    first_day = min(opened[n] for n in loaded).date()
    complete_from = datetime.strptime(said["completeness"].split()[3], "%Y-%m-%d")
    begins = max(start, complete_from) if complete_from.date() > first_day else start
    seen_until = max(max(opened[n], resolved.get(n, opened[n])) for n in loaded)
    durations, events, entries = [], [], []
    for n in loaded:
        if (
            group[n] != top["group"]
            or opened[n].date()
            > datetime.strptime(said["completeness"].split()[5], "%Y-%m-%d").date()
        ):
            continue
        ends = resolved.get(n, seen_until)
        if ends < opened[n]:
            continue
        entry = max(0.0, (begins - opened[n]).total_seconds() / 3600)
        hours = (ends - opened[n]).total_seconds() / 3600
        if hours > entry:
            durations.append(hours)
            events.append(n in resolved)
            entries.append(entry)
    fitted = KaplanMeierFitter().fit(durations, events, entry=entries)
    assert said["completeness"].startswith("data complete from ")
    assert top["evidence"]["median_hours"] == pytest.approx(fitted.median_survival_time_, abs=0.05)
    judged = [n for n in loaded if group[n] == top["group"] and opened[n] >= begins]
    assert top["evidence"]["resolved"] == sum(1 for n in judged if n in resolved)


@pytest.mark.skipif(not EVENT_LOG.exists(), reason=f"{EVENT_LOG} is not there")
def test_by_default_the_period_ends_at_the_latest_incident_and_the_best_fifteen_are_shown(
    cli: Cli, store: str
) -> None:
    mapping = str(MAPPINGS / "servicenow_event_log.yaml")
    cli.ok("import", "incidents", str(EVENT_LOG), "--mapping", mapping)
    found = cli.json("opportunities", "detect")
    assert found["period"] == {"from": "2016-02-13", "to": "2016-05-13"}
    assert found["data"] == {"from": "2016-02-29", "to": "2016-05-13"}
    assert len(found["opportunities"]) == 15 and found["more"] > 0
    every = cli.json("opportunities", "detect", "--all")["opportunities"]
    assert every[:15] == found["opportunities"] and len(every) == 15 + found["more"]
    scores = [o["score"] for o in every]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)
    # One opportunity per group, and no problem-record finding without problem records.
    assert len({(o["group_by"], o["group"]) for o in every}) == len(every)
    text = cli.ok("opportunities", "detect").stdout
    assert text.startswith(
        "period 2016-02-13 to 2016-05-13; incidents imported from 2016-02-29 to 2016-05-13"
    )
    assert f"{found['more']} more (--all shows every one)" in text


def test_an_imported_change_is_looked_at_for_a_spike_on_its_service(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    lines = [
        "incident_id,opened,resolved,closed,category,service,priority,group,sla_met,"
        "reopens,reassignments,problem,change"
    ]
    start = datetime(2026, 1, 1)
    opened = [start + timedelta(hours=80 * k) for k in range(25)]  # about 2 a week for 10 weeks
    opened += [datetime(2026, 2, 20, 10) + timedelta(hours=12 * k) for k in range(10)]
    for n, at in enumerate(opened, start=1):
        lines.append(
            f"W{n},{at:%Y-%m-%d %H:%M},{at + timedelta(hours=3):%Y-%m-%d %H:%M},,Web,"
            "Portal,P3,WebOps,yes,0,0,,"
        )
    incidents = tmp_path / "incidents.csv"
    incidents.write_text("\n".join(lines) + "\n")
    cli.ok(
        "import", "incidents", str(incidents), "--mapping", str(MAPPINGS / "generic_incidents.yaml")
    )
    changes = tmp_path / "changes.csv"
    changes.write_text(
        "change_id,state,opened,planned_start,planned_end,closed,service,type,risk,result\n"
        "CHG77,closed,2026-02-18 09:00,2026-02-20 08:00,2026-02-20 09:00,2026-02-20 09:30,Portal,"
        "normal,high,successful\n"
    )
    cli.ok("import", "changes", str(changes), "--mapping", str(MAPPINGS / "generic_changes.yaml"))
    found = cli.json("opportunities", "detect", "--all")
    (spike,) = [o for o in found["opportunities"] if o["kind"] == "change_spike"]
    closed = datetime(2026, 2, 20, 9, 30)
    after = sum(1 for at in opened if closed < at <= closed + timedelta(days=7))
    before = sum(1 for at in opened if closed - timedelta(days=7) < at <= closed)
    assert spike["group"] == "CHG77 on Portal"
    assert (spike["evidence"]["incidents_after"], spike["evidence"]["incidents_before"]) == (
        after,
        before,
    )
