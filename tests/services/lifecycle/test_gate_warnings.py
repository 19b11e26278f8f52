"""Warnings where a gate is decided, from real captures of a source that fails (a metric read
over HTTP from a port where nothing listens): what the deciders are told, in the e-mail (a real
SMTP server on loopback) and on the command line; completing over them needs a confirmation,
and the trail records it."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.errors import WarningsUnconfirmed
from ci_workflow.services.lifecycle.decide import send_decision
from ci_workflow.services.lifecycle.gate_decisions import decide_gate
from ci_workflow.services.lifecycle.gate_opening import gate_description, open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.services.views.gate_warnings import gates_to_decide
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml
from tests.services.conftest import Outbox, body
from tests.services.lifecycle.test_decide_channels import Orchestrator

TITLE = "Faster <b>VPN</b> resets & more"
DEAD = "http://127.0.0.1:9/metrics"  # nothing listens on the discard port: every read fails
DAYS = ["2026-11-12", "2026-11-13", "2026-11-16", "2026-11-20"]


@pytest.fixture
def failing(cli: Cli, people: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """IMP-0001 executing; its two objectives read over HTTP, and every capture failed."""
    monkeypatch.setenv("IMPROVE_HTTP_ALLOW", "127.0.0.0/8")
    get_settings.cache_clear()
    source = {"kind": "http", "url": DEAD, "path": "value", "retries": 0, "timeout": 5}
    objectives = [
        objective_doc(source=source),
        objective_doc(metric="reopen_rate", unit="%", baseline=12, target=8, source=source),
    ]
    doc = improvement_doc(title=TITLE, objectives=objectives)
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    move_to("executing")
    for day in DAYS:
        cli.fails("capture", "--improvement", "IMP-0001", "--as-of", day)


def expected_failures(cli: Cli) -> dict[str, tuple[int, datetime, str]]:
    """Per metric, read back from `improve snapshots` (not from the rule): failures since its
    last value, the first of them, the last error."""
    rows = sorted(cli.json("snapshots", "IMP-0001"), key=lambda r: r["checkpoint_at"])
    found = {}
    for metric, group in itertools.groupby(
        sorted(rows, key=lambda r: r["metric"]), key=lambda r: r["metric"]
    ):
        ordered = sorted(group, key=lambda r: r["checkpoint_at"])
        tail = list(itertools.takewhile(lambda r: r["value"] is None, reversed(ordered)))
        first = datetime.fromisoformat(tail[-1]["checkpoint_at"])
        found[metric] = (len(tail), first, tail[0]["error"])
    return found


def test_a_source_that_keeps_failing_is_told_with_its_count_date_and_error(
    failing: None, cli: Cli
) -> None:
    open_gate(1, "execution_complete", 1, "run-1")
    expected = expected_failures(cli)
    assert set(expected) == {"mttr_hours", "reopen_rate"}
    (count, first, error), other = expected["mttr_hours"], expected["reopen_rate"]
    assert other[0] == count == len(DAYS)  # one failed checkpoint a capture
    (gate,) = gates_to_decide("IMP-0001")
    (warning,) = gate["warnings"]
    assert warning["kind"] == "unmeasured"
    assert warning["text"] == (
        f"2 of 2 objectives (mttr_hours, reopen_rate) have no measurement: the http source "
        f"failed {count} times since {first.day} {first:%b %Y}, last error: {error}"
    )
    assert gate["confirm_for"] == ["complete"]
    form = gate_description(1, Gate.execution_complete)  # above the Prefect UI's form
    assert "**⚠ Before you decide (1 warning):**" in form
    assert "- ⚠ 2 of 2 objectives \\(mttr\\_hours, reopen\\_rate\\) have no measurement" in form
    out = cli.ok("gates", "IMP-0001").stdout
    assert f"failed {count} times since 12 Nov 2026" in " ".join(out.split())
    assert cli.json("gates", "IMP-0001")[0]["warnings"][0]["text"] == warning["text"]


def test_completing_over_warnings_is_refused_until_confirmed_and_then_audited(
    failing: None, cli: Cli
) -> None:
    open_gate(1, "execution_complete", 1, "run-1")
    lines = cli.fails("complete", "IMP-0001", "--as", "Lena Fischer")
    said = " ".join(" ".join(lines).split())
    assert said.startswith("error: IMP-0001 has 1 warning at execution_complete; complete was")
    assert "2 of 2 objectives (mttr_hours, reopen_rate) have no measurement" in said
    assert said.endswith("run the command again with --confirm.")
    (request,) = open_requests_of(1)
    assert request.claimed_by is None  # nothing was sent, nothing is held
    assert cli.json("show", "IMP-0001")["status"] == "executing"

    runs = Orchestrator()
    lena = operating_system("tester")
    with pytest.raises(WarningsUnconfirmed):
        send_decision(
            "IMP-0001",
            Gate.execution_complete,
            "complete",
            actor=lena,
            runs=runs,
            by="Lena Fischer",
        )
    assert runs.resumed == []
    sent = send_decision(
        "IMP-0001",
        Gate.execution_complete,
        "complete",
        actor=lena,
        runs=runs,
        by="Lena Fischer",
        confirm=True,
    )
    assert [r[1] for r in runs.resumed] == ["execution-complete-1"]
    (confirmed,) = [e for e in cli.json("audit", "IMP-0001") if e["action"] == "warnings_confirmed"]
    assert confirmed["detail"].startswith(
        "Lena Fischer confirmed complete at execution-complete-1 over 1 warning: 2 of 2 objectives"
    )
    assert (confirmed["channel"], confirmed["principal"]) == ("cli", "os:tester")
    assert sent.warnings and sent.run_input["decision"] == "complete"


def open_requests_of(improvement_id: int) -> list:  # type: ignore[type-arg]
    with transaction(write=False) as session:
        return list(open_requests(session, improvement_id))


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links += [v or "" for k, v in attrs if k == "href"]


def parts(message: Message) -> tuple[str, str, list[str]]:
    assert message.get_content_type() == "multipart/alternative"
    text, html = body(message).replace("\r\n", "\n"), body(message, "text/html")
    links = Links()
    links.feed(html)
    return text, html, links.links


def test_the_gate_e_mail_says_what_is_asked_and_why_in_text_and_html(
    cli: Cli, people: None, tmp_path: Path, mail: Outbox
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(title=TITLE))))
    run = str(uuid.uuid4())
    define_stage(1, run)
    open_gate(1, "plan_approval", 1, run)
    rework = {"by": "Omar Haddad", "decision": "rework", "comment": "Say how <i>routing</i> works"}
    decide_gate(1, "plan_approval", 1, rework)
    open_gate(1, "resubmitted", 1, run)
    resubmit = {"by": "Lena Fischer", "decision": "resubmit", "comment": "Router logs & <tags>"}
    decide_gate(1, "resubmitted", 1, resubmit)
    mail.received.clear()
    open_gate(1, "plan_approval", 2, run)
    message = next(m for m in mail.received if m["To"] == "omar@example.org")
    assert message["Subject"] == f"IMP-0001 {TITLE}: approval needed"
    text, html, links = parts(message)
    assert f"IMP-0001 {TITLE} waits at plan approval (attempt 2)" in text
    assert "What is decided: Approve the plan, reject it, or send it back for rework" in text
    assert (
        "- mttr_hours (Mean time to restore): baseline 9.5 h, target 6 h by 2027-03-31, "
        "latest not measured yet" in text
    )
    assert "estimated cost 12,000, expected gain 45,000 (value 33,000)" in text
    earlier = text.split("Earlier decisions:\n")[1].split("\n\n")[0].splitlines()
    assert [line.split(", ")[0] for line in earlier] == [
        "- plan approval #1: rework by Omar Haddad",
        "- resubmitted #1: resubmit by Lena Fischer",
    ]
    assert earlier[0].endswith('UTC: "Say how <i>routing</i> works"')
    assert earlier[1].endswith('UTC: "Router logs & <tags>"')
    link = "https://ci.example.org/improvements/IMP-0001#decide"
    assert text.rstrip().endswith(f"Decide in the workspace: {link}")
    assert links == [link]  # one button, to the decision
    assert "Faster &lt;b&gt;VPN&lt;/b&gt; resets &amp; more" in html and "<b>VPN" not in html
    assert "&lt;i&gt;routing&lt;/i&gt;" in html and "<i>routing" not in html
    assert "&lt;tags&gt;" in html


def test_without_the_workspace_address_the_e_mail_says_so_in_words(
    failing: None, cli: Cli, mail: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IMPROVE_WEB_URL")
    get_settings.cache_clear()
    open_gate(1, "execution_complete", 1, "run-1")
    message = next(m for m in mail.received if m["To"] == "lena@example.org")
    assert message["Subject"] == f"IMP-0001 {TITLE}: is the execution complete?"
    text, html, links = parts(message)
    assert (
        "Warnings (1):\n- 2 of 2 objectives (mttr_hours, reopen_rate) have no measurement" in text
    )
    assert "its public address is not configured" in text and "Open IMP-0001" in text
    assert links == [] and "127.0.0.1:8765" not in text + html
    opened = [e for e in cli.json("audit", "IMP-0001") if e["action"] == "gate_opened"]
    assert opened and "127.0.0.1:8765" not in opened[0]["detail"]
