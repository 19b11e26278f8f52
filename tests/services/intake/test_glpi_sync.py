"""Syncing incidents and changes from GLPI (a real HTTP server on loopback that serves the REST
API as documented): the session, paging by search, the incremental cursor with GLPI's strict
``morethan``, hand-overs from the history, and what a failure leaves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ci_workflow.cli.app import app
from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.clock import history_at
from ci_workflow.errors import ImproveError
from ci_workflow.services.intake.connection_sync import Limits, sync_connection
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import ChangeRecord, Incident
from tests.helpers import Cli
from tests.services.intake.glpi_server import Instance, Row, glpi
from tests.services.intake.test_servicenow_sync import Sleeps, imported_at

ADMIN = operating_system("tester")
START = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
GROUPS = ["Service Desk", "Network", "R&D"]
USER_TOKEN, APP_TOKEN = "u7kq2WZr9bXy", "f7g3csp8mgatg5ebc5el"
TICKETS, CHANGES = 23, 7


def stamp(at: datetime | None) -> str | None:
    return f"{at:%Y-%m-%d %H:%M:%S}" if at else None


def is_request(n: int) -> bool:
    return n % 6 == 5  # a ticket of type 2: not an incident, never read


def ticket(n: int, updated: datetime, priority: int = 3) -> Row:
    opened = START + timedelta(hours=n)
    resolved = opened + timedelta(hours=1 + n % 5) if n % 4 else None
    group: str | list[str] = GROUPS[n % 3].replace("&", "&amp;")  # GLPI keeps text escaped
    if n == 7:
        group = ["Network", "Service Desk"]
    return {
        "1": f"Ticket {n}",
        "2": 100 + n,
        "3": priority,
        "7": "Hardware &gt; Printer" if n % 2 else "Software",
        "8": group,
        "12": 6 if resolved else 2,
        "14": 2 if is_request(n) else 1,
        "15": stamp(opened),
        "16": stamp(resolved + timedelta(days=1) if resolved else None),
        "17": stamp(resolved),
        "19": stamp(updated),
        "71": "Requesters",
        "80": "Root entity",
        "82": 1 if n % 3 == 0 else 0,
    }


def expected_incident(n: int, priority: int = 3, reassigned: int | None = None) -> dict[str, Any]:
    opened = START + timedelta(hours=n)
    resolved = opened + timedelta(hours=1 + n % 5) if n % 4 else None
    return {
        "number": str(100 + n),
        "opened_at": opened,
        "resolved_at": resolved,
        "closed_at": resolved + timedelta(days=1) if resolved else None,
        "category": "Hardware > Printer" if n % 2 else "Software",
        "priority": str(priority),
        "assignment_group": "Network, Service Desk" if n == 7 else GROUPS[n % 3],
        "sla_met": n % 3 != 0,
        "reassignment_count": reassigned,
    }


def incidents_expected(**changed: int) -> dict[str, dict[str, Any]]:
    return {
        str(100 + n): expected_incident(n, changed.get(f"t{n}", 3))
        for n in range(TICKETS)
        if not is_request(n)
    }


INCIDENTS = sum(1 for n in range(TICKETS) if not is_request(n))
STATES = [6, 14, 4, 5]  # closed, canceled, pending, applied


def change(n: int, updated: datetime) -> Row:
    state = STATES[n % 4]
    return {
        "1": f"Change {n}",
        "2": 500 + n,
        "12": state,
        "15": stamp(START),
        "16": stamp(START + timedelta(days=n)) if state in (6, 14) else None,
        "19": stamp(updated),
        "80": "Root entity",
    }


def expected_outcome(n: int) -> str:
    return {6: "closed", 5: "closed", 14: "failed", 4: "open"}[STATES[n % 4]]


@pytest.fixture
def instance(store: str) -> Iterator[Instance]:
    with glpi() as served:
        served.user_tokens[USER_TOKEN] = "glpi-sync"
        served.app_token = APP_TOKEN
        served.items["Ticket"] = [ticket(n, START + timedelta(minutes=n)) for n in range(TICKETS)]
        served.items["Change"] = [change(n, START + timedelta(minutes=n)) for n in range(CHANGES)]
        served.items["Problem"] = []
        yield served


def add(cli: Cli, instance: Instance, *extra: str, secret: str = "") -> str:
    args = ["connections", "add", "acme", "--kind", "glpi", "--url", instance.url]
    args += ["--secret-stdin", *extra]
    secret = secret or f"app_token={APP_TOKEN} {USER_TOKEN}"
    result = cli.runner.invoke(app, args, input=f"{secret}\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def stored_incidents() -> dict[str, dict[str, Any]]:
    columns = [c for c in expected_incident(0) if c != "number"]
    with transaction(write=False) as session:
        rows = session.execute(select(Incident)).scalars().all()
    return {i.number: {"number": i.number, **{c: getattr(i, c) for c in columns}} for i in rows}


def sync(sleeps: Sleeps | None = None) -> Any:
    limits = Limits(page_size=5, sleep=sleeps if sleeps is not None else Sleeps())
    return sync_connection("acme", actor=ADMIN, limits=limits)


def searches(instance: Instance, itemtype: str = "Ticket") -> list[dict[str, Any]]:
    return [r for r in instance.requests if r["path"] == f"/search/{itemtype}"]


def test_a_first_sync_reads_every_incident_page_in_one_session(
    cli: Cli, instance: Instance
) -> None:
    out = add(cli, instance)
    assert USER_TOKEN not in out and APP_TOKEN not in out
    result = sync()
    done = {t.table: (t.read, t.imported, t.updated) for t in result.tables}
    assert done == {
        "Ticket": (INCIDENTS, INCIDENTS, 0),
        "Change": (CHANGES, CHANGES, 0),
        "Problem": (0, 0, 0),
    }
    assert stored_incidents() == incidents_expected()
    with transaction(write=False) as session:
        changes = {c.number: c for c in session.execute(select(ChangeRecord)).scalars()}
    assert {n: c.outcome for n, c in changes.items()} == {
        str(500 + n): expected_outcome(n) for n in range(CHANGES)
    }
    assert (instance.opened, instance.killed, instance.sessions) == (1, 1, set())
    pages = searches(instance)
    # 20 incidents, 5 a page: each page after the first starts at the time the last one ended,
    # so it reads that one again (and leaves it out): 5 + 4 + 4 + 4 + 3.
    assert len(pages) == 5
    assert sum(1 for p in pages if p.get("criteria[1][value]")) == len(pages) - 1
    assert {p["range"] for p in pages} == {"0-4"}
    assert {(p["sort"], p["order"]) for p in pages} == {("19", "ASC")}
    first = pages[0]
    assert (first["criteria[0][field]"], first["criteria[0][value]"]) == ("14", "1")
    assert "criteria[1][field]" not in first
    incidents = [n for n in range(TICKETS) if not is_request(n)]
    fifth = START + timedelta(minutes=incidents[4])
    assert (pages[1]["criteria[1][searchtype]"], pages[1]["criteria[1][value]"]) == (
        "morethan",
        stamp(fifth - timedelta(seconds=1)),  # GLPI's morethan is strict
    )
    shown = {v for k, v in first.items() if k.startswith("forcedisplay[")}
    assert shown == {"2", "3", "7", "8", "15", "16", "17", "19", "82"}
    assert [r["path"] for r in instance.requests].count("/listSearchOptions/Ticket") == 1


def test_a_resync_touches_only_the_tickets_that_changed(cli: Cli, instance: Instance) -> None:
    add(cli, instance)
    with history_at(datetime.now(UTC) - timedelta(hours=1)):
        sync()
    before = imported_at()
    with history_at(datetime.now(UTC) - timedelta(minutes=40)):
        again = sync()
    assert [(t.read, t.imported, t.updated) for t in again.tables] == [(0, 0, 0)] * 3
    later = START + timedelta(days=1)
    for n in (3, 10, 16):
        instance.items["Ticket"][n] = ticket(n, later + timedelta(seconds=n), priority=5)
    instance.items["Ticket"][5] = ticket(5, later, priority=5)  # a request: still not read
    with history_at(datetime.now(UTC) - timedelta(minutes=20)):
        third = sync()
    assert (third.tables[0].read, third.tables[0].imported, third.tables[0].updated) == (3, 0, 3)
    assert stored_incidents() == incidents_expected(t3=5, t10=5, t16=5)
    after = imported_at()
    assert {n for n in after if after[n] != before[n]} == {"103", "110", "116"}


def test_tickets_updated_in_the_same_second_as_the_cursor_are_not_lost(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance)
    sync()
    # Two tickets updated at the very second the cursor stands at: one read before, one new.
    cursor = START + timedelta(minutes=TICKETS - 1)
    instance.items["Ticket"][4] = ticket(4, cursor, priority=1)
    assert sync().tables[0].read == 1
    assert stored_incidents()["104"]["priority"] == "1"


def test_a_ticket_updated_between_two_pages_is_neither_lost_nor_read_stale(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance)

    def update_a_ticket_of_the_first_page() -> None:
        instance.items["Ticket"][2] = ticket(2, START + timedelta(days=2), priority=1)

    instance.after_page[1] = update_a_ticket_of_the_first_page
    incidents = sync().tables[0]
    assert (incidents.read, incidents.imported) == (INCIDENTS + 1, INCIDENTS)
    assert stored_incidents() == incidents_expected(t2=1)


def test_times_in_the_accounts_time_zone_are_read_and_asked_in_utc(
    cli: Cli, instance: Instance
) -> None:
    instance.timezone = "Europe/Paris"  # two hours east of UTC in October 2026
    add(cli, instance)
    sync()
    assert stored_incidents() == incidents_expected()
    fifth = START + timedelta(minutes=[n for n in range(TICKETS) if not is_request(n)][4])
    assert searches(instance)[1]["criteria[1][value]"] == stamp(
        fifth + timedelta(hours=2, seconds=-1)
    )
    instance.items["Ticket"][4] = ticket(4, START + timedelta(minutes=TICKETS - 1), priority=1)
    again = sync()
    assert (again.tables[0].read, again.tables[0].updated) == (1, 1)
    assert stored_incidents() == incidents_expected(t4=1)
    shown = cli.json("connections", "list")[0]["tables"][0]["cursor"]
    assert shown == stamp(START + timedelta(minutes=TICKETS - 1))  # kept in UTC


def test_a_time_zone_this_machine_does_not_know_is_refused(cli: Cli, instance: Instance) -> None:
    instance.timezone = "Mars/Olympus_Mons"
    add(cli, instance)
    said = cli.fails("connections", "sync", "acme")[-1]
    assert "GLPI's session is in the time zone 'Mars/Olympus_Mons', which this machine" in said
    assert stored_incidents() == {} and instance.sessions == set()


def test_throttling_and_a_page_failing_once_are_waited_out(cli: Cli, instance: Instance) -> None:
    add(cli, instance)
    busy = {"Retry-After": "2", "Content-Type": "application/json"}
    instance.queued += [(429, busy, b'["ERROR", "Too many requests"]'), (502, {}, b"")]
    sleeps = Sleeps()
    result = sync(sleeps)
    assert sleeps == [2.0, 0.5]  # as Retry-After said, then the first backoff
    assert result.tables[0].imported == INCIDENTS
    assert stored_incidents() == incidents_expected()


def test_a_session_expiring_mid_sync_is_opened_again(cli: Cli, instance: Instance) -> None:
    add(cli, instance)
    instance.after_page[2] = instance.expire_sessions
    result = sync()
    assert result.tables[0].imported == INCIDENTS
    assert stored_incidents() == incidents_expected()
    assert (instance.opened, instance.killed) == (2, 1)


def test_a_session_ended_again_at_once_is_one_clear_error(cli: Cli, instance: Instance) -> None:
    add(cli, instance)
    instance.sessions_die = True
    with pytest.raises(ImproveError) as failed:
        sync()
    assert str(failed.value) == "listSearchOptions/Ticket: GLPI ended the session again (HTTP 401)"
    assert instance.opened == 2  # opened again once, not more
    assert stored_incidents() == {}


def test_wrong_credentials_are_one_clear_error_and_nothing_is_written(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance, secret=f"app_token={APP_TOKEN} not-the-token")
    said = cli.fails("connections", "sync", "acme")[-1]
    assert "GLPI refused the credentials (HTTP 401: ERROR_GLPI_LOGIN_USER_TOKEN" in said
    assert "not-the-token" not in said
    assert stored_incidents() == {}
    tested = cli.run("connections", "test", "acme")
    assert tested.exit_code == 1 and "Ticket: FAILED: GLPI refused the credentials" in tested.stdout
    listed = cli.json("connections", "list")[0]
    assert "GLPI refused the credentials" in listed["tables"][0]["error"]
    assert listed["secret"] == "***"


def test_a_missing_app_token_is_said(cli: Cli, instance: Instance) -> None:
    add(cli, instance, secret=USER_TOKEN)
    said = cli.fails("connections", "sync", "acme")[-1]
    assert "initSession: HTTP 400: ERROR_APP_TOKEN_PARAMETERS_MISSING" in said


def test_a_page_failing_four_times_writes_nothing_and_the_next_sync_resumes(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance)
    sync()
    before = stored_incidents()
    later = START + timedelta(days=1)
    for n in range(10):
        instance.items["Ticket"][n] = ticket(n, later + timedelta(seconds=n), priority=2)

    def fail_the_rest() -> None:
        instance.queued += [(503, {}, b"down")] * 4

    instance.after_page[instance.pages_served + 1] = fail_the_rest
    with pytest.raises(ImproveError, match=r"Ticket \(from 0\): HTTP 503 after 4 tries"):
        sync()
    assert stored_incidents() == before  # not even the first page's five
    assert instance.sessions == set()  # ended all the same
    resumed = sync()
    changed = [n for n in range(10) if not is_request(n)]
    assert (resumed.tables[0].read, resumed.tables[0].updated) == (len(changed), len(changed))
    assert stored_incidents() == incidents_expected(**{f"t{n}": 2 for n in changed})


def test_changes_failing_after_every_ticket_was_read_write_no_ticket_either(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance)

    def fail_what_comes_next() -> None:
        instance.queued += [(503, {}, b"down")] * 4

    instance.after_page[5] = fail_what_comes_next  # the last page of tickets
    with pytest.raises(ImproveError, match=r"listSearchOptions/Change: HTTP 503 after 4 tries"):
        sync()
    assert stored_incidents() == {}
    listed = {t["table"]: t for t in cli.json("connections", "list")[0]["tables"]}
    assert listed["Ticket"]["cursor"] is None and listed["Change"]["cursor"] is None
    assert "HTTP 503 after 4 tries" in listed["Ticket"]["error"]
    assert instance.sessions == set()


def history(groups: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """A ticket's history: its creation, then each (search option, group) linked."""
    lines: list[dict[str, Any]] = [
        {"linked_action": 20, "itemtype_link": "", "id_search_option": 0}
    ]
    for option, group in groups:
        lines.append(
            {
                "linked_action": 15,
                "itemtype_link": "Group",
                "id_search_option": option,
                "new_value": f"{group} (3)",
            }
        )
        lines.append({"linked_action": 0, "itemtype_link": "", "id_search_option": 12})
    return lines


def test_hand_overs_are_counted_from_the_history_only_when_mapped(
    cli: Cli, instance: Instance, tmp_path: Path
) -> None:
    from ci_workflow.services.intake.itsm.glpi import MAPPING

    # Ticket n: n % 4 technician groups in turn, and a requester group (71) that is no hand-over.
    for n in range(TICKETS):
        turns = [(8, GROUPS[k % 3]) for k in range(n % 4)] + [(71, "Requesters")]
        instance.history[("Ticket", 100 + n)] = history(turns)
    sync_without = tmp_path / "default.yaml"
    sync_without.write_text(MAPPING)
    mapping = tmp_path / "glpi.yaml"
    mapping.write_text(
        MAPPING.replace("    # reassignment_count:", "    reassignment_count:")
        .replace('category: "7"', "category: Category", 1)  # a name, resolved once
        .replace('priority: "3"', "priority: Ticket.priority", 1)  # a uid
    )
    add(cli, instance, "--mapping", str(mapping))
    sync()
    expected = {
        str(100 + n): expected_incident(n, reassigned=max(n % 4 - 1, 0))
        for n in range(TICKETS)
        if not is_request(n)
    }
    assert stored_incidents() == expected
    logs = [r["path"] for r in instance.requests if r["path"].endswith("/Log")]
    # One history a ticket read, none for a page's first ticket read again at its boundary.
    assert sorted(logs) == sorted(
        f"/Ticket/{100 + n}/Log" for n in range(TICKETS) if not is_request(n)
    )
    assert [r["path"] for r in instance.requests].count("/listSearchOptions/Ticket") == 1


def test_user_and_password_log_in_with_basic_authentication(cli: Cli, instance: Instance) -> None:
    instance.app_token = None
    add(cli, instance, "--user", "glpi-sync", secret="s3cret-Pa55")
    assert sync().tables[0].imported == INCIDENTS
    assert cli.run("connections", "test", "acme").stdout.splitlines() == [
        f"Ticket: ok: reachable, {INCIDENTS} records, its fields all there",
        f"Change: ok: reachable, {CHANGES} records, its fields all there",
        "Problem: ok: reachable, 0 records, no record to check fields on",
    ]


def test_a_secret_is_needed_and_its_app_token_part_must_be_whole(
    cli: Cli, instance: Instance
) -> None:
    base = ["connections", "add", "acme", "--kind", "glpi", "--url", instance.url]
    assert "GLPI connection reads its user token" in cli.fails(*base, code=2)[-1]
    result = cli.runner.invoke(app, [*base, "--secret-stdin"], input=f"app_token={APP_TOKEN}\n")
    assert result.exit_code == 2 and "'app_token=APP_TOKEN CREDENTIAL'" in result.stderr
    assert APP_TOKEN not in result.output
    assert cli.json("connections", "list") == []


def test_a_mapped_name_glpi_does_not_know_is_named(
    cli: Cli, instance: Instance, tmp_path: Path
) -> None:
    from ci_workflow.services.intake.itsm.glpi import MAPPING

    mapping = tmp_path / "glpi.yaml"
    mapping.write_text(MAPPING.replace('category: "7"', "category: Urgency level", 1))
    add(cli, instance, "--mapping", str(mapping))
    said = cli.fails("connections", "sync", "acme")[-1]
    assert "Ticket: 'Urgency level' is no search option of Ticket" in said
    assert stored_incidents() == {}


def test_the_default_mapping_is_the_example_shipped() -> None:
    from ci_workflow.services.intake.connections import table_mappings
    from ci_workflow.services.intake.itsm.glpi import MAPPING

    example = Path(__file__).resolve().parents[3] / "examples/mappings/glpi_connection.yaml"
    assert example.read_text(encoding="utf-8") == MAPPING
    assert set(table_mappings(MAPPING, str(example), "glpi")) == {"Ticket", "Change", "Problem"}
