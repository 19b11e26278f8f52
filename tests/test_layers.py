"""The house's rules, checked on every import of every module (lazy ones too):

- ``domain`` is pure: it imports no other layer, no Prefect, no persistence;
- ``store`` imports neither services, wings, orchestration, the CLI nor Prefect;
- the wings (``metrics``, ``reports``, ``opportunities``) import neither services,
  orchestration, the CLI nor Prefect;
- ``services`` import neither orchestration, the CLI nor Prefect;
- the web workspace imports neither the store nor the wings: it calls the use cases;
- only ``orchestration`` and ``flows/`` import Prefect; nothing outside the CLI imports it, and
  only the CLI imports the web workspace.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "domain": (
        "ci_workflow.store",
        "ci_workflow.services",
        "ci_workflow.metrics",
        "ci_workflow.reports",
        "ci_workflow.opportunities",
        "ci_workflow.orchestration",
        "ci_workflow.schemas",
        "ci_workflow.settings",
        "sqlmodel",
    ),
    "store": (
        "ci_workflow.services",
        "ci_workflow.metrics",
        "ci_workflow.reports",
        "ci_workflow.opportunities",
        "ci_workflow.orchestration",
        "ci_workflow.schemas",
    ),
    "metrics": ("ci_workflow.services", "ci_workflow.orchestration"),
    "reports": ("ci_workflow.services", "ci_workflow.orchestration"),
    "opportunities": ("ci_workflow.services", "ci_workflow.orchestration"),
    "services": ("ci_workflow.orchestration", "ci_workflow.web"),
    "orchestration": ("ci_workflow.web",),
    # The workspace is a face like the CLI: it calls the use cases, never the store itself.
    "web": ("ci_workflow.store", "ci_workflow.metrics", "ci_workflow.opportunities"),
}
PREFECT_ALLOWED = ("ci_workflow/orchestration/", "flows/")


def imported(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def violations(root: Path) -> list[str]:
    """Every import that breaks a rule, as ``path:line imports module``."""
    found = []
    sources = [*(root / "ci_workflow").rglob("*.py"), *(root / "flows").rglob("*.py")]
    for path in sorted(sources):
        where = path.relative_to(root).as_posix()
        if "/_resources/" in where:
            continue
        parts = where.split("/")
        layer = parts[1] if parts[0] == "ci_workflow" and len(parts) > 2 else ""
        # The CLI is the top: only the CLI itself and the module entry point may import it.
        cli_allowed = layer == "cli" or where == "ci_workflow/__main__.py"
        refused = FORBIDDEN.get(layer, ()) + (() if cli_allowed else ("ci_workflow.cli",))
        if layer not in ("cli", "web"):
            refused += ("ci_workflow.web",)
        for line, module in imported(path):
            prefect = module.split(".")[0] == "prefect" and not where.startswith(PREFECT_ALLOWED)
            if prefect or any(module == r or module.startswith(r + ".") for r in refused):
                found.append(f"{where}:{line} imports {module}")
    return found


def test_every_layer_keeps_to_its_imports() -> None:
    assert violations(ROOT) == []


def test_the_contract_catches_a_forbidden_import(tmp_path: Path) -> None:
    for folder in ("ci_workflow", "flows"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    rules = tmp_path / "ci_workflow" / "domain" / "stages" / "gates.py"
    rules.write_text(rules.read_text() + "\nfrom prefect import flow\n", encoding="utf-8")
    service = tmp_path / "ci_workflow" / "services" / "register" / "browse.py"
    service.write_text(
        service.read_text() + "\n\ndef late():\n    from ci_workflow.cli import app\n",
        encoding="utf-8",
    )
    found = violations(tmp_path)
    assert len(found) == 2
    assert (
        found[0].startswith("ci_workflow/domain/stages/gates.py:") and "imports prefect" in found[0]
    )
    assert found[1].startswith("ci_workflow/services/register/browse.py:")
    assert found[1].endswith("imports ci_workflow.cli")


def test_modules_and_functions_stay_small() -> None:
    """No module over 300 lines, no function over 60, unless its docstring says why ("Long:")."""
    too_big = []
    for path in sorted((ROOT / "ci_workflow").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        where = path.relative_to(ROOT).as_posix()
        if len(text.splitlines()) > 300 and "Long:" not in (ast.get_docstring(tree) or ""):
            too_big.append(f"{where}: {len(text.splitlines())} lines")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > 60 and "Long:" not in (ast.get_docstring(node) or ""):
                    too_big.append(f"{where}:{node.lineno} {node.name}: {size} lines")
    assert too_big == []
