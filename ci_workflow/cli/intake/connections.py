"""``improve connections``: ITSM tools whose incidents and changes the register reads itself."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ci_workflow.cli._common import add_commands, cli_actor, console, escape, new_table, print_json
from ci_workflow.errors import ImproveError

app = typer.Typer(
    help="Connections to ITSM tools (ServiceNow, Jira Service Management, GLPI): incidents, "
    "changes and problems (and ServiceNow's SLAs) synced from them.",
    no_args_is_help=True,
)

NAME = typer.Argument(..., help="The connection's name (lower-case letters, digits, - and _).")
AS = typer.Option(
    None,
    "--as",
    help="Who acts: a CI manager. Default: this machine's user, as the register's administrator.",
)


AUTH = typer.Option(
    "basic",
    "--auth",
    help="basic: --user and its password; oauth: --user is an OAuth client id, the secret its "
    "client secret (client credentials).",
)


def add(
    name: str = NAME,
    kind: str = typer.Option(
        ..., "--kind", help="The tool: servicenow, jira (Cloud or Data Center) or glpi."
    ),
    url: str = typer.Option(
        ...,
        "--url",
        help="The instance, e.g. https://acme.service-now.com, https://acme.atlassian.net, "
        "https://glpi.acme.org",
    ),
    user: str | None = typer.Option(
        None,
        "--user",
        help="The user it reads as (Jira Cloud: the account's e-mail; Jira Data Center: none, "
        "with a personal access token as the secret).",
    ),
    secret_stdin: bool = typer.Option(
        False,
        "--secret-stdin",
        help="Read the secret (a password, API token or access token) from standard input; GLPI: "
        "the user token (or with --user the password), after 'app_token=APP_TOKEN ' when the API "
        "asks one.",
    ),
    mapping: Path | None = typer.Option(
        None,
        "--mapping",
        help="YAML mapping of the tool's fields, a table's name to its import mapping "
        "(default: the tool's own field names of ServiceNow's incident, change_request, problem "
        "and task_sla, Jira's incident, change and problem, GLPI's Ticket, Change and Problem: "
        "examples/mappings/servicenow_connection.yaml, jira_connection.yaml, "
        "glpi_connection.yaml).",
    ),
    every: str | None = typer.Option(
        None, "--every", help="How often the scheduled sync reads it: 15m, 2h, 1d."
    ),
    auth: str = AUTH,
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
        auth=auth,
        actor=cli_actor(as_),
    )
    tables = ", ".join(t.table for t in added.tables)
    console().print(
        f"connection {escape(added.name)} added ({escape(added.kind)} at {escape(added.url)}; "
        f"reads {escape(tables)}): try it with improve connections test {escape(added.name)}"
    )


def set_(
    name: str = NAME,
    url: str | None = typer.Option(None, "--url", help="Another URL: every table read anew."),
    user: str | None = typer.Option(None, "--user", help="Another user it reads as."),
    secret_stdin: bool = typer.Option(
        False, "--secret-stdin", help="Read a new password from standard input (one line)."
    ),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="Another mapping (YAML): a table it changes is read anew."
    ),
    every: str | None = typer.Option(
        None, "--every", help="How often the scheduled sync reads it: 15m, 2h, 1d, or off."
    ),
    auth: str | None = typer.Option(
        None, "--auth", help="basic or oauth (--user is then the OAuth client id)."
    ),
    as_: str | None = AS,
) -> None:
    """Change a connection in place; where its syncs stand is kept where the change allows."""
    from ci_workflow.services.intake.connection_changes import ConnectionChange, change_connection
    from ci_workflow.services.intake.connections import read_mapping

    change = ConnectionChange(
        url=url,
        user=user,
        secret=sys.stdin.readline().rstrip("\n") if secret_stdin else None,
        mapping=read_mapping(mapping) if mapping else None,
        every=every,
        auth=auth,
    )
    _, said = change_connection(name, change, actor=cli_actor(as_), mapping_source=str(mapping))
    console().print(f"connection {escape(name)} changed: {escape('; '.join(said))}")


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
        for index, sync in enumerate(connection.tables):
            # A sync that failed as a whole: its error once, on the connection's first row.
            repeated = index > 0 and sync.error is not None and sync.error == connection.error
            when = f"{sync.synced_at:%Y-%m-%d %H:%M} UTC" if sync.synced_at else "never"
            rows = f"{sync.imported} new, {sync.updated} updated, {sync.left_out} left out"
            rows += f", {sync.deleted} deleted in the tool" if sync.deleted else ""
            table.add_row(
                escape(connection.name),
                sync.table,
                escape(sync.cursor or "-"),
                when,
                rows + (" (more to read)" if sync.more else ""),
                "(as above)" if repeated else escape(sync.error or ""),
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
        gone = f", {done.deleted} deleted in the tool" if done.deleted else ""
        console().print(
            f"{done.table}: {done.read} read, {done.imported} {done.records} new, "
            f"{done.updated} updated{gone}{more}"
        )
        for line in done.left_out:
            console().print(f"  left out: {escape(line)}")


add_commands(
    app, {"add": add, "set": set_, "remove": remove, "list": list_, "test": test, "sync": sync}
)
