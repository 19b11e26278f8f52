"""The shipped examples stay valid and cover both improvement types."""

from pathlib import Path

from tests.helpers import Cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_the_examples_apply_cleanly_and_cover_both_types(cli: Cli, store: str) -> None:
    for line in (EXAMPLES / "people.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, email, roles = (part.strip() for part in line.split("|"))
        grants = [arg for role in roles.split(",") for arg in ("--role", role.strip())]
        cli.ok("people", "add", name, "--email", email, *grants)
    cli.ok("apply", str(EXAMPLES / "improvements"))
    rows = cli.json("list")
    assert {r["type"] for r in rows} == {"incremental", "breakthrough"}
    assert {r["key"] for r in rows} == {
        "network-mttr",
        "self-service-reset",
        "standard-change-catalogue",
    }
    assert cli.json("show", "self-service-reset")["process_owner"] == "Grace Kim"
    out = cli.ok("strategy", "apply", str(EXAMPLES / "strategy.yaml")).stdout
    assert out.splitlines()[-1] == "strategy version 1"
    shown = cli.json("strategy", "show")
    assert len(shown["goals"]) == 2 and len(shown["programmes"]) == 2
    forecast = cli.json("benefits", "show", "network-mttr")["forecast"]
    assert forecast == 3000 + 4500 + 4500 + 200 + 280 + 280
