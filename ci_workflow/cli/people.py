"""``improve people``: who is in the register, their roles, their sign-in to the workspace.

On the register's machine (no ``--as``) these commands are its administrator's; with ``--as``
they act for that person, who must be a CI manager.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from ci_workflow.cli._common import add_commands, cli_actor, console, escape, new_table, print_json
from ci_workflow.errors import UsageError

if TYPE_CHECKING:
    from types import ModuleType

app = typer.Typer(help="People, their roles and their sign-in.", no_args_is_help=True)


def _people() -> ModuleType:
    # Imported on use: `improve list` must not pay for e-mail and password hashing at start-up.
    from ci_workflow.services.people import directory

    return directory


PERSON = typer.Argument(..., help="Name or e-mail.")
AS = typer.Option(
    None, "--as", help="Act for this person (a CI manager); default: this machine's user."
)
ROLES_HELP = (
    "ROLE or ROLE:SCOPE; repeat for more. Roles: ci_manager, process_owner:PROCESS, "
    "service_owner:SERVICE, improvement_team, data_analyst, finance[:PROGRAMME]."
)


def add(
    name: str = typer.Argument(..., help="Full name, unique in the register."),
    email: str = typer.Option(..., "--email", help="E-mail address for notifications."),
    role: list[str] = typer.Option([], "--role", help=ROLES_HELP),
    as_: str | None = AS,
) -> None:
    """Register a person with their roles."""
    registered, grants = _people().add_person(name, email=email, roles=role, actor=cli_actor(as_))
    roles = ", ".join(str(g) for g in grants) or "no roles"
    console().print(f"added {escape(registered)} ({escape(roles)})")


def list_(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List everyone with their roles."""
    rows = _people().people()
    if json_:
        print_json(rows)
        return
    table = new_table("Name", "E-mail", "Roles", "State", "Notify", wrap=("Roles",))
    for person in rows:
        table.add_row(
            escape(person.name),
            escape(person.email),
            escape(", ".join(person.roles)),
            "active" if person.active else "deactivated",
            person.notify,
        )
    console().print(table)


def edit(
    person: str = PERSON,
    name: str | None = typer.Option(None, "--name", help="A new name."),
    email: str | None = typer.Option(None, "--email", help="A new e-mail address."),
    role: list[str] | None = typer.Option(
        None, "--role", help="Replaces every role. " + ROLES_HELP
    ),
    no_roles: bool = typer.Option(False, "--no-roles", help="Take every role away."),
    as_: str | None = AS,
) -> None:
    """Change a person's name, e-mail or roles."""
    if no_roles and role:
        raise UsageError("--no-roles and --role contradict each other")
    roles = [] if no_roles else (role or None)
    changed = _people().edit_person(
        person, actor=cli_actor(as_), name=name, email=email, roles=roles
    )
    shown = ", ".join(changed.roles) or "no roles"
    console().print(f"{escape(changed.name)} <{escape(changed.email)}>: {escape(shown)}")


def deactivate(person: str = PERSON, as_: str | None = AS) -> None:
    """Deactivate a person: no more sign-in or decisions; history keeps their name."""
    console().print(f"{escape(_people().deactivate(person, actor=cli_actor(as_)))} deactivated")


def invite(person: str = PERSON, as_: str | None = AS) -> None:
    """E-mail a person a one-time link to set their workspace password.

    Password rules: at least 10 characters; at most 256 characters; not your e-mail address or
    your name; not one character repeated (like aaaaaaaaaa)."""
    console().print(f"invitation sent to {escape(_people().invite(person, actor=cli_actor(as_)))}")


def passwd(
    person: str = PERSON,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (one line)."
    ),
    as_: str | None = AS,
) -> None:
    """Set a person's workspace password (asked twice, never shown).

    Password rules: at least 10 characters; at most 256 characters; not your e-mail address or
    your name; not one character repeated (like aaaaaaaaaa). A password that breaks one is
    refused (exit code 1) with every rule it breaks."""
    from ci_workflow.services.people.identity import set_password

    actor = cli_actor(as_)
    if actor.person is not None and actor.person.email != _people().person_view_of(person).email:
        _people().require_manager(actor)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        import getpass

        password = getpass.getpass("New password: ")
        if getpass.getpass("The same again: ") != password:
            raise UsageError("the two passwords differ")
    name = set_password(
        person, password, actor=actor.name, channel=actor.channel, principal=actor.principal
    )
    console().print(f"password set for {escape(name)}")


add_commands(
    app,
    {
        "add": add,
        "list": list_,
        "edit": edit,
        "deactivate": deactivate,
        "invite": invite,
        "passwd": passwd,
    },
)
