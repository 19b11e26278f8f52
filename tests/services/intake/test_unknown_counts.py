"""An unknown count is not a zero: the reopen metric and the rework detectors take their rates
over the incidents where the count is known and say over how many; with none known there is no
value. Expected figures are worked out here from the rows, without the project's code."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ci_workflow.metrics import MetricError, Window
from ci_workflow.metrics.incident_source import read_each
from ci_workflow.opportunities.detect import IncidentRow, detect
from tests.helpers import Cli
from tests.metrics.sources import measure

MAPPING = """\
layout: one_row
columns: {id: id, opened: opened, resolved: resolved, closed: closed, category: category,
  reopen_count: reopens}
timestamp_format: "%Y-%m-%d %H:%M"
"""
MARCH = Window(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


def export_rows(seed: int = 3) -> list[tuple[str, str, str, str, str]]:
    """27 resolved incidents in March, 22 with no reopen count; 4 opened but not resolved."""
    rng, rows = random.Random(seed), []
    for n in range(31):
        opened = datetime(2026, 3, 1, 8) + timedelta(hours=rng.randint(0, 24 * 25))
        resolved = f"{opened + timedelta(hours=rng.randint(1, 48)):%Y-%m-%d %H:%M}"
        reopens = str(rng.choice([0, 0, 1, 2])) if n < 5 or n >= 27 else ""
        rows.append(
            (
                f"INC{n:02}",
                f"{opened:%Y-%m-%d %H:%M}",
                resolved if n < 27 else "",
                rng.choice(["net", "mail"]),
                reopens,
            )
        )
    return rows


def import_rows(cli: Cli, tmp_path: Path, rows: list[tuple[str, ...]]) -> None:
    path, mapping = tmp_path / "export.csv", tmp_path / "mapping.yaml"
    path.write_text(
        "id,opened,resolved,category,reopens,closed\n" + "".join(f"{','.join(r)},\n" for r in rows)
    )
    mapping.write_text(MAPPING)
    cli.ok("import", "incidents", str(path), "--mapping", str(mapping))


def test_the_reopen_rate_is_over_the_incidents_whose_count_is_known(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    rows = export_rows()
    import_rows(cli, tmp_path, rows)
    resolved = [r for r in rows if r[2]]
    known = [r for r in resolved if r[4]]
    assert (len(resolved), len(resolved) - len(known)) == (27, 22)
    reopened = [r for r in known if int(r[4]) > 0]
    assert 0 < len(reopened) < len(known)  # a rate that zeros would change
    expected = 100 * len(reopened) / len(known)
    assert measure({"kind": "incidents", "metric": "reopen_pct"}, MARCH) == pytest.approx(expected)
    for category, value in read_each("reopen_pct", "category", MARCH).items():
        mine = [r for r in known if r[3] == category]
        assert value == pytest.approx(100 * sum(int(r[4]) > 0 for r in mine) / len(mine))


def test_with_no_known_reopen_count_the_rate_has_no_value(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    rows = [(*r[:4], "") for r in export_rows()]
    import_rows(cli, tmp_path, rows)
    resolved = sum(1 for r in rows if r[2])
    with pytest.raises(MetricError) as raised:
        measure({"kind": "incidents", "metric": "reopen_pct"}, MARCH)
    assert str(raised.value) == (
        f"no value for reopen_pct: none of the {resolved} incidents resolved in the window has a "
        "known reopen count"
    )
    assert read_each("reopen_pct", "category", MARCH) == {}


START = datetime(2026, 1, 1, tzinfo=UTC)
END = START + timedelta(weeks=12)


def team(name: str, counts: list[int | None], field: str) -> list[IncidentRow]:
    """One incident per count, spread over the period, in the team ``name``."""
    rows = []
    for k, value in enumerate(counts):
        opened = START + timedelta(hours=12 + k * 20)
        fields = {"reopen_count": None, "reassignment_count": None, "ping_pong_count": None}
        rows.append(
            IncidentRow(
                number=f"{name}-{k:03}",
                opened_at=opened,
                resolved_at=opened + timedelta(hours=5),
                category="c",
                service="s",
                priority="3",
                assignment_group=name,
                sla_met=None,
                problem_id=None,
                change_id=None,
                **(fields | {field: value}),
            )
        )
    return rows


@pytest.mark.parametrize(
    ("field", "kind", "share"),
    [
        ("reopen_count", "reopen", "reopened_share"),
        ("ping_pong_count", "ping_pong", "bounced_share"),
    ],
)
def test_the_rework_detectors_rate_only_known_counts_and_say_over_how_many(
    field: str, kind: str, share: str
) -> None:
    # Rework: 4 of its 10 known incidents; 20 not known. Steady: 1 of 60, all known.
    # Sparse: 9 known, every one of them hit, too few known to judge; 21 not known.
    rows = (
        team("Rework", [1] * 4 + [0] * 6 + [None] * 20, field)
        + team("Steady", [1] + [0] * 59, field)
        + team("Sparse", [2] * 9 + [None] * 21, field)
    )
    known = [r for r in rows if getattr(r, field) is not None]
    org = sum(1 for r in known if getattr(r, field) > 0) / len(known)
    found = detect(rows, start=START, end=END, group_by=("assignment_group",))
    signals = {f.group: f for f in found.findings if f.kind == kind}
    assert set(signals) == {"Rework"}
    rework = signals["Rework"]
    assert rework.evidence[share] == round(4 / 10, 3)
    assert rework.evidence["organisation_share"] == round(org, 3)
    assert (rework.evidence["incidents"], rework.evidence["unknown"]) == (10, 20)
    assert "(4 of 10 with a known count;" in rework.title
