"""Who hears of an objective's track, through the real SMTP server on loopback (issue 25): a
replay of history (a backfill) tells nobody an objective is off track, it is history; the first
live capture that still finds it off track tells its owner once; when it comes back on track,
whoever was told it was off is told it is back."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.register.improvements import get_improvement
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml
from tests.services.conftest import Outbox, body

FIRST_DAY, LAST_DAY = date(2026, 9, 1), date(2026, 11, 30)


def write_data(path: Path, better_from: date | None) -> None:
    """Hours to restore each day at noon: 10 (no better than the baseline), 5 from
    ``better_from`` on (past the target of 6)."""
    days = [FIRST_DAY + timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    rows = [
        f"INC{n},{d}T12:00:00,{5.0 if better_from and d >= better_from else 10.0}"
        for n, d in enumerate(days)
    ]
    path.write_text("\n".join(["number,opened_at,hours", *rows]) + "\n", encoding="utf-8")


def executing(cli: Cli, folder: Path) -> Path:
    data = folder / "restores.csv"
    write_data(data, better_from=None)
    source = {
        "kind": "csv",
        "path": str(data),
        "timestamp_column": "opened_at",
        "aggregation": "mean",
        "value_column": "hours",
    }
    objective = objective_doc(window="7d", baseline=10, target=6, source=source)
    doc = improvement_doc(identified="2026-09-01", started="2026-10-01", objectives=[objective])
    cli.ok("apply", str(write_yaml(folder, doc)))
    move_to("executing")
    return data


def actions(cli: Cli) -> list[tuple[str, str]]:
    return [
        (e["action"], e["detail"])
        for e in cli.json("audit", "IMP-0001")
        if e["action"].startswith("objective_")
    ]


def test_a_replay_tells_nobody_and_the_first_live_capture_off_track_tells_the_owner(
    cli: Cli, people: None, tmp_path: Path, mail: Outbox
) -> None:
    data = executing(cli, tmp_path)
    mail.received.clear()
    cli.ok("backfill", "IMP-0001", "--from", "2026-10-04", "--to", "2026-10-25", "--every", "7d")
    # Four weeks at 10 h against a target of 6: off track, and history: nobody is told.
    assert mail.received == []
    ((action, detail),) = actions(cli)
    assert action == "objective_off_track_replay"
    assert detail.startswith("mttr_hours: off track — projected 10 h at 2027-03-31")
    assert detail.endswith("a replay of history, nobody told")
    # A live capture still finds it off track: its owner hears of it, once.
    cli.ok("capture", "--improvement", "IMP-0001", "--as-of", "2026-11-01")
    cli.ok("capture", "--improvement", "IMP-0001", "--as-of", "2026-11-08")
    (told,) = mail.received
    assert (told["To"], told["Subject"]) == (
        "lena@example.org",
        "IMP-0001: mttr_hours is off track",
    )
    assert [a for a, _ in actions(cli)] == ["objective_off_track_replay", "objective_off_track"]
    assert actions(cli)[-1][1].endswith("owner Lena Fischer told")
    # The improvement changes hands (Priya owns it now); restores at 5 h from 9 November: the
    # week to 16 November is past the target. Back on track, and the one told it was off (Lena,
    # not Priya) is told it is back.
    with transaction() as session:
        improvement = get_improvement(session, "IMP-0001")
        improvement.owner_id = load_directory(session).find("Priya Nair").id  # type: ignore[union-attr]
        session.add(improvement)
    write_data(data, better_from=date(2026, 11, 9))
    mail.received.clear()
    cli.ok("capture", "--improvement", "IMP-0001", "--as-of", "2026-11-16")
    (back,) = mail.received
    assert (back["To"], back["Subject"]) == (
        "lena@example.org",
        "IMP-0001: mttr_hours is back on track",
    )
    text = body(back)
    assert "latest 5 h, against a target of 6 h by 2027-03-31" in text
    assert "https://ci.example.org/improvements/IMP-0001#objectives" in text
    assert actions(cli)[-1][0] == "objective_on_track"
    assert actions(cli)[-1][1].startswith("mttr_hours: back on track")
    # Told once: it stays on track, nothing more.
    cli.ok("capture", "--improvement", "IMP-0001", "--as-of", "2026-11-23")
    assert len(mail.received) == 1


def test_back_on_track_in_a_replay_tells_nobody(
    cli: Cli, people: None, tmp_path: Path, mail: Outbox
) -> None:
    data = executing(cli, tmp_path)
    cli.ok("capture", "--improvement", "IMP-0001", "--as-of", "2026-10-04")
    cli.ok("capture", "--improvement", "IMP-0001", "--as-of", "2026-10-11")
    (told,) = mail.received  # live: off track, told
    assert told["Subject"] == "IMP-0001: mttr_hours is off track"
    write_data(data, better_from=date(2026, 10, 12))
    mail.received.clear()
    cli.ok("backfill", "IMP-0001", "--from", "2026-10-18", "--to", "2026-10-25", "--every", "7d")
    assert mail.received == []  # history: nobody is told it came back either
    action, detail = actions(cli)[-1]
    assert action == "objective_on_track"
    assert detail.startswith("mttr_hours: back on track")
    assert detail.endswith("; a replay of history, nobody told")
