"""`improve doctor`: whether this installation works, one check at a time, each bounded in time
and saying what to do when it does not. Nothing is changed and no secret is shown.

The Prefect checks are handed in (``orchestration.health.prefect_checks``): services never
import Prefect's side.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

import httpx

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.health import Check, failing_source, loose_mode, schema_check
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.redact import redact_url
from ci_workflow.domain.stages.gate_warnings import failing
from ci_workflow.domain.stages.lifecycle import OPEN
from ci_workflow.errors import StoreNotReady
from ci_workflow.reports.channels import smtp_check
from ci_workflow.services.measurement.sustainment import in_sustainment
from ci_workflow.settings import SERVER_URL_FILE, get_settings
from ci_workflow.store.db import (
    SCHEMA_REVISION,
    is_sqlite,
    probe_engine,
    register_file,
    schema_revision,
    transaction,
)
from ci_workflow.store.register import improvements as store
from ci_workflow.store.snapshots import attempts_for

TIMEOUT = 5  # seconds each network check may wait
# What IMPROVE_HOME keeps that nobody but its owner may read: the register, its keys, tokens.
PRIVATE_FILES = (
    "improve.db",
    "improve.db-wal",
    "improve.db-shm",
    "secret_key",
    "prefect_auth",
    "token.json",
    SERVER_URL_FILE,
)


def diagnose(prefect: Callable[[], list[Check]]) -> list[Check]:
    """Every check, in the order a person would mend them: the files, the register, Prefect,
    e-mail, the workspace's address, then the sources (when the register answers)."""
    checks = [home_check()]
    register = register_check()
    checks += [register, *prefect(), smtp_check(TIMEOUT), workspace_check()]
    if register.status == "OK":
        checks += source_checks()
    return checks


def home_check() -> Check:
    home = get_settings().home_dir
    if not home.is_dir():
        return Check("WARN", "home", f"IMPROVE_HOME {home} does not exist", "run `improve init`")
    kept = [home / name for name in PRIVATE_FILES if (home / name).exists()]
    loose = [p for p in (home, *kept) if loose_mode(p.stat().st_mode)]
    if loose:
        return Check(
            "FAIL",
            "home",
            f"others may read {', '.join(map(str, loose))} (the register and its keys)",
            _chmod(home, loose),
        )
    return Check("OK", "home", f"IMPROVE_HOME {home} and its {len(kept)} private files: owner only")


def _chmod(home: Path, loose: list[Path]) -> str:
    files = [shlex.quote(str(p)) for p in loose if p != home]
    commands = ([f"chmod 700 {shlex.quote(str(home))}"] if home in loose else []) + (
        [f"chmod 600 {' '.join(files)}"] if files else []
    )
    return "; ".join(commands)


def register_check() -> Check:
    url = get_settings().store_url
    where = redact_url(url)
    database = register_file(url)
    if database is not None and not database.exists():  # looking never creates it
        return schema_check(where, None, SCHEMA_REVISION)
    engine = probe_engine(TIMEOUT)
    try:
        found = schema_revision(engine)
    except StoreNotReady as error:
        fix = "check IMPROVE_DATABASE_URL, and that the database server runs and takes the user"
        return Check("FAIL", "register", str(error), fix)
    finally:
        if not is_sqlite(engine):
            engine.dispose()
    return schema_check(where, found, SCHEMA_REVISION)


def workspace_check() -> Check:
    """The workspace at its public address (IMPROVE_WEB_URL) answers its health path."""
    base = get_settings().web_url
    if not base:
        return Check(
            "WARN",
            "workspace",
            "IMPROVE_WEB_URL is not set: e-mails and webhooks carry no links to the workspace",
            "set IMPROVE_WEB_URL to the workspace's address as people reach it",
        )
    url = f"{base.rstrip('/')}/healthz"
    try:
        answer = httpx.get(url, timeout=TIMEOUT, follow_redirects=False)
    except httpx.HTTPError as error:
        text = f"{redact_url(url)} cannot be reached: {type(error).__name__}"
        return Check("FAIL", "workspace", text, "is `improve web` running behind IMPROVE_WEB_URL?")
    if answer.status_code != 200:
        text = f"{redact_url(url)} answered HTTP {answer.status_code}"
        fix = "IMPROVE_WEB_URL should be the base address of an `improve web` of this version"
        return Check("FAIL", "workspace", text, fix)
    return Check("OK", "workspace", f"{redact_url(url)} answers")


def source_checks() -> list[Check]:
    """Each objective measured now (of an open improvement, or of a closed one in its
    sustainment period) whose latest captures failed: how often, since when, the last error."""
    with transaction(write=False) as session:
        improvements = {i.id or 0 for i in store.with_status(session, OPEN)}
        improvements |= {c.improvement.id or 0 for c in in_sustainment(session, utcnow())}
        objectives = store.objectives_for(session, improvements)
        attempts = attempts_for(session, [o.id or 0 for o in objectives])
    found = []
    for o in objectives:
        why = failing(attempts[o.id or 0])
        if why is not None:
            kind = str(o.source.get("kind", "unknown"))
            found.append(failing_source(format_id(o.improvement_id), o.metric, kind, why))
    if found:
        return found
    count = f"{len(objectives)} objective{'s' if len(objectives) != 1 else ''}"
    return [Check("OK", "sources", f"no source failing at its latest capture ({count} measured)")]
