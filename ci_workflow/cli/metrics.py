"""The metrics' commands: capture, backfill, record, survey, snapshots, progress."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import typer

from ci_workflow.cli._common import (
    add_commands,
    cli_actor,
    console,
    escape,
    new_table,
    print_json,
)
from ci_workflow.domain.clock import as_utc
from ci_workflow.errors import UsageError
from ci_workflow.formatting import number, percent, quantity, share, visible, when

if TYPE_CHECKING:
    from ci_workflow.services.measurement.capture import CaptureResult


def _capture() -> ModuleType:
    # Imported on use: `improve list` must not pay for the metric services at start-up.
    from ci_workflow.services.measurement import capture

    return capture


def _measurements() -> ModuleType:
    from ci_workflow.services.measurement import recording

    return recording


ID = typer.Argument(..., metavar="ID", help="IMP-0001, 1, or the file's key.")


def moment(text: str | None, option: str) -> datetime | None:
    """ISO date or date-time; without a zone it is UTC."""
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{option}: not a date or time: {text!r} (e.g. 2026-11-25 or 2026-11-25T06:00)"
        ) from None
    return as_utc(parsed)


def report_capture(result: CaptureResult) -> None:
    for line in result.stored:
        console().print(f"captured {escape(line)}")
    for line in result.failed:
        console(stderr=True).print(f"failed {visible(line)}", markup=False)
    stored, failed = len(result.stored), len(result.failed)
    console().print(f"{stored} stored, {result.unchanged} already there, {failed} failed")
    if result.failed:
        raise typer.Exit(1)


def capture(
    improvement: str | None = typer.Option(
        None, "--improvement", help="Only this improvement, at --as-of."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Evaluate sources as of this time (UTC)."
    ),
) -> None:
    """Capture now: every executing or in-review improvement whose checkpoint is due, and every
    closed one still in its sustainment period; or one."""
    report_capture(_capture().capture(as_of=moment(as_of, "--as-of"), ref=improvement))


def backfill(
    ref: str = ID,
    start: str = typer.Option(..., "--from", help="First checkpoint (date or time, UTC)."),
    end: str = typer.Option(..., "--to", help="Last checkpoint at or before this."),
    every: str = typer.Option("7d", "--every", help="Step between checkpoints: Nh, Nd or Nw."),
) -> None:
    """Fill historical checkpoints in one go, to replay an improvement on history."""
    try:
        from ci_workflow.domain.measures.window import parse_window

        parse_window(every)
    except ValueError as error:
        raise UsageError(f"--every: {error}") from None
    first, last = moment(start, "--from"), moment(end, "--to")
    assert first is not None and last is not None
    report_capture(_capture().backfill(ref, start=first, end=last, every=every))


def record(
    ref: str = ID,
    metric: str = typer.Argument(..., help="The objective's metric."),
    value: float = typer.Argument(..., help="The measured value."),
    as_: str = typer.Option(..., "--as", help="Who measured it (name or e-mail)."),
    at: str | None = typer.Option(None, "--at", help="When it was measured (default now, UTC)."),
    baseline: bool = typer.Option(
        False, "--baseline", help="It is the baseline (before approval)."
    ),
    note: str | None = typer.Option(None, "--note", help="What to know about the value."),
) -> None:
    """Record a value measured by a person (manual sources, or a correction)."""
    line = _measurements().record(
        ref,
        metric,
        value,
        actor=cli_actor(as_),
        at=moment(at, "--at"),
        baseline=baseline,
        note=note,
    )
    console().print(escape(line))


def confirm_baseline(
    ref: str = ID,
    metric: str = typer.Argument(..., help="The objective whose measured baseline it is."),
    as_: str = typer.Option(..., "--as", help="The improvement's owner (name or e-mail)."),
) -> None:
    """Confirm a measured baseline as it was measured (the owner, before the plan is approved):
    the plan approval asks for it."""
    line = _measurements().confirm_baseline(ref, metric, actor=cli_actor(as_))
    console().print(escape(line))


def survey(
    ref: str = ID,
    metric: str = typer.Argument(..., help="The satisfaction objective's metric."),
    question: str = typer.Option(..., "--question", help="The question asked."),
    scale: int = typer.Option(5, "--scale", help="Answers run from 1 to this (2-10)."),
    answers: str | None = typer.Option(
        None, "--answers", help="How many answered each point, lowest first: 2,3,10,20,12."
    ),
    file: Path | None = typer.Option(
        None,
        "--file",
        help="A CSV of responses, one a row, in a column named answer.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
    as_: str = typer.Option(..., "--as", help="Who ran the survey (name or e-mail)."),
    at: str | None = typer.Option(None, "--at", help="When it closed (default now, UTC)."),
    note: str | None = typer.Option(None, "--note", help="What to know about it."),
) -> None:
    """Record a survey's result: its mean is the objective's value; the answers per point are
    kept with it (the review report shows how many answered and the spread)."""
    data = None
    if file is not None:
        from ci_workflow.domain.measures.surveys import MAX_FILE_BYTES

        if file.stat().st_size > MAX_FILE_BYTES:
            raise UsageError(f"--file: at most {MAX_FILE_BYTES // 1_000_000} MB")
        data = file.read_bytes()
    line = _measurements().record_survey(
        ref,
        metric,
        question=question,
        scale=scale,
        answers=answers,
        responses_csv=data,
        actor=cli_actor(as_),
        at=moment(at, "--at"),
        note=note,
    )
    console().print(escape(line))


def snapshots(
    ref: str = ID, json_: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Every snapshot of the improvement's objectives: kind, time, value or why it failed."""
    shown_id, rows = _measurements().snapshots(ref)
    if json_:
        print_json(rows)
        return
    table = new_table(
        "Metric",
        "Kind",
        "Checkpoint",
        "Value",
        "By / failure",
        title=f"Snapshots of {shown_id}",
        wrap=("By / failure",),
    )
    for s in rows:
        table.add_row(
            escape(s.metric),
            s.kind,
            when(s.checkpoint_at),
            number(s.value),
            escape(s.error or ": ".join(filter(None, (s.recorded_by, s.note)))),
        )
    console().print(table)


def progress(
    ref: str = ID, json_: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Each objective: latest value, share of the way to target, and on or off track."""
    shown_id, rows = _measurements().progress(ref)
    if json_:
        print_json(rows)
        return
    table = new_table(
        "Metric",
        "Baseline",
        "Latest",
        "Target",
        "Achieved",
        "At due date",
        "Track",
        title=f"Progress of {shown_id}",
    )
    for p in rows:
        table.add_row(
            escape(p.metric),
            quantity(p.baseline, escape(p.unit)),
            quantity(p.latest, escape(p.unit)),
            f"{quantity(p.target, escape(p.unit))} by {p.due}",
            percent(p.achieved_pct),
            quantity(p.projected_at_due, escape(p.unit)),
            f"{p.track} ({p.reason})",
        )
    console().print(table)


def sustainment(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Closed improvements and whether their gain held: each objective keeps being measured
    after closing (``sustain: 90d``); one that goes back past its threshold is regressed."""
    from ci_workflow.services.measurement.sustainment import listing

    rows = listing()
    if json_:
        print_json(rows)
        return
    table = new_table(
        "ID",
        "Held",
        "Title",
        "Closed",
        "Measured until",
        "Gain kept",
        "Objectives",
        wrap=("Title", "Objectives"),
    )
    for row in rows:
        objectives = "; ".join(f"{o['metric']}: {o['statement']}" for o in row["objectives"])
        kept = ", ".join(share(o["kept"]) for o in row["objectives"])  # the latest measurement's
        table.add_row(
            str(row["id"]),
            str(row["held"]),
            escape(str(row["title"])),
            when(row["closed_at"])[:10],
            when(row["measured_until"])[:10],
            kept,
            escape(objectives),
        )
    console().print(table if rows else "no closed improvement yet")


def register_commands(app: typer.Typer) -> None:
    add_commands(
        app,
        {
            "capture": capture,
            "backfill": backfill,
            "confirm-baseline": confirm_baseline,
            "record": record,
            "survey": survey,
            "snapshots": snapshots,
            "progress": progress,
            "sustainment": sustainment,
        },
    )
