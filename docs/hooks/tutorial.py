"""The tutorial's browser steps, written once in docs/hooks/tutorial_browser.yaml: this hook
puts them in the page where it says ``<!-- browser-steps -->``; tests/docs/test_tutorial.py
performs the same steps in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

STEPS = Path(__file__).resolve().parent / "tutorial_browser.yaml"
MARK = "<!-- browser-steps -->"


def browser_steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = yaml.safe_load(STEPS.read_text(encoding="utf-8"))
    return steps


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if MARK not in markdown:
        return markdown
    return markdown.replace(MARK, render(browser_steps()))


def render(steps: list[dict[str, Any]]) -> str:
    out: list[str] = []
    for number, step in enumerate(steps, start=1):
        out.append(f"{number}. {step['say']}\n")
        for action in step["do"]:
            (kind, value), *_ = action.items()
            if kind in ("fill", "choose"):
                rows = "\n".join(f"    | {label} | `{shown}` |" for _, label, shown in value)
                out.append(f"    | field | value |\n    | --- | --- |\n{rows}\n")
            elif kind == "run":
                out.append(f"    ```console\n    $ {value}\n    ```\n")
            elif kind == "shot":  # the page as the test saw it at this step
                out.append(f"    ![The workspace at this step](../img/{value})\n")
    return "\n".join(out)
