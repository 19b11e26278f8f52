"""``kind: sql``: one number from a query, run read-only.

Bound parameters ``:window_start``, ``:window_end`` and ``:as_of`` are UTC datetimes (naive); on
SQLite they arrive as text ``YYYY-MM-DD HH:MM:SS``. SQLite files are opened read-only; on
PostgreSQL and MySQL/MariaDB the query runs in a READ ONLY transaction (with a statement timeout
on PostgreSQL); the transaction is always rolled back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ci_workflow.domain.sources import SqlSource
from ci_workflow.domain.window import Window
from ci_workflow.metrics import MetricError, finite
from ci_workflow.settings import normalise_database_url
from ci_workflow.store.db import cached_engine


def read(source: SqlSource, window: Window) -> float:
    url = normalise_database_url(source.url)
    timeout = source.timeout
    try:
        engine = _engine(url)
        params: dict[str, Any] = window.parameters()
        if engine.dialect.name == "sqlite":
            params = {k: v.strftime("%Y-%m-%d %H:%M:%S") for k, v in params.items()}
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout * 1000)}")
            elif engine.dialect.name in ("mysql", "mariadb"):
                connection.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
            elif engine.dialect.name == "sqlite":
                _limit_sqlite_time(connection, timeout)
            try:
                rows = connection.execute(text(source.query), params).all()
            finally:
                connection.rollback()
    except SQLAlchemyError as error:
        raise MetricError(_scrub(_reason(error), url)) from None
    if len(rows) != 1 or len(rows[0]) != 1:
        raise MetricError(f"the query must return one row with one column, got {len(rows)} rows")
    return finite(rows[0][0])


def _engine(url: str) -> Engine:
    return cached_engine(f"source:{url}", lambda: _create(url))


def _create(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Read-only at the file level: a query that writes fails and changes nothing.
        return create_engine(f"sqlite:///file:{parsed.database or ''}?mode=ro&uri=true")
    return create_engine(url, pool_pre_ping=True)


def _limit_sqlite_time(connection: Any, timeout: float) -> None:
    import time

    deadline = time.monotonic() + timeout
    raw = connection.connection.dbapi_connection
    # Returning non-zero from the progress handler interrupts the statement.
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)


def _reason(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None)
    text_ = str(original if original is not None else error).strip().splitlines()
    return text_[0] if text_ else type(error).__name__


def _scrub(message: str, url: str) -> str:
    password = make_url(url).password
    return message.replace(str(password), "***") if password else message
