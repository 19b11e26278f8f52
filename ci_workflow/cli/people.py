"""``improve people``: who is in the register and which roles they hold."""

from __future__ import annotations

import typer

from ci_workflow.cli._common import console, escape, handle_errors, new_table, print_json
from ci_workflow.services import people as service

app = typer.Typer(help="People and their roles.", no_args_is_help=True)


@app.command("add")
@handle_errors
def add(
    name: str = typer.Argument(..., help="Full name, unique in the register."),
    email: str = typer.Option(..., "--email", help="E-mail address for notifications."),
    role: list[str] = typer.Option(
        [],
        "--role",
        help="ROLE or ROLE:SCOPE; repeat for more. Roles: ci_manager, process_owner:PROCESS, "
        "service_owner:SERVICE, improvement_team, data_analyst.",
    ),
) -> None:
    """Register a person with their roles."""
    registered, grants = service.add_person(name, email=email, roles=role)
    roles = ", ".join(str(g) for g in grants) or "no roles"
    console().print(f"added {escape(registered)} ({escape(roles)})")


@app.command("list")
@handle_errors
def list_(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List everyone with their roles."""
    rows = service.people()
    if json_:
        print_json(rows)
        return
    table = new_table("Name", "E-mail", "Roles", wrap=("Roles",))
    for person in rows:
        table.add_row(escape(person.name), escape(person.email), escape(", ".join(person.roles)))
    console().print(table)
