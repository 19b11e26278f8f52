"""Which hand-written SQL sources read the register's deletable records unfiltered, and when a
source's URL names the register's database."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_workflow.domain.improvement.register_reads import (
    deleted_records_warnings,
    same_database,
    unfiltered_tables,
)


@pytest.mark.parametrize(
    ("query", "tables"),
    [
        ("SELECT COUNT(*) FROM incidents", ["incidents"]),
        ("select count(*) from INCIDENTS", ["incidents"]),
        ('SELECT 1 FROM "incidents" AS i', ["incidents"]),
        ("SELECT 1 FROM main.incidents", ["incidents"]),
        ('SELECT 1 FROM "public"."change_record"', ["change_record"]),
        ("SELECT 1 FROM live_incidents i JOIN change_record c ON 1", ["change_record"]),
        ("SELECT 1 FROM incidents i\nJOIN\n  change_record c ON 1", ["incidents", "change_record"]),
        ("SELECT 1 FROM incidents WHERE deleted_at IS NULL", []),
        ("SELECT 1 FROM incidents WHERE DELETED_AT IS NULL", []),
        ("SELECT 1 FROM live_incidents", []),
        ("SELECT 1 FROM live_change_records", []),
        ("SELECT 1 FROM incidents_archive", []),
        ("SELECT COUNT(*) AS incidents FROM live_incidents", []),
        ("SELECT 1 FROM live_incidents -- FROM incidents", []),
        ("SELECT 1 FROM live_incidents /* JOIN\nincidents */", []),
        ("SELECT 'FROM incidents' FROM live_incidents", []),
        ("SELECT 'it''s FROM incidents' FROM live_incidents", []),
        # The word in a comment or a string does not filter anything.
        ("SELECT 1 FROM incidents -- deleted_at", ["incidents"]),
        ("SELECT 1 FROM incidents WHERE x = 'deleted_at'", ["incidents"]),
        ("SELECT 1 FROM incidents /* deleted_at */", ["incidents"]),
        # Comments and strings stand between words as they do in SQL.
        ("SELECT 1 FROM/* the records */incidents", ["incidents"]),
        ("SELECT 'a'FROM incidents", ["incidents"]),
    ],
)
def test_the_tables_read_unfiltered(query: str, tables: list[str]) -> None:
    assert unfiltered_tables(query) == tables


@pytest.mark.parametrize(
    ("one", "two", "same"),
    [
        ("sqlite:////srv/improve.db", "sqlite:////srv/improve.db", True),
        ("sqlite:////srv/x/../improve.db", "sqlite:////srv/improve.db", True),
        ("sqlite:////srv/improve.db", "sqlite:////srv/other.db", False),
        ("sqlite://", "sqlite://", False),  # in memory: nobody's register
        ("sqlite:////srv/improve.db", "postgresql://h/srv/improve.db", False),
        (
            "postgresql://reader@db.example.org/cir",
            "postgresql+psycopg://o@DB.example.org/cir",
            True,
        ),
        ("postgresql://reader@db/cir", "postgresql://reader@db/itsm", False),
        ("postgresql://reader@db:5433/cir", "postgresql://reader@db/cir", False),
        ("postgresql://reader@db:5433/cir", "postgresql://reader@db:5433/cir", True),
        ("postgresql://reader@db/cir", "postgresql://reader@other/cir", False),
        ("postgresql:///cir", "postgresql://localhost/cir", True),
        ("postgresql://LocalHost/cir", "postgresql:///cir", True),
        ("postgresql:///cir", "postgresql://db/cir", False),
        ("sqlite:////srv/improve.db", "sqlite://", False),
        ("not a url", "sqlite:////srv/improve.db", False),
        ("sqlite:////srv/improve.db", "not a url", False),
    ],
)
def test_the_same_database(one: str, two: str, same: bool) -> None:
    assert same_database(one, two) is same


def test_a_relative_sqlite_path_is_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert same_database("sqlite:///improve.db", f"sqlite:///{tmp_path / 'improve.db'}")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert same_database("sqlite:///~/improve.db", f"sqlite:///{tmp_path / 'improve.db'}")


REGISTER = "sqlite:////srv/improve.db"


def test_only_a_sql_source_over_the_register_is_warned_about() -> None:
    query = "SELECT 1 FROM change_record"
    assert deleted_records_warnings("failed_changes", REGISTER, query, REGISTER) == [
        "objective 'failed_changes': its sql source reads the register's change_record without "
        "deleted_at, so it also counts records deleted in their ITSM tool; read "
        "live_change_records instead (or add deleted_at IS NULL)"
    ]
    elsewhere = "sqlite:////srv/itsm.db"
    assert deleted_records_warnings("failed_changes", elsewhere, query, REGISTER) == []
    both = "SELECT 1 FROM incidents JOIN change_record ON 1"
    warned = deleted_records_warnings("m", REGISTER, both, REGISTER)
    assert [w.split(" instead")[0].split("; read ")[1] for w in warned] == [
        "live_incidents",
        "live_change_records",
    ]
