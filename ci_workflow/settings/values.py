"""Reading one setting: its field (default, meaning, bounds), a value from its variable's
text by the field's type, a secret that is never shown. ``ci_workflow.settings`` holds the
settings themselves."""

from __future__ import annotations

import math
import operator
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any, Literal

from ci_workflow.errors import BadSetting

_TRUE, _FALSE = {"1", "true", "t", "yes", "y", "on"}, {"0", "false", "f", "no", "n", "off"}


class Secret:
    """A value that is never shown: printed, logged or in a traceback's locals it is stars."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"


def setting(
    *,
    default: Any,
    description: str,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    check: Callable[[str], None] | None = None,
) -> Any:
    """A setting's field: its default, what it means (the settings page), its bounds."""
    bounds = {k: v for k, v in (("ge", ge), ("gt", gt), ("le", le)) if v is not None}
    meta = {"description": description, "bounds": bounds, "check": check}
    return field(default=default, metadata=meta)


def parsed(variable: str, raw: str, hint: Any, meta: Mapping[str, Any]) -> Any:
    """``raw`` as the setting's type, or BadSetting saying what it must be."""
    kinds = [k for k in typing.get_args(hint) if k is not type(None)]
    optional = typing.get_origin(hint) in (typing.Union, types.UnionType)
    kind = kinds[0] if optional else hint
    if optional and not raw.strip():
        return None
    try:
        value = _as(kind, raw.strip() if kind in (int, float, bool) else raw)
        _within(value, meta["bounds"])
        if meta["check"]:
            meta["check"](value)
    except ValueError as error:
        shown = "" if kind is Secret else f"={raw!r}"  # a secret is not repeated, even when bad
        raise BadSetting(f"{variable}{shown}: {error}") from None
    return value


def _as(kind: Any, raw: str) -> Any:
    if typing.get_origin(kind) is Literal:
        choices = typing.get_args(kind)
        if raw not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return raw
    if kind is bool:
        if raw.lower() not in _TRUE | _FALSE:
            raise ValueError("must be true or false")
        return raw.lower() in _TRUE
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError("must be a whole number") from None
    if kind is float:
        try:
            number = float(raw)
        except ValueError:
            raise ValueError("must be a number") from None
        if not math.isfinite(number):
            raise ValueError("must be a finite number")
        return number
    return kind(raw)  # str, Path, Secret


_BOUNDS = {"ge": (operator.ge, "≥"), "gt": (operator.gt, ">"), "le": (operator.le, "≤")}


def _within(value: Any, bounds: Mapping[str, float]) -> None:
    """Bounds in the words of the settings page: ``≥ 1``, ``> 0``, ``≤ 60``."""
    for name, limit in bounds.items():
        holds, sign = _BOUNDS[name]
        if not holds(value, limit):
            raise ValueError(f"must be {sign} {limit}")
