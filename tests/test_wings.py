"""The house's second set of rules, read from the code (imports inside functions too):

- ``services/`` is wings named for what people do there, stacked: a wing imports only wings
  below it in ``WINGS``; a ``_module`` is used only inside its own wing; ``views`` never writes;
- no folder of the package holds more than twelve modules;
- no import circle anywhere in the package;
- the formatter runs on everything: at most ten ``# fmt: skip`` in the package;
- every permission check goes through ``permissions.allowed`` (the one door).

Each rule is also broken once on a copy of the code, to show the test can fail.
"""

from __future__ import annotations

import ast
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Bottom first: a wing may import the wings before it in this list, never those after it.
WINGS = ("people", "views", "measurement", "reporting", "lifecycle", "register", "intake")
MAX_MODULES = 12
MAX_FMT_SKIPS = 10
# The words that write: a view calling one of them is not a view.
WRITES = ("record_event", "change_status", "add", "delete", "merge", "flush", "commit")


def modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in (root / "ci_workflow").rglob("*.py"):
        if "_resources" in path.parts:
            continue
        name = ".".join(path.relative_to(root).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> Iterator[tuple[int, str]]:
    """Every module of the package ``path`` imports, anywhere in it: ``from a import b`` names
    the module ``a.b`` when there is one, else ``a``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                inner = f"{node.module}.{alias.name}"
                yield node.lineno, inner if inner in known else node.module


def wing_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if parts[:2] == ["ci_workflow", "services"] and len(parts) > 3 else None


def wing_violations(root: Path) -> list[str]:
    known = modules(root)
    found = []
    for name, path in sorted(known.items()):
        mine = wing_of(name)
        for line, target in imports(path, known):
            theirs = wing_of(target)
            if theirs is None or theirs == mine:
                continue
            where = f"{path.relative_to(root).as_posix()}:{line}"
            if target.rsplit(".", 1)[-1].startswith("_"):
                found.append(f"{where} uses {target}, private to the {theirs} wing")
            elif mine is not None and WINGS.index(theirs) > WINGS.index(mine):
                found.append(f"{where}: the {mine} wing imports {target}, a wing above it")
    return found


def crowded_folders(root: Path) -> list[str]:
    package = root / "ci_workflow"
    folders = [package, *(p for p in package.rglob("*") if p.is_dir() and "__" not in p.name)]
    counts = {f: len([m for m in f.glob("*.py") if m.name != "__init__.py"]) for f in folders}
    return [f"{f.relative_to(root)}: {n} modules" for f, n in counts.items() if n > MAX_MODULES]


def writing_views(root: Path) -> list[str]:
    found = []
    for path in sorted((root / "ci_workflow" / "services" / "views").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            reads_only = any(
                k.arg == "write" and isinstance(k.value, ast.Constant) and k.value.value is False
                for k in node.keywords
            )
            if called in WRITES or (called == "transaction" and not reads_only):
                found.append(f"{path.relative_to(root).as_posix()}:{node.lineno} {called}")
    return found


def circles(root: Path) -> list[list[str]]:
    """Every set of modules that import each other round a circle (Tarjan's components)."""
    known = modules(root)
    edges = {
        m: {t for _, t in imports(p, known) if t in known and t != m} for m, p in known.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = stack[stack.index(v) :]
            del stack[stack.index(v) :]
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(known)))
    try:
        for v in sorted(edges):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


def fmt_skips(root: Path) -> list[str]:
    return [
        f"{path.relative_to(root).as_posix()}:{n}"
        for path in sorted((root / "ci_workflow").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "fmt: skip" in line or "fmt: off" in line
    ]


def doors_skipped(root: Path) -> list[str]:
    """Calls of a ``may_*`` rule from outside ``domain/authority/permissions.py``: every check is
    ``allowed(action, person, parties)``, so a new channel cannot forget one."""
    door = root / "ci_workflow" / "domain" / "permissions.py"
    found = []
    for path in sorted((root / "ci_workflow").rglob("*.py")):
        if path == door:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "ci_workflow.domain.authority.permissions"
            ):
                for alias in node.names:
                    if alias.name.startswith("may_"):
                        where = f"{path.relative_to(root).as_posix()}:{node.lineno}"
                        found.append(f"{where} imports {alias.name}")
    return found


def test_wings_import_only_wings_below_and_keep_their_private_modules() -> None:
    assert wing_violations(ROOT) == []


def test_no_folder_of_the_package_is_crowded() -> None:
    assert crowded_folders(ROOT) == []


def test_views_never_write() -> None:
    assert writing_views(ROOT) == []


def test_no_import_circle_anywhere() -> None:
    assert circles(ROOT) == []


def test_the_formatter_runs_on_everything() -> None:
    assert len(fmt_skips(ROOT)) <= MAX_FMT_SKIPS, fmt_skips(ROOT)


def test_every_permission_check_goes_through_the_one_door() -> None:
    assert doors_skipped(ROOT) == []


def test_each_rule_fails_when_broken(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "ci_workflow", tmp_path / "ci_workflow")
    services = tmp_path / "ci_workflow" / "services"

    def append(relative: str, text: str) -> None:
        path = services / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    # A wing reaching up (inside a function, where it used to hide), and a private module used
    # from another wing.
    append(
        "people/notifications.py",
        "\n\ndef late():\n    from ci_workflow.services.lifecycle import start\n",
    )
    append("reporting/practice.py", "\nfrom ci_workflow.services.measurement import _off_track\n")
    assert wing_violations(tmp_path) == [
        "ci_workflow/services/people/notifications.py:"
        f"{len((services / 'people/notifications.py').read_text().splitlines())}: the people wing "
        "imports ci_workflow.services.lifecycle.start, a wing above it",
        "ci_workflow/services/reporting/practice.py:"
        f"{len((services / 'reporting/practice.py').read_text().splitlines())} uses "
        "ci_workflow.services.measurement._off_track, private to the measurement wing",
    ]
    # A circle closed by a function-local import: my_work reads through shapes.
    assert circles(tmp_path) == []
    append(
        "views/shapes.py", "\n\ndef late():\n    from ci_workflow.services.views import my_work\n"
    )
    assert ["ci_workflow.services.views.my_work", "ci_workflow.services.views.shapes"] in circles(
        tmp_path
    )
    # A view that writes.
    append("views/my_work.py", "\n\ndef touch(session):\n    session.add(None)\n")
    lines = len((services / "views/my_work.py").read_text().splitlines())
    assert writing_views(tmp_path) == [f"ci_workflow/services/views/my_work.py:{lines} add"]
    # A crowded wing.
    intake = services / "intake"
    for n in range(MAX_MODULES):
        (intake / f"extra_{n}.py").write_text('"""x"""\n', encoding="utf-8")
    count = len(list(intake.glob("*.py"))) - 1
    assert crowded_folders(tmp_path) == [f"ci_workflow/services/intake: {count} modules"]
    # A crowded folder of rules (every folder of the package counts, not only the wings).
    stages = tmp_path / "ci_workflow" / "domain" / "stages"
    for n in range(MAX_MODULES):
        (stages / f"extra_{n}.py").write_text('"""x"""\n', encoding="utf-8")
    assert f"ci_workflow/domain/stages: {len(list(stages.glob('*.py'))) - 1} modules" in (
        crowded_folders(tmp_path)
    )
    # The formatter switched off line by line.
    append("intake/ideas.py", "".join(f"X{n} = 1  # fmt: skip\n" for n in range(MAX_FMT_SKIPS + 1)))
    assert len(fmt_skips(tmp_path)) > MAX_FMT_SKIPS
    # A rule called around the door.
    append("intake/triage.py", "\nfrom ci_workflow.domain.authority.permissions import may_edit\n")
    (found,) = doors_skipped(tmp_path)
    assert found.startswith("ci_workflow/services/intake/triage.py:") and "may_edit" in found
