"""``improve doctor``: checks the register, Prefect, e-mail, the workspace's address and the
sources, one line each, with what to do about a failure."""

from __future__ import annotations

from dataclasses import asdict

import typer

from ci_workflow.cli._common import add_commands, console, escape, print_json

COLOURS = {"OK": "green", "WARN": "yellow", "FAIL": "red"}


def doctor(
    as_json: bool = typer.Option(False, "--json", help="The checks as a list of JSON objects."),
) -> None:
    """Check this installation: the register (reachable, schema at head, IMPROVE_HOME's files
    owner-only), Prefect (API, deployments, a process polling), SMTP (connect and log in, no mail
    sent), the workspace's address (IMPROVE_WEB_URL) and each source's latest captures. One line
    each: OK, WARN or FAIL, and what to do. Exit 1 when a check fails, 0 otherwise."""
    from ci_workflow.domain.health import exit_code
    from ci_workflow.orchestration.health import prefect_checks
    from ci_workflow.services.register.doctor import diagnose

    checks = diagnose(prefect=prefect_checks)
    if as_json:
        print_json([asdict(c) for c in checks])
    else:
        for check in checks:
            line = escape(check.line())
            colour = COLOURS[check.status]
            console().print(
                f"[{colour}]{check.status}[/{colour}]{line[len(check.status) :]}", emoji=False
            )
    raise typer.Exit(exit_code(checks))


def register_commands(app: typer.Typer) -> None:
    add_commands(app, {"doctor": doctor})
