"""The one rounding rule: how every number reaches people, on pages, in reports, e-mails, the
CLI's tables and the CSV export (JSON keeps full precision: machines read it).

- Three significant digits, at most two decimals, trailing zeros dropped: ``9.32``, ``93.3``,
  ``0.08``, ``-3.56``; from 100 on, whole: ``1,400``, ``12,346`` (thousands separated).
- What would round to nothing says so: ``< 0.01``, ``> -0.01``; ``0`` is ``0``.
- Nothing (``None``, not a number) is ``n/a``; text (``measure``) stays as it is.
- In a CSV cell, the same without thousands separators: ``12000``.
- Per cent to one decimal at most: ``7.7 %``, ``108 %``; a share (0.077) is shown as one.
- Durations in hours under two days, in days from two days on: ``36 h``, ``2.5 days``.
- A p-value as people read it: ``p < 0.001``, ``p = 0.03``.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

NOTHING = "n/a"
DIGITS = 3
_WIDE = Context(prec=400)  # every digit of the largest float, 1.8e308


def number(value: Any, decimals: int = 2) -> str:
    """``value`` by the rule, with at most ``decimals`` decimals."""
    if value is None:
        return NOTHING
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, Decimal):
        value = float(value)
    if not isinstance(value, float) or not math.isfinite(value):
        return NOTHING
    size = abs(value)
    places = (
        0 if size >= 10 ** (DIGITS - 1) or size == 0 else DIGITS - 1 - math.floor(math.log10(size))
    )
    # Half up, as people round (14.25 is 14.3), from the float's shortest text.
    step = Decimal(1).scaleb(-min(decimals, places))
    shown = f"{Decimal(repr(value)).quantize(step, ROUND_HALF_UP, _WIDE):,f}"
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    if shown.lstrip("-") != "0":
        return shown
    if value == 0:
        return "0"
    least = f"{10.0**-decimals:g}"
    return f"< {least}" if value > 0 else f"> -{least}"


def cell(value: float) -> str:
    """A number for a spreadsheet's cell: the rule without thousands separators (``12000``,
    ``9.32``), so the spreadsheet reads it as a number."""
    return number(value).replace(",", "")


def quantity(value: Any, unit: str = "") -> str:
    """A number with its unit: ``9.5 h``, ``7.7 %``; ``n/a`` alone when there is none."""
    if unit == "%" and isinstance(value, int | float) and not isinstance(value, bool):
        return percent(value)
    shown = number(value)
    return f"{shown} {unit}" if unit and shown != NOTHING else shown


def money(value: float | None) -> str:
    """Money is whole: ``12,000``."""
    return NOTHING if value is None else f"{value:,.0f}"


def percent(value: float | None) -> str:
    """A value already in per cent (``achieved_pct``): ``83 %``, ``7.7 %``."""
    return NOTHING if value is None else f"{number(value, decimals=1)} %"


def share(value: float | None) -> str:
    """A share of one (0.077) in per cent: ``7.7 %``."""
    return NOTHING if value is None else percent(value * 100)


def signed(value: float) -> str:
    """A change with its sign: ``+2.5``, ``-1,200``, ``0``."""
    shown = number(value)
    return f"+{shown}" if value > 0 and shown[0].isdigit() else shown


def signed_percent(value: float) -> str:
    """A change already in per cent, with its sign: ``+25 %``, ``-7.7 %``."""
    shown = percent(value)
    return f"+{shown}" if value > 0 and shown[0].isdigit() else shown


def directed_change(better: float, direction: str) -> str:
    """A relative change read in its metric's own direction. ``better`` is the share by which
    the metric moved the way it should (0.767: 76.7 % better; negative: worse); ``direction``
    is ``increase`` (higher is better) or ``decrease`` (lower is better).
    ``76.7 % reduction (lower is better)``, ``10 % reduction (higher is better: worse)``."""
    up = direction == "increase"
    own = better if up else -better  # the metric's own change, up or down
    moved = (
        "no change"
        if own == 0
        else percent(abs(own) * 100) + (" increase" if own > 0 else " reduction")
    )
    return f"{moved} ({'higher' if up else 'lower'} is better{': worse' if better < 0 else ''})"


def days(value: float | None) -> str:
    """A duration given in days: ``5 h`` and ``36 h`` under two days, ``3.2 days`` after."""
    if value is None:
        return NOTHING
    if abs(value) < 2:
        return f"{number(value * 24)} h"
    return f"{number(value)} days"


def hours(value: float | None) -> str:
    """A duration given in hours, by the same rule as ``days``: ``9.5 h``, ``6 days``."""
    return NOTHING if value is None else days(value / 24)


def p_value(value: float | None) -> str:
    """``p < 0.001`` below a thousandth, else ``p = 0.03`` (three decimals at most)."""
    if value is None:
        return NOTHING
    return "p < 0.001" if value < 0.001 else f"p = {number(value, decimals=3)}"
