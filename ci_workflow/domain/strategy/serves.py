"""What an improvement's file says of the strategy: the strategic objectives it serves, each
with the contribution it expects, and the one programme it belongs to.

``serves:`` lists objectives by key, either as the key alone or as a mapping with the expected
contribution in words (``{objective: restore-faster, contribution: "MTTR -2 h on network"}``);
a key alone is a contribution not stated. ``programme:`` names at most one programme. Keys are
checked against the strategy in force when the validation context holds it (``"strategy"``:
``StrategyKeys``); an unknown key is refused with its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ci_workflow.domain.strategy.currencies import DEFAULT_CURRENCY
from ci_workflow.domain.text import ONE_LINE

Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Contribution = Annotated[str, Field(max_length=200), ONE_LINE]
MAX_SERVES = 20
SHOW = "see: improve strategy show"


@dataclass(frozen=True)
class StrategyKeys:
    """The keys of the strategy in force: its objectives and its programmes."""

    objectives: frozenset[str]
    programmes: frozenset[str]
    currency: str = DEFAULT_CURRENCY  # the organisation's; rates: (code, rate) into it
    rates: tuple[tuple[str, float], ...] = ()


def _keys(info: ValidationInfo) -> StrategyKeys | None:
    found = (info.context or {}).get("strategy")
    return found if isinstance(found, StrategyKeys) else None


class ServeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    objective: Key
    contribution: Contribution = ""

    @model_validator(mode="before")
    @classmethod
    def _key_alone(cls, data: Any) -> Any:
        return {"objective": data} if isinstance(data, str) else data

    @field_validator("objective")
    @classmethod
    def _objective_known(cls, key: str, info: ValidationInfo) -> str:
        keys = _keys(info)
        if keys is not None and key not in keys.objectives:
            raise ValueError(f"unknown strategic objective {key!r} ({SHOW})")
        return key


def check_serves(serves: list[ServeSpec]) -> list[ServeSpec]:
    """Each objective once."""
    seen: set[str] = set()
    for serve in serves:
        if serve.objective in seen:
            raise ValueError(f"objective {serve.objective!r} appears twice")
        seen.add(serve.objective)
    return serves


def check_programme(key: str | None, info: ValidationInfo) -> str | None:
    keys = _keys(info)
    if key is not None and keys is not None and key not in keys.programmes:
        raise ValueError(f"unknown programme {key!r} ({SHOW})")
    return key


Serves = Annotated[list[ServeSpec], Field(max_length=MAX_SERVES), AfterValidator(check_serves)]
Programme = Annotated[Key, AfterValidator(check_programme)]


def as_written(serves: list[ServeSpec]) -> list[str | dict[str, str]]:
    """``serves`` as a file gives it: the key alone where no contribution is stated."""
    return [
        {"objective": s.objective, "contribution": s.contribution}
        if s.contribution
        else s.objective
        for s in serves
    ]


Link = tuple[str, str, str]  # (kind, key, contribution)
SERVES, PROGRAMME = "serves", "programme"


def links(serves: list[ServeSpec], programme: str | None) -> list[Link]:
    """What the register keeps of a file's ``serves`` and ``programme``, in the order it reads
    them back (programme first, then the objectives as the file lists them)."""
    found: list[Link] = [(PROGRAMME, programme, "")] if programme else []
    return found + [(SERVES, s.objective, s.contribution) for s in serves]


def link_changes(held: list[Link], wanted: list[Link]) -> list[tuple[str, str, str]]:
    """(field, old, new) for ``serves`` and ``programme`` where the file changes them, the
    values as the audit trail shows them ("" for none)."""
    found = []
    for kind in (SERVES, PROGRAMME):
        old = [_shown(link) for link in held if link[0] == kind]
        new = [_shown(link) for link in wanted if link[0] == kind]
        if old != new:
            found.append((kind, ", ".join(old), ", ".join(new)))
    return found


def _shown(link: Link) -> str:
    return f"{link[1]} ({link[2]})" if link[2] else link[1]


def serves_text(serves: object) -> str:
    """``serves`` as the form's field shows it: ``KEY`` or ``KEY: contribution``, one a line."""
    lines = []
    for serve in serves if isinstance(serves, list) else []:
        if isinstance(serve, dict):
            said = serve.get("contribution") or ""
            lines.append(f"{serve.get('objective', '')}: {said}" if said else serve["objective"])
        else:
            lines.append(str(serve))
    return "\n".join(lines)


def serves_of(text: str) -> list[str | dict[str, str]]:
    """The form's ``serves`` field read back: blank lines skipped."""
    found: list[str | dict[str, str]] = []
    for line in text.splitlines():
        key, colon, said = line.partition(":")
        if not key.strip():
            continue
        said = said.strip()
        found.append(
            {"objective": key.strip(), "contribution": said} if colon and said else key.strip()
        )
    return found
