"""The SQL (DuckDB) that turns an export's rows into incident records, as the mapping says.

Three tables, each built from the one before:
- ``events``: every row, its mapped values cleaned (trimmed, the missing marker made NULL) and
  typed, and ``problem``: why the row cannot be used (NULL when it can);
- ``built``: one row per incident, from its latest event or derived from all of them;
- ``checked``: ``built`` with the incident-level ``problem`` (resolved before opened...).

Rejection is whole: an incident with one unusable event is left out rather than derived from part
of its history.
"""

from __future__ import annotations

from ci_workflow.domain.incident_mapping import IncidentMapping

TIMES = ("opened", "resolved", "closed")
COUNTS = ("reopen_count", "reassignment_count", "ping_pong_count")
TEXTS = ("category", "service", "priority", "assignment_group", "problem_id", "change_id")
# The incidents table's columns, in the order the records are read.
OUTPUT = (
    "number", "opened_at", "resolved_at", "closed_at", *TEXTS[:4], "sla_met", *COUNTS,
    *TEXTS[4:],
)  # fmt: skip


def name(identifier: str) -> str:
    """A quoted SQL identifier: a column name from an export can hold anything."""
    return '"' + identifier.replace('"', '""') + '"'


def text(value: str) -> str:
    """A quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def any_of(values: list[str]) -> str:
    return "(" + ", ".join(text(v) for v in values) + ")"


def load_rows(source: str, header: list[str], mapping: IncidentMapping, limit: int | None) -> str:
    """Every row of the file, numbered by its line in the file (the header is line 1)."""
    columns = "{" + ", ".join(f"{text(c)}: 'VARCHAR'" for c in header) + "}"
    wanted = sorted(mapping.required_columns())
    picked = ", ".join(f"{name(c)}" for c in wanted)
    cap = f" LIMIT {int(limit)}" if limit else ""
    return (
        f"CREATE TEMP TABLE raw AS SELECT row_number() OVER () + 1 AS line, {picked} "
        f"FROM read_csv({text(source)}, header = true, auto_detect = false, "
        f"delim = {text(mapping.delimiter)}, quote = '\"', escape = '\"', columns = {columns})"
        f"{cap}"
    )


def load_events(mapping: IncidentMapping) -> str:
    c = mapping.columns
    missing = text(mapping.missing)

    def clean(column: str) -> str:
        return f"nullif(nullif(trim({name(column)}), ''), {missing})"

    def moment(column: str) -> str:
        return f"try_strptime({clean(column)}, {text(mapping.timestamp_format)})"

    picks = ["line", f"{clean(c.id)} AS id"]
    problems = [f"WHEN {clean(c.id)} IS NULL THEN {text(f'{c.id}: the incident id is missing')}"]
    timed = {f: getattr(c, f) for f in TIMES if getattr(c, f)}
    if mapping.event_log:
        log = mapping.event_log
        timed["event"] = log.event_time_column
        picks.append(f"{clean(log.status_column)} AS status")
        problems.append(
            f"WHEN {clean(log.event_time_column)} IS NULL "
            f"THEN {text(f'{log.event_time_column}: the event time is missing')}"
        )
    fmt = mapping.timestamp_format
    for field, column in timed.items():
        picks.append(f"{moment(column)} AS {field}")
        problems.append(
            f"WHEN {clean(column)} IS NOT NULL AND {moment(column)} IS NULL "
            f"THEN {text(f'{column}: not a time in {fmt!r}')}"
        )
    for field in COUNTS:
        if column := getattr(c, field):
            picks.append(f"try_cast({clean(column)} AS BIGINT) AS {field}")
            problems.append(
                f"WHEN {clean(column)} IS NOT NULL AND try_cast({clean(column)} AS BIGINT) IS NULL"
                f" THEN {text(f'{column}: not a whole number')}"
            )
    for field in (*TEXTS, "sla_met"):
        if column := getattr(c, field):
            picks.append(f"{clean(column)} AS {field}")
    picks.append("CASE " + " ".join(problems) + " END AS problem")
    return f"CREATE TEMP TABLE events AS SELECT {', '.join(picks)} FROM raw"


def build_incidents(mapping: IncidentMapping) -> str:
    """One row per usable incident: the latest event's fields, or what the events derive."""
    good = (
        "SELECT * FROM events WHERE problem IS NULL AND id NOT IN "
        "(SELECT id FROM events WHERE problem IS NOT NULL AND id IS NOT NULL)"
    )
    order = "event DESC, line DESC" if mapping.event_log else "line DESC"
    parts = [
        f"good AS ({good})",
        f"latest AS (SELECT * FROM good QUALIFY row_number() "
        f"OVER (PARTITION BY id ORDER BY {order}) = 1)",
    ]
    joins = ""
    if mapping.event_log:
        parts += _derivations(mapping)
        joins = (
            " JOIN firsts USING (id) LEFT JOIN reopens USING (id) LEFT JOIN handovers USING (id)"
        )
    fields = ", ".join(f"{expression} AS {field}" for field, expression in _fields(mapping))
    return (
        f"CREATE TEMP TABLE built AS WITH {', '.join(parts)} "
        f"SELECT latest.id AS number, {fields} FROM latest{joins}"
    )


def _derivations(mapping: IncidentMapping) -> list[str]:
    log = mapping.event_log
    assert log is not None
    in_order = "OVER (PARTITION BY id ORDER BY event, line)"
    resolved = f"coalesce(status IN {any_of(log.resolved_states)}, false)"
    opened = f"status IN {any_of(log.opened_states)}" if log.opened_states else "true"
    group = "assignment_group" if mapping.columns.assignment_group else "NULL"
    return [
        f"firsts AS (SELECT id, min(event) FILTER (WHERE {opened}) AS first_opened, "
        f"min(event) FILTER (WHERE {resolved}) AS first_resolved FROM good GROUP BY id)",
        f"reopens AS (SELECT id, count(*) FILTER (WHERE was_resolved AND NOT is_resolved) AS n "
        f"FROM (SELECT id, {resolved} AS is_resolved, lag({resolved}) {in_order} AS was_resolved "
        f"FROM good) GROUP BY id)",
        # A hand-over: the group differs from the one before it (events without one skipped).
        f"hops AS (SELECT id, grp, lag(grp, 2) {in_order} AS two_back FROM "
        f"(SELECT id, event, line, {group} AS grp, lag({group}) {in_order} AS previous "
        f"FROM good WHERE {group} IS NOT NULL) WHERE previous IS NULL OR grp <> previous)",
        "handovers AS (SELECT id, count(*) - 1 AS changes, "
        "count(*) FILTER (WHERE grp = two_back) AS returns FROM hops GROUP BY id)",
    ]


def _fields(mapping: IncidentMapping) -> list[tuple[str, str]]:
    c, derived, log = mapping.columns, mapping.derived(), mapping.event_log
    trues = any_of([v.lower() for v in mapping.true_values])
    closed_states = (log.closed_states or log.resolved_states) if log else []
    derivations = {
        "opened": "firsts.first_opened",
        "resolved": "firsts.first_resolved",
        "closed": f"CASE WHEN latest.status IN {any_of(closed_states)} THEN latest.event END",
        "reassignment_count": "coalesce(handovers.changes, 0)",
        "reopen_count": "coalesce(reopens.n, 0)",
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
    return expression if getattr(columns, field) else "NULL"


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
COUNTS_SQL = (
    "SELECT (SELECT count(*) FROM raw), (SELECT count(*) FROM checked WHERE problem IS NULL)"
)
SPAN = "SELECT min(opened_at), max(opened_at) FROM checked WHERE problem IS NULL"
RECORDS = f"SELECT {', '.join(OUTPUT)} FROM checked WHERE problem IS NULL ORDER BY number"
