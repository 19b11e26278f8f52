"""``improve connections``: ITSM tools whose incidents and changes the register reads itself."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ci_workflow.cli._common import add_commands, cli_actor, console, escape, new_table, print_json
from ci_workflow.errors import ImproveError

app = typer.Typer(
    help="Connections to ITSM tools (ServiceNow, GLPI): incidents and changes synced from them.",
    no_args_is_help=True,
)

NAME = typer.Argument(..., help="The connection's name (lower-case letters, digits, - and _).")
AS = typer.Option(
    None,
    "--as",
    help="Who acts: a CI manager. Default: this machine's user, as the register's administrator.",
)


def add(
    name: str = NAME,
    kind: str = typer.Option(..., "--kind", help="The tool: servicenow or glpi."),
    url: str = typer.Option(
        ..., "--url", help="The instance, e.g. https://acme.service-now.com, https://glpi.acme.org"
    ),
    user: str | None = typer.Option(None, "--user", help="The user it reads as."),
    secret_stdin: bool = typer.Option(
        False,
        "--secret-stdin",
        help="Read the user's password from standard input (one line); GLPI: the user token "
        "(or with --user the password), after 'app_token=APP_TOKEN ' when the API asks one.",
    ),
    mapping: Path | None = typer.Option(
        None,
        "--mapping",
        help="YAML mapping of the tool's fields, a table's name to its import mapping "
        "(default: the tool's own field names, examples/mappings/servicenow_connection.yaml, "
        "glpi_connection.yaml).",
    ),
    every: str | None = typer.Option(
        None, "--every", help="How often the scheduled sync reads it: 15m, 2h, 1d."
    ),
    as_: str | None = AS,
) -> None:
    """Register a connection once; its secret is kept in the register and never shown."""
    from ci_workflow.services.intake.connections import add_connection

    secret = sys.stdin.readline().rstrip("\n") if secret_stdin else None
    added = add_connection(
        name,
        kind=kind,
        url=url,
        user=user,
        secret=secret,
        mapping=mapping,
        every=every,
        actor=cli_actor(as_),
    )
    tables = ", ".join(t.table for t in added.tables)
    console().print(
        f"connection {escape(added.name)} added ({escape(added.kind)} at {escape(added.url)}; "
        f"reads {escape(tables)}): try it with improve connections test {escape(added.name)}"
    )


def remove(name: str = NAME, as_: str | None = AS) -> None:
    """Forget a connection and where its syncs stand; the records it brought stay."""
    from ci_workflow.services.intake.connections import remove_connection

    remove_connection(name, actor=cli_actor(as_))
    console().print(f"connection {escape(name)} removed")


def list_(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every connection: its tool, URL, user, and each table's last sync (secrets masked)."""
    from ci_workflow.services.intake.connections import list_connections

    found = list_connections()
    if json_:
        print_json([c.model_dump(mode="json") for c in found])
        return
    if not found:
        console().print("no connections yet: improve connections add NAME --kind servicenow ...")
        return
    table = new_table("Name", "Table", "Cursor", "Last sync", "Rows", "Error", wrap=("Error",))
    for connection in found:
        for sync in connection.tables:
            when = f"{sync.synced_at:%Y-%m-%d %H:%M} UTC" if sync.synced_at else "never"
            rows = f"{sync.imported} new, {sync.updated} updated, {sync.left_out} left out"
            table.add_row(
                escape(connection.name),
                sync.table,
                escape(sync.cursor or "-"),
                when,
                rows + (" (more to read)" if sync.more else ""),
                escape(sync.error or ""),
            )
    console().print(table)


def test(name: str = NAME, as_: str | None = AS) -> None:
    """Reach each table as the connection's user and check the mapped fields; writes nothing."""
    from ci_workflow.services.intake.connection_sync import check_connection

    lines = check_connection(name, actor=cli_actor(as_))
    for table, ok, said in lines:
        mark = "ok" if ok else "FAILED"
        console().print(f"{table}: {mark}: {escape(said)}")
    if not all(ok for _, ok, _ in lines):
        raise typer.Exit(1)


def sync(
    name: str = NAME,
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
    as_: str | None = AS,
) -> None:
    """Read what changed since the last sync and upsert it; all tables or nothing."""
    from ci_workflow.services.intake.connection_sync import sync_connection

    try:
        result = sync_connection(name, actor=cli_actor(as_))
    except ImproveError as error:
        if not json_:
            raise
        print_json({"error": str(error)})
        raise typer.Exit(error.exit_code) from None
    if json_:
        print_json(result)
        return
    for done in result.tables:
        more = "; more to read: sync again" if done.more else ""
        console().print(
            f"{done.table}: {done.read} read, {done.imported} {done.records} new, "
            f"{done.updated} updated{more}"
        )
        for line in done.left_out:
            console().print(f"  left out: {escape(line)}")


add_commands(app, {"add": add, "remove": remove, "list": list_, "test": test, "sync": sync})
