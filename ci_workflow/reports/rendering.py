"""The Jinja environment of the reports: autoescaped HTML, strict about missing values, and the
filters that show numbers as people read them."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ci_workflow.formatting import days, money, number, percent, quantity, when
from ci_workflow.resources import resource_path


def markdown_text(value: Any) -> str:
    """User text inside Markdown: no HTML and no broken tables (Prefect shows it as HTML)."""
    text = str(value)
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("\n", " ")):
        text = text.replace(raw, safe)
    return text


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(resource_path("templates")),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=number,
        money=money,
        percent=percent,
        when=when,
        days=days,
        md=markdown_text,
        quantity=quantity,
    )
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
