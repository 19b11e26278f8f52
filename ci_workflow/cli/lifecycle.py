"""The lifecycle's commands: start an improvement's flow, see and decide its gates."""

from __future__ import annotations

from typing import Any

import typer

from ci_workflow.cli._common import (
    add_commands,
    cli_actor,
    console,
    escape,
    new_table,
    print_json,
)
from ci_workflow.domain.vocabulary import Gate
from ci_workflow.formatting import when


def _pending(ref: str | None) -> list[dict[str, Any]]:
    # Imported on use: `improve list` must not pay for the lifecycle's services at start-up.
    # The gates come as plain dicts (the fields of PendingGate): the shapes cost start-up.
    from ci_workflow.services.views.gate_warnings import gates_to_decide

    return gates_to_decide(ref)


ID = typer.Argument(..., metavar="ID", help="IMP-0001, 1, or the file's key.")
AS = typer.Option(..., "--as", help="Who decides (registered name or e-mail).")
CONFIRMED_BY = {
    "approve": "approve",
    "complete": "complete",
    "accept": "signoff",
}  # the command of each decision
CONFIRM = typer.Option(
    False, "--confirm", help="Decide over the gate's warnings (see `improve gates ID`)."
)


def start(
    refs: list[str] = typer.Argument(
        ..., metavar="ID...", help="IMP-0001, 1, or the file's key; several start together."
    ),
    as_: str | None = typer.Option(None, "--as", help="Who starts it, for the audit trail."),
) -> None:
    """Start the improvement's lifecycle flow; it waits at each gate for a decision. Several
    (a planning round) are all checked first: one that cannot start, and none starts."""
    from ci_workflow.orchestration.runs import PrefectRuns
    from ci_workflow.services.lifecycle.start import start_round

    _say_found_server()
    # One process for the round: Prefect's client is imported once.
    for started in start_round(refs, actor=cli_actor(as_), runs=PrefectRuns()):
        if started.restarted_from:
            console().print(
                f"{started.shown_id} restarted: flow run {started.flow_run_id} replaces the "
                f"stranded flow run {started.restarted_from}"
            )
        else:
            console().print(f"{started.shown_id} started: flow run {started.flow_run_id}")


def _say_found_server() -> None:
    """Which Prefect API is used, when found in IMPROVE_HOME rather than set."""
    from ci_workflow.orchestration import api_in_use

    api, origin = api_in_use()
    if origin.startswith("the server"):
        console().print(f"Prefect API {escape(api)} (from {escape(origin)})")


def reconcile(
    refs: list[str] | None = typer.Argument(
        None, metavar="[ID...]", help="Only these (default: every open improvement)."
    ),
) -> None:
    """Bring back lifecycle runs that a process's death stranded (ended, or never started or
    finished, while the register waits): a new run replays the recorded decisions and waits
    where the register does; the trail says what was lost. The hourly watchdog does the same."""
    from ci_workflow.orchestration.runs import PrefectRuns
    from ci_workflow.services.lifecycle.reconcile import reconcile as bring_back

    done = bring_back(PrefectRuns(), refs or None)
    for reconciled in done:
        console().print(escape(reconciled.line))
    if not done:
        console().print("every lifecycle run is live or done: nothing to reconcile")


def gates(
    ref: str | None = typer.Argument(None, metavar="[ID]", help="Only this improvement."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Gates waiting for a decision, oldest first, with who may decide them."""
    pending = _pending(ref)
    if json_:
        print_json(pending)
        return
    table = new_table(
        "ID",
        "Title",
        "Gate",
        "Waiting since",
        "May decide",
        "People",
        wrap=("Title", "May decide", "People"),
    )
    for g in pending:
        table.add_row(
            g["id"],
            escape(g["title"]),
            g["key"],
            when(g["waiting_since"]),
            g["may_decide"],
            escape(", ".join(g["deciders"])),
        )
    console().print(table)
    console().print(f"{len(pending)} gate{'s' if len(pending) != 1 else ''} waiting")
    for g in (g for g in pending if g["warnings"]):
        count = len(g["warnings"])
        console().print(f"\n{g['id']} {g['key']}: {count} warning{'s' if count != 1 else ''}")
        for w in g["warnings"]:
            console().print(f"  - {escape(w['text'])}", soft_wrap=True)
        for decision in g["confirm_for"]:
            console().print(f"  `improve {CONFIRMED_BY[decision]}` over them needs --confirm")


def _decide(
    ref: str, gate: Gate, decision: str, by: str, confirm: bool = False, **fields: object
) -> None:
    from ci_workflow.cli import remote

    if remote.session() is not None:  # signed in: the workspace decides as that person
        body = {"decision": decision, **{k: v for k, v in fields.items() if v is not None}}
        body["confirm"] = confirm
        sent = remote.call("POST", f"/api/improvements/{ref}/decisions", body)["sent"]
        console().print(escape(str(sent)))
        return
    from ci_workflow.orchestration.runs import PrefectRuns
    from ci_workflow.services.lifecycle.decide import send_decision

    sent = send_decision(
        ref, gate, decision, actor=cli_actor(), runs=PrefectRuns(), by=by, confirm=confirm, **fields
    )
    console().print(
        f"{sent.shown_id}: {decision} sent to {sent.key} as "
        f"{escape(str(sent.run_input['by']))}; the flow continues"
    )


def approve(
    ref: str = ID,
    as_: str = AS,
    comment: str = typer.Option("", "--comment"),
    confirm: bool = CONFIRM,
) -> None:
    """Approve the plan (process owner of the improvement's process, or a CI manager). Refused
    while a measured baseline is not confirmed by the owner, unless --confirm."""
    _decide(ref, Gate.plan_approval, "approve", as_, confirm, comment=comment)


def reject(ref: str = ID, as_: str = AS, comment: str = typer.Option(..., "--comment")) -> None:
    """Reject the plan; the improvement ends as rejected."""
    _decide(ref, Gate.plan_approval, "reject", as_, comment=comment)


def rework(ref: str = ID, as_: str = AS, comment: str = typer.Option(..., "--comment")) -> None:
    """Send the plan back to be defined again; the owner resubmits it."""
    _decide(ref, Gate.plan_approval, "rework", as_, comment=comment)


def resubmit(ref: str = ID, as_: str = AS, comment: str = typer.Option("", "--comment")) -> None:
    """Resubmit a reworked plan for approval (the improvement's owner)."""
    _decide(ref, Gate.resubmitted, "resubmit", as_, comment=comment)


def complete(
    ref: str = ID,
    as_: str = AS,
    comment: str = typer.Option("", "--comment"),
    confirm: bool = CONFIRM,
) -> None:
    """Declare execution complete (the owner or a team member); the review starts. Refused
    while the gate has warnings, unless --confirm."""
    _decide(ref, Gate.execution_complete, "complete", as_, confirm, comment=comment)


def signoff(
    ref: str = ID,
    as_: str = AS,
    lessons: str = typer.Option(..., "--lessons", help="Lessons learned."),
    realised_gain: float | None = typer.Option(None, "--realised-gain", min=0),
    actual_cost: float | None = typer.Option(None, "--actual-cost", min=0),
    comment: str = typer.Option("", "--comment"),
    confirm: bool = CONFIRM,
) -> None:
    """Accept the review; the improvement is consolidated and closed. Refused while the gate
    has warnings, unless --confirm."""
    _decide(
        ref,
        Gate.review_signoff,
        "accept",
        as_,
        confirm,
        lessons=lessons,
        realised_gain=realised_gain,
        actual_cost=actual_cost,
        comment=comment,
    )


def extend(ref: str = ID, as_: str = AS, comment: str = typer.Option(..., "--comment")) -> None:
    """Send the improvement back to execution from its review."""
    _decide(ref, Gate.review_signoff, "extend", as_, comment=comment)


def status(ref: str = ID, json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Stage, pending gate, the flow run's state, and why a stage failed. From the register
    alone when Prefect cannot be reached."""
    from ci_workflow import orchestration
    from ci_workflow.errors import OrchestratorUnavailable
    from ci_workflow.services.lifecycle.stage_failures import latest_failure
    from ci_workflow.services.register.browse import show_improvement

    detail = show_improvement(ref)
    pending = _pending(ref)
    try:
        state = orchestration.read_state(detail.flow_run_id) if detail.flow_run_id else None
        run_state = state.name if state else None
    except OrchestratorUnavailable:
        run_state = "unknown: Prefect is unreachable"
    data = {
        "id": detail.id,
        "status": detail.status,
        "pending_gate": pending[-1]["key"] if pending else None,
        "flow_run_id": detail.flow_run_id,
        "flow_run_state": run_state,
        "failure": latest_failure(ref),
    }
    if json_:
        print_json(data)
        return
    console().print(
        f"{detail.id} {escape(detail.title)}\n  status: {detail.status}\n"
        f"  waiting at: {data['pending_gate'] or '—'}\n"
        f"  flow run: {detail.flow_run_id or '—'} ({data['flow_run_state'] or 'not started'})"
        + (f"\n  failed: {escape(data['failure'])}" if data["failure"] else "")
    )


def register_commands(app: typer.Typer) -> None:
    add_commands(
        app,
        {
            "start": start,
            "gates": gates,
            "approve": approve,
            "reject": reject,
            "rework": rework,
            "resubmit": resubmit,
            "complete": complete,
            "signoff": signoff,
            "extend": extend,
            "status": status,
            "reconcile": reconcile,
        },
    )
