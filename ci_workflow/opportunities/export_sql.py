"""The SQL (DuckDB) that turns an export's rows into incident records, as the mapping says.

Three tables, each built from the one before:
- ``events``: every row of the file, its mapped values cleaned (trimmed, the missing marker made
  NULL) and typed, and ``problem``: why the row cannot be used (NULL when it can);
- ``built``: one row per incident, from its latest event or derived from all of them;
- ``checked``: ``built`` with the incident-level ``problem`` (resolved before opened...).

Rejection is whole: an incident with one unusable event is left out rather than derived from part
of its history.
"""

from __future__ import annotations

from collections.abc import Mapping

from ci_workflow.domain.records.incident_mapping import IncidentMapping
from ci_workflow.opportunities.export_file import CsvLayout

TIMES = ("opened", "resolved", "closed")
COUNTS = ("reopen_count", "reassignment_count", "ping_pong_count")
TEXTS = ("category", "service", "priority", "assignment_group", "problem_id", "change_id")
# The incidents table's columns, in the order the records are read.
OUTPUT = (
    "number",
    "opened_at",
    "resolved_at",
    "closed_at",
    *TEXTS[:4],
    "sla_met",
    *COUNTS,
    *TEXTS[4:],
)


def name(identifier: str) -> str:
    """A quoted SQL identifier: a column name from an export can hold anything."""
    return '"' + identifier.replace('"', '""') + '"'


def text(value: str) -> str:
    """A quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def any_of(values: list[str]) -> str:
    return "(" + ", ".join(text(v) for v in values) + ")"


def numbered_rows(
    source: str, header: list[str], mapping: CsvLayout, limit: int | None
) -> tuple[dict[str, str], str]:
    """A query of every row of the file (or its first ``limit``), numbered by its line (the
    header is line 1), with each mapped column once, trimmed, the missing marker made NULL; and
    each column's alias in it."""
    columns = "{" + ", ".join(f"{text(h)}: 'VARCHAR'" for h in header) + "}"
    aliases = {column: f"t{n}" for n, column in enumerate(sorted(mapping.required_columns()))}
    cleaned = ", ".join(
        f"nullif(nullif(trim({name(column)}), ''), {text(mapping.missing)}) AS {alias}"
        for column, alias in aliases.items()
    )
    cap = f" LIMIT {int(limit)}" if limit else ""
    return aliases, (
        f"SELECT row_number() OVER () + 1 AS line, {cleaned} "
        f"FROM read_csv({text(source)}, header = true, auto_detect = false, "
        f"delim = {text(mapping.delimiter)}, quote = '\"', escape = '\"', columns = {columns})"
        f"{cap}"
    )


def moment(expression: str, timestamp_format: str) -> str:
    """A time as the format reads it, as a UTC time without a zone (what the register keeps):
    a time with an offset (``%z``) is moved to UTC, one without is taken to be UTC already. The
    connection's zone is UTC (``incident_export.connect``), never the machine's. ``%z`` also
    reads ISO 8601's ``Z`` (UTC), as Python's does."""
    if "%z" in timestamp_format:
        expression = f"regexp_replace({expression}, 'Z$', '+00:00')"
    return f"timezone('UTC', try_strptime({expression}, {text(timestamp_format)})::TIMESTAMPTZ)"


def too_long(expression: str, column: str, bounds: Mapping[str, int], field: str) -> list[str]:
    """The CASE branch refusing a value longer than the register's column holds (none when the
    column has no bound): both stores then keep or refuse the same rows."""
    if field not in bounds:
        return []
    most = bounds[field]
    reason = f"{column}: longer than {most} characters, the most the register keeps"
    return [f"WHEN length({expression}) > {most} THEN {text(reason)}"]


def load_events(
    source: str,
    header: list[str],
    mapping: IncidentMapping,
    limit: int | None,
    bounds: Mapping[str, int],
) -> str:
    """Every row of the file (or its first ``limit``), numbered by its line in the file (the
    header is line 1), its mapped values cleaned and typed, and why it cannot be used.
    ``bounds``: the most characters each text field of the register holds."""
    c = mapping.columns
    texts, rows = numbered_rows(source, header, mapping, limit)
    fmt = mapping.timestamp_format

    picks = ["line", f"{texts[c.id]} AS id"]
    problems = [
        f"WHEN {texts[c.id]} IS NULL THEN {text(f'{c.id}: the incident id is missing')}",
        *too_long(texts[c.id], c.id, bounds, "number"),
    ]
    timed = {f: getattr(c, f) for f in TIMES if getattr(c, f)}
    if mapping.event_log:
        log = mapping.event_log
        timed["event"] = log.event_time_column
        picks.append(f"{texts[log.status_column]} AS status")
        problems.append(
            f"WHEN {texts[log.event_time_column]} IS NULL "
            f"THEN {text(f'{log.event_time_column}: the event time is missing')}"
        )
    for field, column in timed.items():
        picks.append(f"{moment(texts[column], fmt)} AS {field}")
        problems.append(
            f"WHEN {texts[column]} IS NOT NULL AND {moment(texts[column], fmt)} IS NULL "
            f"THEN {text(f'{column}: not a time in {fmt!r}')}"
        )
    for field in COUNTS:
        if column := getattr(c, field):
            number = f"try_cast({texts[column]} AS BIGINT)"
            picks.append(f"{number} AS {field}")
            problems.append(
                f"WHEN {texts[column]} IS NOT NULL AND {number} IS NULL"
                f" THEN {text(f'{column}: not a whole number')}"
            )
    for field in (*TEXTS, "sla_met"):
        if column := getattr(c, field):
            picks.append(f"{texts[column]} AS {field}")
            problems += too_long(texts[column], column, bounds, field)
    picks.append("CASE " + " ".join(problems) + " END AS problem")
    # Two statements: the numbering reads the file in one thread; the typing then runs on all.
    return (
        f"CREATE TEMP TABLE raw AS {rows}; "
        f"CREATE TEMP TABLE events AS SELECT {', '.join(picks)} FROM raw; DROP TABLE raw"
    )


def build_incidents(mapping: IncidentMapping) -> str:
    """One row per usable incident: the latest event's fields, or what the events derive."""
    good = (
        "SELECT * FROM events WHERE problem IS NULL AND id NOT IN "
        "(SELECT id FROM events WHERE problem IS NOT NULL AND id IS NOT NULL)"
    )
    if mapping.event_log is None:  # one row per incident: a repeated id, the last row wins
        parts = [
            f"good AS ({good})",
            "latest AS (SELECT * FROM good QUALIFY row_number() "
            "OVER (PARTITION BY id ORDER BY line DESC) = 1)",
        ]
        joins = ""
    else:
        parts = [f"good AS ({good})", *_derivations(mapping)]
        joins = " JOIN derived USING (id) LEFT JOIN handovers USING (id)"
    fields = ", ".join(f"{expression} AS {field}" for field, expression in _fields(mapping))
    return (
        f"CREATE TEMP TABLE built AS WITH {', '.join(parts)} "
        f"SELECT latest.id AS number, {fields} FROM latest{joins}"
    )


def _derivations(mapping: IncidentMapping) -> list[str]:
    """Each incident's events in time order (file order on ties), walked once."""
    log = mapping.event_log
    assert log is not None
    resolved = f"coalesce(status IN {any_of(log.resolved_states)}, false)"
    opened = f"status IN {any_of(log.opened_states)}" if log.opened_states else "true"
    group = "assignment_group" if mapping.columns.assignment_group else "NULL::VARCHAR"
    in_order = "(PARTITION BY id ORDER BY event, line)"
    return [
        f"walked AS (SELECT *, {resolved} AS is_resolved, lag({resolved}) OVER o AS was_resolved, "
        f"{group} AS grp, lag({group} IGNORE NULLS) OVER o AS previous_group, "
        f"row_number() OVER o AS position, count(*) OVER (PARTITION BY id) AS events "
        f"FROM good WINDOW o AS {in_order})",
        "latest AS (SELECT * FROM walked WHERE position = events)",
        f"derived AS (SELECT id, min(event) FILTER (WHERE {opened}) AS first_opened, "
        "min(event) FILTER (WHERE is_resolved) AS first_resolved, "
        "count(*) FILTER (WHERE was_resolved AND NOT is_resolved) AS reopens "
        "FROM walked GROUP BY id)",
        # A hand-over: the group differs from the last one named before it. A return: the
        # group is the one the incident came from the hand-over before (A -> B -> A).
        f"hops AS (SELECT id, grp, lag(previous_group) OVER {in_order} AS two_back FROM walked "
        "WHERE grp IS NOT NULL AND (previous_group IS NULL OR grp <> previous_group))",
        "handovers AS (SELECT id, count(*) - 1 AS changes, "
        "count(*) FILTER (WHERE grp = two_back) AS returns FROM hops GROUP BY id)",
    ]


def _fields(mapping: IncidentMapping) -> list[tuple[str, str]]:
    c, derived, log = mapping.columns, mapping.derived(), mapping.event_log
    trues = any_of([v.lower() for v in mapping.true_values])
    closed_states = (log.closed_states or log.resolved_states) if log else []
    derivations = {
        "opened": "derived.first_opened",
        "resolved": "derived.first_resolved",
        "closed": f"CASE WHEN latest.status IN {any_of(closed_states)} THEN latest.event END",
        "reassignment_count": "coalesce(handovers.changes, 0)",
        "reopen_count": "derived.reopens",
        "ping_pong_count": "coalesce(handovers.returns, 0)",
    }
    out = []
    for field in TIMES:
        source = derivations[field] if field in derived else _column(c, field, f"latest.{field}")
        out.append((f"{field}_at", source))
    for field in TEXTS[:4]:
        out.append((field, _column(c, field, f"latest.{field}")))
    sla = "CASE WHEN latest.sla_met IS NULL THEN NULL ELSE lower(latest.sla_met) IN "
    out.append(("sla_met", _column(c, "sla_met", f"{sla}{trues} END")))
    for field in COUNTS:
        source = derivations[field] if field in derived else _column(c, field, f"latest.{field}")
        out.append((field, source))
    for field in TEXTS[4:]:
        out.append((field, _column(c, field, f"latest.{field}")))
    return out


def _column(columns: object, field: str, expression: str) -> str:
    """The expression when the field has a column; else an unknown of the field's type (an
    untyped NULL cannot be compared with a time)."""
    if getattr(columns, field):
        return expression
    kind = "TIMESTAMP" if field in TIMES else "BIGINT" if field in COUNTS else "VARCHAR"
    return f"NULL::{'BOOLEAN' if field == 'sla_met' else kind}"


CHECK_INCIDENTS = (
    "CREATE TEMP TABLE checked AS SELECT *, CASE "
    "WHEN opened_at IS NULL THEN 'no opening time' "
    "WHEN resolved_at < opened_at THEN 'resolved before opened' "
    "WHEN closed_at < opened_at THEN 'closed before opened' END AS problem FROM built"
)
ROW_PROBLEMS = (
    "SELECT problem, count(*), list(line ORDER BY line)[1:3] FROM events "
    "WHERE problem IS NOT NULL GROUP BY problem ORDER BY count(*) DESC, problem"
)
# Incidents left out because one of their rows could not be used.
INCIDENTS_OF_BAD_ROWS = "SELECT count(DISTINCT id) FROM events WHERE problem IS NOT NULL"
INCIDENT_PROBLEMS = (
    "SELECT problem, count(*), list(number ORDER BY number)[1:3] FROM checked "
    "WHERE problem IS NOT NULL GROUP BY problem ORDER BY count(*) DESC, problem"
)


def repeated_ids(mapping: IncidentMapping) -> str:
    """In a one-row export, the rows whose id is on a later line too (that one replaces them)."""
    reason = f"{mapping.columns.id}: the same id is on a later line, which replaces this one"
    return (
        f"SELECT {text(reason)} AS problem, count(*), list(line ORDER BY line)[1:3] FROM "
        "(SELECT line, lead(line) OVER (PARTITION BY id ORDER BY line) AS later FROM events "
        "WHERE id IS NOT NULL) WHERE later IS NOT NULL GROUP BY problem"
    )


COUNTS_SQL = (
    "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM checked WHERE problem IS NULL)"
)
SPAN = "SELECT min(opened_at), max(opened_at) FROM checked WHERE problem IS NULL"
RECORDS = f"SELECT {', '.join(OUTPUT)} FROM checked WHERE problem IS NULL ORDER BY number"
# The same, as SQLite keeps them (see store.intake.incidents.upsert_sqlite_text).
_SQLITE_TIME = "strftime({0}, '%Y-%m-%d %H:%M:%S.%f')"
RECORDS_AS_SQLITE_TEXT = (
    "SELECT "
    + ", ".join(
        _SQLITE_TIME.format(c) if c.endswith("_at") else (f"{c}::INTEGER" if c == "sla_met" else c)
        for c in OUTPUT
    )
    + " FROM checked WHERE problem IS NULL ORDER BY number"
)
