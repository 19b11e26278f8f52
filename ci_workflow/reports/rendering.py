"""The Jinja environment of the reports: autoescaped HTML, strict about missing values, and the
filters that show numbers as people read them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ci_workflow.formatting import (
    days,
    fact,
    hours,
    money,
    number,
    one_line,
    p_value,
    percent,
    plain,
    quantity,
    share,
    when,
)
from ci_workflow.resources import resource_path

# Markdown's own characters: links and images (``[x](javascript:…)``, ``![](https://tracker)``),
# emphasis and code. Escaped with a backslash they show as typed and do nothing.
_MARKDOWN = re.compile(r"([\\`*_\[\]()!|~])")
_MARKS = "¹²³⁴⁵⁶⁷⁸⁹"


def markdown_text(value: Any) -> str:
    """User text inside Markdown: shown as typed, never as HTML, a link, an image or a broken
    table (Prefect renders artifacts and resume forms as HTML)."""
    text = one_line(str(value), limit=100_000)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", text)


@dataclass
class Unknowns:
    """The reasons of one table's n/a cells, each said once, under the table: a cell says
    ``n/a``, with a mark (``n/a²``) when the table has more than one reason, numbered in the
    order the cells are read."""

    reasons: tuple[str, ...]
    read: list[str] = field(default_factory=list)

    def cell(self, figure: Any) -> str:
        """``n/a`` and the mark of the figure's reason."""
        reason = _reason(figure)
        if reason in self.reasons and reason not in self.read:
            self.read.append(reason)
        return "n/a" + self._mark(reason)

    @property
    def note(self) -> str:
        """``n/a: none closed.``, or each reason after its mark."""
        if len(self.reasons) < 2:
            return "".join(f"n/a: {r}." for r in self.reasons)
        said = [*self.read, *(r for r in self.reasons if r not in self.read)]
        return "; ".join(f"n/a{self._mark(r)} {r}" for r in said) + "."

    def _mark(self, reason: str | None) -> str:
        if len(self.reasons) < 2 or reason not in self.reasons:
            return ""
        if reason not in self.read:
            self.read.append(reason)
        at = self.read.index(reason)
        return _MARKS[at] if at < len(_MARKS) else f"({at + 1})"


def unknowns(*tables: Any) -> Unknowns:
    """The reasons of the figures without a value found in ``tables`` (dicts, lists and
    dataclasses, walked in reading order), each once."""
    reasons: dict[str, None] = {}
    for found in tables:
        for figure in _figures(found):
            reason = _reason(figure)
            if _value(figure) is None and reason:
                reasons[reason] = None
    return Unknowns(tuple(reasons))


def _figures(found: Any) -> Iterator[Any]:
    """Everything in ``found`` with a ``value`` and a ``reason`` (a KPI, a figure)."""
    if isinstance(found, dict):
        if "value" in found and "reason" in found:
            yield found
        else:
            for inner in found.values():
                yield from _figures(inner)
    elif is_dataclass(found) and not isinstance(found, type):
        if hasattr(found, "value") and hasattr(found, "reason"):
            yield found
        else:
            for f in fields(found):
                yield from _figures(getattr(found, f.name))
    elif isinstance(found, list | tuple):
        for inner in found:
            yield from _figures(inner)


def _value(figure: Any) -> Any:
    return figure["value"] if isinstance(figure, dict) else figure.value


def _reason(figure: Any) -> str | None:
    reason = figure["reason"] if isinstance(figure, dict) else figure.reason
    return str(reason) if reason else None


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
        share=share,
        hours=hours,
        p_value=p_value,
        plain=plain,  # text people typed, in a plain-text e-mail
        oneline=one_line,
    )
    env.globals.update(unknowns=unknowns, fact=fact)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
