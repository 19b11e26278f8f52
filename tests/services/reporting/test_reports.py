"""Review and practice reports rendered from a seeded history, delivered through a real SMTP
server and a webhook on loopback, and opened in headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from email.message import Message
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from ci_workflow.services.reporting.delivery import deliver_review
from ci_workflow.services.reporting.review import review_report
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement
from ci_workflow.store.tables import GateDecision, MetricSnapshot
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml
from tests.slow import require_slow

ARTEFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture
def history(cli: Cli, people: None, tmp_path: Path) -> str:
    """An improvement reviewed after 6 weekly checkpoints (each over its week) before execution
    and 4 after."""
    doc = improvement_doc(
        title="<script>alert(1)</script> Faster network fixes",
        objectives=[
            objective_doc(baseline=10, target=6, window="7d"),
            objective_doc(
                metric="csat",
                baseline=3.0,
                target=4.0,
                direction="increase",
                kpi_kind="customer_satisfaction",
                window="7d",
            ),
        ],
    )
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    move_to("in_review")
    with transaction() as session:
        improvement = get_improvement(session, "IMP-0001")
        improvement.realised_gain, improvement.actual_cost = 30_000.0, 12_000.0
        improvement.lessons_learned = "Route <b>early</b> & often"
        started = improvement.started_at
        assert started is not None
        session.add(improvement)
        series = {
            1: [10.1, 9.8, 10.3, 9.9, 10.0, 10.2, 7.1, 6.8, 6.2, 5.7],
            2: [3.0, 3.1, 2.9, 3.0, 3.1, 3.0, 3.2, 3.3, 3.2, 3.4],
        }
        for objective_id, values in series.items():
            for week, value in enumerate(values):
                at = started + timedelta(weeks=week - 6, hours=1)
                kind = "final" if week == len(values) - 1 else "checkpoint"
                session.add(
                    MetricSnapshot(
                        objective_id=objective_id, kind=kind, checkpoint_at=at, value=value
                    )
                )
        session.add(
            GateDecision(
                improvement_id=1,
                gate="plan_approval",
                attempt=1,
                decision="approve",
                decided_by_id=2,
                comment="Go <i>now</i>",
            )
        )
    return "IMP-0001"


def test_the_review_report_carries_the_figures(history: str) -> None:
    html = review_report(history, "html")
    assert "Interim report" in html  # in review, not yet consolidated
    assert "1 of 2 objectives met" in html
    row = html[html.index("<strong>mttr_hours</strong>") :]
    for figure in (
        ">10 h<",  # each figure with its unit
        ">6 h<",
        ">5.7 h<",
        ">-4.3 h<",
        ">108 %<",
        ">met<",
        "service performance improvement: +4.3 h",  # 10 − 5.7, rounded, with its unit
    ):
        assert figure in row[:1200], figure
    assert "a real shift at the 5 % level" in html
    assert html.count("<svg") == 2 and "<script src" not in html and "https://" not in html
    # (30,000 − 12,000) ÷ 12,000 = 1.5, read as a percentage
    assert "ROI = (realised gain − actual cost) ÷ actual cost: <strong>150 %</strong>" in html
    csat = html[html.index("<strong>csat</strong>") :][:1200]
    assert ">3.4 h<" in csat and ">40 %<" in csat and ">not met<" in csat
    # 3.4 − 3.0 is 0.3999… in floats; the objective's unit is the helper's default
    assert "customer satisfaction improvement: +0.4 h<" in html
    markdown = review_report(history, "md")
    assert "ROI: **150 %**" in markdown and "service performance improvement: +4.3 h |" in markdown


def test_everything_people_typed_is_escaped(history: str) -> None:
    html = review_report(history, "html")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Faster network fixes" in html
    assert (
        "Route &lt;b&gt;early&lt;/b&gt; &amp; often" in html and "Go &lt;i&gt;now&lt;/i&gt;" in html
    )
    markdown = review_report(history, "md")
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown


def test_markdown_shows_links_and_images_people_typed_as_text(history: str) -> None:
    with transaction() as session:
        improvement = get_improvement(session, history)
        improvement.lessons_learned = (
            "[help](javascript:alert(1)) ![seen](https://tracker.example/p.png)"
        )
        session.add(improvement)
    markdown = review_report(history, "md")
    assert "](javascript:" not in markdown and "![seen](" not in markdown
    assert (
        r"\[help\]\(javascript:alert\(1\)\) \!\[seen\]\(https://tracker.example/p.png\)" in markdown
    )


def test_a_report_never_replaces_a_file_it_did_not_write(
    cli: Cli, history: str, tmp_path: Path
) -> None:
    from ci_workflow.store.db import register_file

    register = register_file()
    if register is not None:  # SQLite: the register's own file
        before = register.read_bytes()
        (line,) = cli.fails("report", history, "--out", str(register), "--force")
        assert line == (
            f"error: {register.absolute()} is the register's database; improve never writes "
            "over it, even with --force"
        )
        assert register.read_bytes() == before
    notes = tmp_path / "notes.md"
    notes.write_text("my notes", encoding="utf-8")
    assert cli.fails("report", history, "--format", "md", "--out", str(notes)) == [
        f"error: {notes} exists and is not a file improve wrote; choose another --out, "
        "or add --force to replace it"
    ]
    assert notes.read_text() == "my notes"
    link = tmp_path / "link.md"
    link.symlink_to(notes)
    assert cli.fails("report", history, "--out", str(link), "--force") == [
        f"error: {link} is a symbolic link; improve never writes through one"
    ]
    assert notes.read_text() == "my notes"
    ours = tmp_path / "ours.md"
    cli.ok("report", history, "--format", "md", "--out", str(ours))
    cli.ok("report", history, "--format", "md", "--out", str(ours))  # ours: rewritten freely
    cli.ok("report", history, "--format", "md", "--out", str(notes), "--force")
    assert notes.read_text().startswith("# IMP-0001")


def test_the_report_command_writes_html_and_markdown(
    cli: Cli, history: str, tmp_path: Path
) -> None:
    out = cli.ok("report", history).stdout
    assert out.strip().endswith("reports/imp-0001-interim.html")  # made before its review
    cli.ok("report", history, "--format", "md", "--out", str(tmp_path / "r.md"))
    assert (tmp_path / "r.md").read_text().startswith("# IMP-0001 &lt;script&gt;")
    assert cli.fails("report", history, "--format", "pdf", code=2) == [
        "error: unknown report format 'pdf'; choose html or md"
    ]


def test_report_files_are_named_for_what_they_are(cli: Cli, history: str) -> None:
    """Asked for before sign-off: interim; at a review round: interim with its attempt; asked
    for once signed off: final."""
    reports = get_settings().home_dir / "reports"
    deliver_review(1, kind="review-2")  # as the lifecycle asks at its second review round
    assert sorted(p.name for p in reports.iterdir()) == [
        "imp-0001-interim-2.html",
        "imp-0001-interim-2.md",
    ]
    move_to("closed")
    assert cli.ok("report", history).stdout.strip().endswith("reports/imp-0001-final.html")


def test_a_line_break_in_a_title_cannot_break_the_mail_or_strand_the_improvement(
    cli: Cli, history: str, smtp_server: tuple[int, list[Message]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_workflow.settings import get_settings

    with transaction() as session:
        improvement = get_improvement(session, history)
        improvement.title = "Faster fixes\nBcc: victim@example.org\r\nX-Evil: 1"
        session.add(improvement)
    port, received = smtp_server
    monkeypatch.setenv("IMPROVE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("IMPROVE_SMTP_PORT", str(port))
    monkeypatch.setenv("IMPROVE_SMTP_STARTTLS", "false")
    get_settings.cache_clear()
    lines = deliver_review(1, kind="review-1")
    assert "email omar@example.org: sent" in lines
    (mail,) = received
    assert mail["Bcc"] is None and mail["X-Evil"] is None
    assert "Faster fixes Bcc: victim@example.org X-Evil: 1" in mail["Subject"]


def test_delivery_by_file_mail_and_webhook_is_recorded_and_not_repeated(
    cli: Cli,
    history: str,
    smtp_server: tuple[int, list[Message]],
    webhook: tuple[str, list[Any], dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ci_workflow.settings import get_settings

    port, received = smtp_server
    url, posts, _ = webhook
    monkeypatch.setenv("IMPROVE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("IMPROVE_SMTP_PORT", str(port))
    monkeypatch.setenv("IMPROVE_SMTP_STARTTLS", "false")
    monkeypatch.setenv("IMPROVE_WEBHOOK_URL", url)
    get_settings.cache_clear()
    lines = deliver_review(1, kind="review-1")
    assert lines[-4:] == [
        "email lena@example.org: sent",
        "email priya@example.org: sent",
        "email omar@example.org: sent",
        "webhook 127.0.0.1: sent",
    ]
    (mail,) = received
    assert mail["To"] == "lena@example.org, priya@example.org, omar@example.org"
    assert "1 of 2 objectives met" in mail["Subject"]
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in mail.walk()
        if not part.is_multipart()
    }
    assert set(parts) == {"text/plain", "text/html"}
    assert parts["text/plain"].startswith("# IMP-0001") and "<svg" in parts["text/html"]
    (post,) = posts
    assert post["summary"] == "1 of 2 objectives met"
    assert post["objectives"] == [
        {"metric": "mttr_hours", "verdict": "met"},
        {"metric": "csat", "verdict": "not met"},
    ]
    again = deliver_review(1, kind="review-1")
    assert (
        "email omar@example.org: already sent" in again and len(received) == 1 and len(posts) == 1
    )


def test_a_failed_delivery_is_retried_reported_and_loses_no_report(
    cli: Cli,
    history: str,
    webhook: tuple[str, list[Any], dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ci_workflow.settings import get_settings

    url, posts, control = webhook
    control["status"] = 500
    monkeypatch.setenv("IMPROVE_WEBHOOK_URL", url)
    monkeypatch.setenv("IMPROVE_DELIVERY_ATTEMPTS", "2")
    monkeypatch.setenv("IMPROVE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("IMPROVE_SMTP_PORT", "9")  # nothing listens: refused
    monkeypatch.setenv("IMPROVE_SMTP_USER", "reports")
    monkeypatch.setenv("IMPROVE_SMTP_PASSWORD", "hunter2-secret")
    get_settings.cache_clear()
    lines = deliver_review(1, kind="review-1")
    assert lines[-1].startswith("webhook 127.0.0.1: failed (HTTPStatusError")
    assert len(posts) == 2  # tried twice
    assert any(
        line.startswith("email omar@example.org: failed (ConnectionRefusedError") for line in lines
    )
    trail = json.dumps(cli.json("audit", history))
    assert trail.count("delivery_failed") == 2
    assert "hunter2-secret" not in trail and "T0K3N" not in trail
    assert Path(lines[0].split(" ", 1)[1].removesuffix(": sent")).is_file()


@pytest.mark.slow
def test_the_html_report_opens_in_chromium_without_console_errors(
    history: str, tmp_path: Path
) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium package is not installed (apt-get install chromium)")
    require_slow("a real browser")
    page = tmp_path / "review.html"
    page.write_text(review_report(history, "html"))
    ARTEFACTS.mkdir(exist_ok=True)
    shot = ARTEFACTS / "review-report.png"
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1000,2400",
            "--enable-logging=stderr",
            "--v=0",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert shot.is_file() and shot.stat().st_size > 10_000, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "ERROR" in line or "Uncaught" in line], console


def test_kpis_and_the_practice_report_over_a_period(cli: Cli, history: str, tmp_path: Path) -> None:
    move_to_closed()
    found = cli.json("kpis")
    assert (found["closed"], found["successful"]) == (1, 0)
    assert found["total_roi"]["value"] == pytest.approx(1.5)
    assert found["success_rate"] == {"value": 0.0, "reason": None}
    assert found["by_stage"] == {"closed": 1}
    shown = cli.ok("kpis").stdout
    assert "150 %" in shown and "0 %" in shown  # total ROI 1.5 and success rate 0, as read
    cli.ok("practice-report", "--format", "md", "--out", str(tmp_path / "p.md"))
    text = (tmp_path / "p.md").read_text()
    assert "| improvements closed | 1 | 0 |" in text and "| total ROI | 150 % | n/a" in text
    assert "mttr_hours met; csat not met" in text
    # The ten KPIs: service performance as after − before with its sense, the rest as read.
    assert "| service performance change | after − before | -4.3 h, better | 1 |" in text
    assert "| customer satisfaction change | after − before | +0.4 h, better | 1 |" in text
    assert (
        r"| successful improvements | every objective met | 0 of 1 \(0 %\); 1 partially met |"
        in text
    )
    assert "| ROI | (realised gain − actual cost) ÷ actual cost, mean | 150 % | 1 |" in text
    ten = cli.json("kpis")["kpis"]
    assert ten["overall"]["service_performance"]["value"] == pytest.approx(5.7 - 10)
    assert [g["process"] for g in ten["by_process"]] == ["Incident Management"]
    assert cli.fails("kpis", "--from", "2026-02-01", "--to", "2026-01-01", code=2) == [
        "error: --from must be before --to"
    ]


def move_to_closed() -> None:
    from ci_workflow.domain.stages.lifecycle import Status
    from ci_workflow.store.register.improvements import change_status

    with transaction() as session:
        improvement = get_improvement(session, "IMP-0001")
        for status in (Status.consolidating, Status.closed):
            change_status(session, improvement, status, actor="test", reason="test")


def test_a_webhook_gets_the_title_as_text_and_a_link_to_the_workspace_not_a_path(
    history: str, mail: Any
) -> None:
    """Slack acts on ``<!channel>``, ``<url|text>`` and ``&`` entities in a message's text:
    a title people typed is escaped as Slack documents; the report is a workspace link, never
    the server's path to it (issue 24, #10)."""
    from ci_workflow.settings import get_settings

    with transaction() as session:
        improvement = get_improvement(session, history)
        improvement.title = "<!channel> see <https://evil.example|the fix> & more\u202e"
        session.add(improvement)
    deliver_review(1, kind="review-1")
    (post,) = mail.posts
    assert post["text"].startswith(
        "IMP-0001 &lt;!channel&gt; see &lt;https://evil.example|the fix&gt; &amp; more: "
    )
    assert (
        post["title"]
        == "IMP-0001 &lt;!channel&gt; see &lt;https://evil.example|the fix&gt; &amp; more"
    )
    assert "<" not in json.dumps(post) and "\u202e" not in post["text"]
    link = post["report"]
    assert link.startswith("https://ci.example.org/reports/") and link in post["text"]
    assert str(get_settings().home_dir) not in json.dumps(post)


def test_too_little_data_says_where_before_and_after_are_split(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    from ci_workflow.reports.review import SPLIT_WORDS

    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    move_to("in_review")
    for fmt in ("html", "md"):
        report = unescape(review_report("IMP-0001", fmt))
        assert "too little data to test for a shift" in report
        assert f"({SPLIT_WORDS}.)" in report
    assert "execution start date (started in its file)" in SPLIT_WORDS
