"""What several lifecycle tests start from."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import Cli, improvement_doc, move_to, write_yaml


@pytest.fixture
def reviewed(cli: Cli, people: None, tmp_path: Path) -> None:
    """In review, its sign-off co-signed by a service owner of its service (Sam Berg)."""
    cli.ok(
        "people",
        "add",
        "Sam Berg",
        "--email",
        "sam@example.org",
        "--role",
        "service_owner:Corporate Network",
    )
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(service_owner_signoff=True))))
    move_to("in_review")
