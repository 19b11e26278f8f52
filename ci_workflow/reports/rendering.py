"""The Jinja environment of the reports: autoescaped HTML, strict about missing values, and the
filters that show numbers as people read them."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ci_workflow.formatting import days, money, number, one_line, percent, plain, quantity, when
from ci_workflow.resources import resource_path

# Markdown's own characters: links and images (``[x](javascript:…)``, ``![](https://tracker)``),
# emphasis and code. Escaped with a backslash they show as typed and do nothing.
_MARKDOWN = re.compile(r"([\\`*_\[\]()!|~])")


def markdown_text(value: Any) -> str:
    """User text inside Markdown: shown as typed, never as HTML, a link, an image or a broken
    table (Prefect renders artifacts and resume forms as HTML)."""
    text = one_line(str(value), limit=100_000)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", text)


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
        plain=plain,  # text people typed, in a plain-text e-mail
        oneline=one_line,
    )
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
