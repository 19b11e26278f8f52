"""`make demo`: the main job on embedded defaults, end to end, as a user would run it.

A fresh register in ./.demo (SQLite), the sample people (each with the demo password) and
improvements, and a year of practice replayed on generated history through the use cases
(``demo_history``: about 30 improvements in every stage, imported incidents and changes, ideas
and findings); a local Prefect server, `improve serve` and the web workspace (`improve web`);
then one improvement walks live through every gate with the sample people: approved in the
workspace (signed in over HTTP, as a browser would), executed, reviewed and closed from the CLI.
Everything it starts is stopped at the end.
"""

from __future__ import annotations

import base64
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / ".demo"
BIN = Path(sys.executable).parent
IMPROVE = str(BIN / "improve")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PORT = free_port()
API = f"http://127.0.0.1:{PORT}/api"
WEB_PORT = free_port()
WEB = f"http://127.0.0.1:{WEB_PORT}"
# The demo accounts' password: this register is the demo's own, on this machine only.
DEMO_PASSWORD = "improve-demo"
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("IMPROVE_", "PREFECT_"))},
    "IMPROVE_HOME": str(HOME),
    "IMPROVE_PREFECT_API_URL": API,
    "IMPROVE_WEB_URL": WEB,
}


def improve(*args: str, quiet: bool = False, stdin: str | None = None) -> str:
    if not quiet:
        print(f"$ improve {' '.join(args)}", flush=True)
    done = subprocess.run([IMPROVE, *args], env=ENV, text=True, capture_output=True, input=stdin)
    if done.returncode != 0:
        sys.exit(f"improve {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    if not quiet and done.stdout.strip():
        print(done.stdout.rstrip(), flush=True)
    return done.stdout


def improve_together(*commands: tuple[str, ...]) -> None:
    """Several read-only commands run at once, their output printed in the order given."""
    running = [
        subprocess.Popen([IMPROVE, *args], env=ENV, text=True, stdout=subprocess.PIPE)
        for args in commands
    ]
    for args, process in zip(commands, running, strict=True):
        out, _ = process.communicate()
        print(f"$ improve {' '.join(args)}\n{out.rstrip()}", flush=True)
        if process.returncode != 0:
            sys.exit(f"improve {' '.join(args)} failed")


def background(*args: str, log: str) -> subprocess.Popen[bytes]:
    with (HOME / log).open("ab") as out:
        return subprocess.Popen(
            [IMPROVE, *args], env=ENV, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(*processes: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM to all at once, then SIGKILL to any still running after the grace period."""
    for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 10)):
        running = [p for p in processes if p is not None and p.poll() is None]
        for process in running:
            os.killpg(process.pid, sig)
        deadline = time.monotonic() + grace
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                continue


def wait(what: str, check, timeout: float = 120, pause: float = 0.3) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(pause)
    sys.exit(f"gave up waiting for {what}; see the logs in {HOME}")


def server_up() -> bool:
    with urllib.request.urlopen(f"{API}/health", timeout=2) as answer:
        return bool(answer.status == 200)


def prefect_get(path: str) -> dict[str, object]:
    # `improve server` asks for the user:password it generated in IMPROVE_HOME/prefect_auth.
    secret = base64.b64encode((HOME / "prefect_auth").read_bytes().strip()).decode()
    request = urllib.request.Request(f"{API}{path}", headers={"Authorization": f"Basic {secret}"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return dict(json.load(answer))


def lifecycle_served() -> bool:
    served = prefect_get("/deployments/name/improvement-lifecycle/improvement-lifecycle")
    return served.get("status") == "READY"


def workspace_up() -> bool:
    with urllib.request.urlopen(f"{WEB}/sign-in", timeout=2) as answer:
        return bool(answer.status == 200)


class Browser:
    """What a browser does with the workspace's forms: a session cookie, each form's CSRF token."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(f"{WEB}{path}", timeout=30) as answer:
            return str(answer.read().decode())

    def submit(self, page: str, action: str, **fields: str) -> str:
        """Fill the form of ``page`` and send it; the page it leads to."""
        token = re.search(r'name="csrf" value="([^"]+)"', self.get(page))
        assert token, f"no form on {page}"
        data = urllib.parse.urlencode({"csrf": token.group(1), **fields}).encode()
        with self.opener.open(f"{WEB}{action}", data=data, timeout=60) as answer:
            return str(answer.read().decode())


def approve_in_the_workspace(ref: str, email: str, comment: str) -> None:
    print(f"$ (browser) sign in to {WEB} as {email}, open {ref}, approve", flush=True)
    browser = Browser()
    browser.submit("/sign-in", "/sign-in", email=email, password=DEMO_PASSWORD, next="/")
    page = browser.submit(
        f"/improvements/{ref}",
        f"/improvements/{ref}/decide",
        decision="approve",
        comment=comment,
        gate="plan-approval-1",
    )
    said = re.search(r'<p class="message[^"]*" role="status">([^<]+)</p>', page)
    print(f"  workspace says: {said.group(1) if said else 'nothing'}", flush=True)


def plan_done_in_the_workspace(ref: str, email: str, position: int) -> None:
    """The action's owner marks it done on the improvement's page."""
    print(f"$ (browser) sign in as {email}, mark action {position + 1} of {ref} done", flush=True)
    browser = Browser()
    browser.submit("/sign-in", "/sign-in", email=email, password=DEMO_PASSWORD, next="/")
    browser.submit(f"/improvements/{ref}", f"/improvements/{ref}/plan/{position}", status="done")


WATCHER: Browser | None = None  # the CI manager's session, signed in once


def workspace_says(ref: str, gate_or_status: str) -> bool:
    """A cheap look through the workspace's JSON twin: the register has opened the gate, or
    moved the improvement there."""
    global WATCHER
    if WATCHER is None:
        WATCHER = Browser()
        WATCHER.submit(
            "/sign-in",
            "/sign-in",
            email="carmen.ruiz@example.org",
            password=DEMO_PASSWORD,
            next="/",
        )
    page = json.loads(WATCHER.get(f"/api/improvements/{ref}"))
    pending = page["pending"] or {}
    return gate_or_status in (pending.get("key"), page["improvement"]["status"])


FLOW_RUNS: dict[str, str] = {}  # each live improvement's flow run, asked once


def at(ref: str, gate_or_status: str) -> None:
    """The register has opened the gate (or closed the improvement), and its flow run waits
    there (or has finished): asked of the running workspace and Prefect's API, not by starting
    a process per look, which would slow the run it awaits."""
    if ref not in FLOW_RUNS:
        FLOW_RUNS[ref] = json.loads(improve("status", ref, "--json", quiet=True))["flow_run_id"]
    state = "Completed" if gate_or_status == "closed" else "Suspended"
    wait(f"{ref} to reach {gate_or_status}", lambda: workspace_says(ref, gate_or_status))
    wait(
        f"{ref}'s flow run to wait at {gate_or_status}",
        lambda: prefect_get(f"/flow_runs/{FLOW_RUNS[ref]}")["state_name"] == state,
    )
    print(f"  … {ref} is now at {gate_or_status}", flush=True)


def history(*args: str) -> subprocess.Popen[str]:
    """``demo_history`` (the year of practice, through the use cases) in a process of its own."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "demo_history.py"), *args],
        env=ENV,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT / "examples",
    )


def finish(process: subprocess.Popen[str]) -> None:
    out, err = process.communicate()
    if process.returncode != 0:
        sys.exit(f"the demo's history failed:\n{out}{err}")
    print(out.rstrip(), flush=True)


def shown_id(ref: str) -> str:
    workspace_says(ref, "")  # signs the CI manager in, once
    assert WATCHER is not None
    return str(json.loads(WATCHER.get(f"/api/improvements/{ref}"))["improvement"]["id"])


# What the example improvements serve in examples/strategy.yaml, and their programmes: added to
# the demo's copies, so the examples themselves apply on a register without a strategy.
TIES = {
    "network-mttr.yaml": "serves:\n  - objective: restore-faster\n"
    '    contribution: "network MTTR from 9.5 h to 6 h"\nprogramme: network-resilience\n',
    "self-service-reset.yaml": "serves: [self-service-first]\nprogramme: service-desk-2027\n",
}


def tied_to_the_strategy() -> Path:
    """examples/improvements (with its data) copied into the demo's home, each file told what it
    serves and its programme."""
    folder = HOME / "improvements"
    shutil.copytree(ROOT / "examples" / "improvements", folder)
    for name, ties in TIES.items():
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8") + ties, encoding="utf-8")
    return folder


def benefits_recorded_and_validated() -> None:
    """network-mttr's benefits in 2026Q4: the overtime saved, recorded by its owner; both lines
    (the hours saved are measured from mttr_hours) validated by finance; the portfolio."""
    print("\n== network-mttr's benefits: recorded, measured, validated by finance ==", flush=True)
    improve(
        "benefits",
        "record",
        "network-mttr",
        "overtime",
        "2026Q4",
        "2800",
        "--as",
        "Lena Fischer",
        "--note",
        "callout payroll, October and November",
    )
    for line in ("overtime", "engineer-hours"):
        improve("benefits", "validate", "network-mttr", line, "2026Q4", "--as", "Nora Lindqvist")
    improve("benefits", "show", "network-mttr")


def key_result_measured(key: str) -> None:
    """A key result with a source, captured weekly over the year of practice's incidents (the
    scheduled capture does this each week in real use)."""
    today = date.today()
    span = ("--from", f"{today - timedelta(days=364)}", "--to", f"{today - timedelta(days=1)}")
    print(f"$ improve strategy capture {key} {' '.join(span)} --every 7d", flush=True)
    said = improve(
        "strategy", "capture", key, *span, "--every", "7d", "--as", "Carmen Ruiz", quiet=True
    )
    print(said.rstrip().splitlines()[-1], flush=True)


def main() -> None:
    started = time.monotonic()
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir()
    improve("init")
    # The Prefect server boots while the register fills.
    server = background("server", "--port", str(PORT), log="server.log")
    served = web = None
    try:
        print("$ (the people of examples/people.txt, each with the demo password)", flush=True)
        finish(history("--people", DEMO_PASSWORD))
        # The strategy first: the demo's copies of the examples name what they serve in it.
        improve(
            "strategy", "apply", str(ROOT / "examples" / "strategy.yaml"), "--as", "Carmen Ruiz"
        )
        improve("apply", str(tied_to_the_strategy()), "--as", "Carmen Ruiz")
        year = history()  # while the server, improve serve and the workspace start
        web = background("web", "--port", str(WEB_PORT), log="web.log")
        wait("the Prefect server", server_up)
        served = background("serve", log="serve.log")
        wait("improve serve", lifecycle_served)
        wait("the web workspace", workspace_up)

        print("\n== network-mttr, live: approved, executed, reviewed, closed ==", flush=True)
        print("   (meanwhile, a year of practice is replayed on generated history)", flush=True)
        improve("start", "network-mttr", "--as", "Lena Fischer")
        at("network-mttr", "plan-approval-1")
        improve("gates", "network-mttr")
        shown = shown_id("network-mttr")
        approve_in_the_workspace(shown, "omar.haddad@example.org", "Clear targets")
        at("network-mttr", "execution-complete-1")
        # Checkpoints on the sample data's history (the schedule does this weekly in real use).
        improve(
            "backfill",
            "network-mttr",
            "--from",
            "2026-10-05",
            "--to",
            "2026-11-23",
            "--every",
            "7d",
        )
        improve("progress", "network-mttr")
        plan_done_in_the_workspace(shown, "tomas.silva@example.org", 0)
        plan_done_in_the_workspace(shown, "lena.fischer@example.org", 1)
        improve("complete", "network-mttr", "--as", "Tomás Silva", "--confirm")
        at("network-mttr", "review-signoff-1")
        improve(
            "signoff",
            "network-mttr",
            "--as",
            "Omar Haddad",
            "--lessons",
            "Routing rules beat training alone",
            "--realised-gain",
            "38000",
            "--actual-cost",
            "10500",
            "--confirm",
        )
        at("network-mttr", "closed")
        benefits_recorded_and_validated()
        print("\n== the year of practice ==", flush=True)
        finish(year)
        key_result_measured("network-mttr-median")
        print(f"  ({time.monotonic() - started:.0f} s so far)", flush=True)

        improve_together(("list",), ("kpis",), ("practice-report",))
        reports = sorted((HOME / "reports").glob("*.html"))
        print("\nWhere to look:")
        print(f"  register (SQLite):  {HOME / 'improve.db'}")
        print(f"  reports (HTML; Markdown beside them): {len(reports)} in {HOME / 'reports'}")
        for report in (r for r in reports if r.name.startswith(("practice-", "imp-0001-"))):
            print(f"                      {report}")
        print(f"  Prefect runs:       {API.removesuffix('/api')}/runs while the demo runs; later:")
        print(
            f"                      IMPROVE_HOME={HOME} .venv/bin/improve server  (then http://127.0.0.1:4200)"
        )
        print(f"                      signed in with the user:password in {HOME / 'prefect_auth'}")
        print(f"  audit trail:        IMPROVE_HOME={HOME} .venv/bin/improve audit network-mttr")
        plan = "portfolio plan --quarter 2027Q1"
        print(f"  portfolio plan:     IMPROVE_HOME={HOME} .venv/bin/improve {plan}")
        indent = " " * 22
        print(f"  workspace:          IMPROVE_HOME={HOME} .venv/bin/improve web")
        print(f"{indent}then http://127.0.0.1:8765, signed in with the demo password")
        print(f"{indent}{DEMO_PASSWORD!r} as omar.haddad@example.org (process owner),")
        print(f"{indent}carmen.ruiz@example.org (CI manager) or lena.fischer@example.org (owner)")
        print(f"{indent}to decide the gates waiting there: improve server, improve serve, then")
        print(f"{indent}improve reconcile (gives the replayed improvements their Prefect runs)")
        print(f"\nThe demo took {time.monotonic() - started:.0f} s.")
    finally:
        stop(web, served)  # serve pauses its schedules on the server: the server goes last
        stop(server)


if __name__ == "__main__":
    main()
