"""The installed product: a real wheel, a real ``improve`` process, no Prefect on the way."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.processes import free_port

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def fresh_python(code: str, *, cwd: Path, env: dict[str, str]) -> str:
    """What ``code`` prints in a fresh interpreter on this checkout (it must succeed)."""
    result = run([sys.executable, "-c", code], cwd=cwd, env=env | {"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("IMPROVE_", "PREFECT_"))}
    clean["IMPROVE_HOME"] = str(tmp_path / "home")
    clean.pop("PYTHONPATH", None)
    return clean


@pytest.mark.slow
def test_the_wheel_carries_flows_templates_and_migrations_and_works_alone(
    tmp_path: Path, env: dict[str, str]
) -> None:
    built = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        cwd=tmp_path,
        env=env,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "ci_workflow/_resources/flows/improvement_lifecycle.py" in names
    assert "ci_workflow/_resources/prefect.yaml" in names
    assert not any(n.startswith("flows/") for n in names)  # no top-level package called flows
    assert "ci_workflow/_resources/migrations/versions/0001_initial_register.py" in names
    assert any(n.startswith("ci_workflow/_resources/templates/") for n in names)
    assert any(n.endswith("entry_points.txt") for n in names)

    # Unpacked elsewhere and run from an unrelated folder: no file of the checkout is used.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env["PYTHONPATH"] = str(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = "import ci_workflow, sys; print(ci_workflow.__file__)"
    assert run([sys.executable, "-c", code], cwd=elsewhere, env=env).stdout.startswith(str(site))
    init = run([sys.executable, "-m", "ci_workflow", "init"], cwd=elsewhere, env=env)
    assert init.returncode == 0, init.stderr
    assert "ready (schema none → 0030)" in init.stdout


def improve(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "improve"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "ci_workflow"]
    return run([*command, *args], cwd=cwd, env=env)


def test_a_real_process_reports_errors_in_one_line_with_the_right_code(
    tmp_path: Path, env: dict[str, str]
) -> None:
    not_ready = improve(env, tmp_path, "list")
    assert (not_ready.returncode, not_ready.stderr) == (
        1,
        "error: the register is not initialised: run `improve init`\n",
    )
    assert improve(env, tmp_path, "init").returncode == 0
    usage = improve(env, tmp_path, "list", "--sort", "colour")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("key: [\n")
    failed = improve(env, tmp_path, "apply", str(broken))
    assert failed.returncode == 1
    assert failed.stderr.splitlines()[-1] == f"error: {broken}: 1 problem, nothing was written"


def test_register_commands_do_not_import_prefect(tmp_path: Path, env: dict[str, str]) -> None:
    assert improve(env, tmp_path, "init").returncode == 0
    code = (
        "import sys\n"
        "from ci_workflow.cli.app import app\n"
        "for args in (['list', '--json'], ['people', 'list'], ['export', '--format', 'json']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit as exit:\n"
        "        assert exit.code == 0, args\n"
        "print('prefect loaded' if 'prefect' in sys.modules else 'prefect not loaded')\n"
    )
    assert fresh_python(code, cwd=tmp_path, env=env).endswith("prefect not loaded")


def test_deciding_and_reading_a_run_do_not_import_prefect(
    tmp_path: Path, env: dict[str, str]
) -> None:
    # `improve approve` and the workspace answer a run over Prefect's REST API: importing Prefect
    # would cost ≈ 1 s of CPU, as much as the rest of the command.
    code = (
        "import sys\n"
        "from ci_workflow.cli import lifecycle\n"
        "from ci_workflow.errors import OrchestratorUnavailable\n"
        "from ci_workflow.orchestration.runs import PrefectRuns\n"
        "run = '9a885d9d-b313-47c7-8d95-79fe958f78ad'\n"
        "for call in (lambda: PrefectRuns().resume(run, 'plan-approval-1', {}),\n"
        "             lambda: PrefectRuns().state(run), lambda: PrefectRuns().cancel(run)):\n"
        "    try:\n"
        "        call()\n"
        "    except OrchestratorUnavailable:\n"
        "        pass\n"
        "print('prefect loaded' if 'prefect' in sys.modules else 'prefect not loaded')\n"
    )
    closed = env | {"PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    assert fresh_python(code, cwd=tmp_path, env=closed).endswith("prefect not loaded")


def loaded_by_tasks(calls: str, watched: set[str], *, cwd: Path, env: dict[str, str]) -> str:
    """Which of ``watched`` a fresh interpreter has loaded after running the lifecycle's tasks
    ``calls`` (their plain functions) as a flow process would: each imports its services, then
    stops at the register, which is not initialised here, so nothing is written."""
    code = (
        "import sys\n"
        "from ci_workflow.orchestration import tasks\n"
        f"for call in ({calls},):\n"
        "    try:\n"
        "        call()\n"
        "    except Exception as error:\n"
        "        assert type(error).__name__ == 'StoreNotReady', error\n"
        f"print(sorted(m for m in sys.modules if m in {sorted(watched)!r}))\n"
    )
    return fresh_python(code, cwd=cwd, env=env)


def test_a_flow_process_opening_a_gate_does_not_load_the_reports(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """Every start and every decision is a fresh flow process (Prefect's engine): the stages it
    runs to reach the next gate import their services, and not the review and practice reports
    (with their charts and statistics), which only the review and consolidation stages need."""
    calls = (
        "lambda: tasks.define.fn(1, 'run'), "
        "lambda: tasks.open_gate.fn(1, 'plan_approval', 1, 'run'), "
        "lambda: tasks.decide.fn(1, 'plan_approval', 1, {})"
    )
    reports = {
        "ci_workflow.reports.review",
        "ci_workflow.reports.practice",
        "ci_workflow.reports.charts",
        "ci_workflow.domain.measures.practice_stats",
    }
    assert loaded_by_tasks(calls, reports, cwd=tmp_path, env=env) == "[]"


def test_a_flow_process_deciding_a_gate_does_not_load_the_capture(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """A decision's flow process records the decision and opens the next gate (the define stage
    before it is cached): it does not load the capture, its sources and the sustainment watch,
    which only the stages that measure (define, review) run."""
    calls = (
        "lambda: tasks.decide.fn(1, 'plan_approval', 1, {}), "
        "lambda: tasks.open_gate.fn(1, 'execution_complete', 1, 'run')"
    )
    capture = {
        "ci_workflow.services.measurement.capture",
        "ci_workflow.services.measurement._source_reads",
        "ci_workflow.domain.improvement.sources",
        "ci_workflow.services.measurement.sustainment",
    }
    assert loaded_by_tasks(calls, capture, cwd=tmp_path, env=env) == "[]"


def test_the_version_is_the_installed_packages_and_loads_nothing_heavy(
    tmp_path: Path, env: dict[str, str]
) -> None:
    from importlib.metadata import version

    shown = improve(env, tmp_path, "--version")
    assert (shown.returncode, shown.stdout) == (0, f"improve {version('ci-workflow')}\n")
    code = (
        "import sys\n"
        "from ci_workflow.cli.app import app\n"
        "try:\n"
        "    app(['--version'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0\n"
        "heavy = ('prefect', 'rich', 'fastapi', 'alembic', 'uvicorn')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    assert fresh_python(code, cwd=tmp_path, env=env).endswith("[]")


# Neither the SQLModel tables, nor SQLModel and the ORM under them, nor pydantic-settings: each
# would add a third or more to `improve list` and `improve gates` (docs/performance.md).
NOT_FOR_READING = ("ci_workflow.store.tables", "sqlmodel", "sqlalchemy.orm", "pydantic_settings")


@pytest.mark.parametrize("words", [["list", "--json"], ["list"]])
def test_the_register_list_loads_neither_the_orm_nor_the_tables_nor_other_commands(
    tmp_path: Path, env: dict[str, str], words: list[str]
) -> None:
    """`improve list` reads through Core clauses (``store.register.register_tables``) on a
    connection of ``store.db.reading``, and its entry point imports its command's module alone;
    its JSON needs no Rich."""
    assert improve(env, tmp_path, "init").returncode == 0
    heavy = NOT_FOR_READING + (("rich",) if "--json" in words else ())
    code = (
        "import sys\n"
        "from ci_workflow.cli.app import main\n"
        f"sys.argv = ['improve', *{words!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        f"print(sorted(m for m in sys.modules if m.startswith({heavy!r})))\n"
        "print(sorted(m for m in sys.modules if m.startswith('ci_workflow.cli.')))\n"
    )
    *_, loaded, commands = fresh_python(code, cwd=tmp_path, env=env).splitlines()
    assert loaded == "[]"
    assert commands == str(
        ["ci_workflow.cli._common", "ci_workflow.cli.app", "ci_workflow.cli.register"]
    )


# Two improvements waiting, one at plan approval, one at the end of execution with an objective
# never measured (a warning, its objectives evaluated): everything `improve gates` reads.
WAITING = """
import sys, uuid
from ci_workflow.cli.app import main
from ci_workflow.services.lifecycle.gate_opening import open_gate
from tests.helpers import improvement_doc, move_to, write_yaml
from pathlib import Path
commands = [
    ['people', 'add', 'Carmen Ruiz', '--email', 'c@example.org', '--role', 'ci_manager'],
    ['people', 'add', 'Omar Haddad', '--email', 'o@example.org',
     '--role', 'process_owner:Incident Management'],
    ['people', 'add', 'Lena Fischer', '--email', 'l@example.org'],
    ['people', 'add', 'Priya Nair', '--email', 'p@example.org'],
    ['apply', str(write_yaml(Path('.'), improvement_doc(owner='Lena Fischer'), 'a.yaml')),
     str(write_yaml(Path('.'), improvement_doc(key='other', title='Other'), 'b.yaml'))],
]
for args in commands:
    sys.argv = ['improve', *args]
    try:
        main()
    except SystemExit as exit:
        assert not exit.code, exit.code
move_to('planned', 'IMP-0002')
open_gate(2, 'plan_approval', 1, str(uuid.uuid4()))
move_to('executing', 'IMP-0001')
open_gate(1, 'execution_complete', 1, str(uuid.uuid4()))
print('ready')
"""


def test_the_waiting_gates_load_neither_the_store_tables_nor_the_shapes(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """`improve gates --json` reads the gates and their warnings through Core clauses
    (``store.gate_reads``) on a connection of ``store.db.reading`` and prints plain dicts:
    defining the SQLModel tables and the pydantic shapes, and Rich, would double its start-up
    (docs/performance.md)."""
    assert improve(env, tmp_path, "init").returncode == 0
    assert fresh_python(WAITING, cwd=tmp_path, env=env).endswith("ready")
    code = (
        "import json, sys, io\n"
        "from ci_workflow.cli.app import main\n"
        "sys.argv = ['improve', 'gates', '--json']\n"
        "out, sys.stdout = sys.stdout, io.TextIOWrapper(io.BytesIO())\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "sys.stdout.flush()\n"
        "gates = json.loads(sys.stdout.buffer.getvalue())\n"
        "sys.stdout = out\n"
        "print([(g['id'], g['key'], [w['kind'] for w in g['warnings']]) for g in gates])\n"
        f"heavy = {(*NOT_FOR_READING, 'ci_workflow.schemas', 'rich', 'scipy')!r}\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
        "print(sorted(m for m in sys.modules if m.startswith('ci_workflow.cli.')))\n"
    )
    shown, heavy, commands = fresh_python(code, cwd=tmp_path, env=env).splitlines()
    assert shown == str(
        [("IMP-0002", "plan-approval-1", []), ("IMP-0001", "execution-complete-1", ["unmeasured"])]
    )
    assert heavy == "[]"
    assert commands == str(
        ["ci_workflow.cli._common", "ci_workflow.cli.app", "ci_workflow.cli.lifecycle"]
    )
