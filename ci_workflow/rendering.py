"""The Jinja environment of the reports: autoescaped HTML, strict about missing values."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ci_workflow.resources import resource_dir


def number(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.{digits}g}" if isinstance(value, float) else f"{value:,}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} %"


def when(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M")


def markdown_text(value: Any) -> str:
    """User text inside Markdown: no HTML and no broken tables (Prefect shows it as HTML)."""
    text = str(value)
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("\n", " ")):
        text = text.replace(raw, safe)
    return text


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(resource_dir("templates")),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(number=number, percent=percent, when=when, md=markdown_text)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
