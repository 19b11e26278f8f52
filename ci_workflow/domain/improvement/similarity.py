"""Which closed improvements a new one can learn from, and why: the words worth comparing, the
full-text query made of them, and the order the matches are shown in. No I/O.

- Words: letters and digits, lower case, accents dropped, at least ``MIN_LENGTH`` long, not all
  digits, not a common word; the first ``MAX_TERMS`` distinct ones, so a title's words always
  count and a long description cannot make the query unbounded.
- The query asks for any of the words, each one quoted: what a person typed (``NEAR``, ``*``,
  ``"``, parentheses, ``title:``) is only ever a word to look for, never FTS5 syntax.
- Order: the same process and service first, then the same process or service, then shared
  words alone; within each, the closer text match (bm25), then the more recently closed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ci_workflow.domain.stages.lifecycle import Status

MIN_LENGTH = 3
MAX_TERMS = 48
# While the improvement is still being shaped: lessons can change its plan before approval.
LOOKING_BACK = frozenset(
    {Status.identified, Status.defined, Status.planned, Status.awaiting_approval}
)
# English function words, and words every improvement says, which would match them all.
STOP_WORDS = frozenset(
    """
    about above after again against all also and any are because been before being below
    between both but can could did does doing down during each few for from further had has
    have having her here hers him his how into its itself just more most not now off once only
    other our ours out over own same she should some such than that the their theirs them then
    there these they this those through too under until very was were what when where which
    while who whom why will with would you your yours
    improve improved improvement improvements process service services
    """.split()  # noqa: SIM905  # a paragraph of words reads better than 100 quoted ones
)
_WORD = re.compile(r"[^\W_]+")


def terms(*texts: str) -> list[str]:
    """The distinct words of ``texts`` worth matching, in the order they first appear."""
    found: dict[str, None] = {}
    for text in texts:
        folded = unicodedata.normalize("NFKD", text).casefold()
        plain = "".join(c for c in folded if not unicodedata.combining(c))
        for word in _WORD.findall(plain):
            if len(word) >= MIN_LENGTH and not word.isdigit() and word not in STOP_WORDS:
                found.setdefault(word)
                if len(found) == MAX_TERMS:
                    return list(found)
    return list(found)


def match_expression(words: Sequence[str]) -> str:
    """An FTS5 query for any of ``words``, each a quoted string (a quote inside doubled)."""
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in words)


def name_key(name: str | None) -> str | None:
    """A process (or service) name as ``same`` compares it; None for no name."""
    return name.strip().casefold() if name else None


def same(first: str | None, second: str | None) -> bool:
    """Whether two process (or service) names are the same, as people type them."""
    key = name_key(first)
    return key is not None and key == name_key(second)


@dataclass(frozen=True)
class Match:
    """A closed improvement found like the one in hand."""

    improvement_id: int
    same_process: bool
    same_service: bool
    shared_words: tuple[str, ...]
    score: float  # FTS5's bm25: the more negative, the closer; 0.0 when no word is shared
    closed_at: datetime | None


def closeness(
    same_process: bool,
    same_service: bool,
    shares_words: bool,
    score: float,
    closed_at: datetime | None,
    improvement_id: int,
) -> tuple[int, float, float, int] | None:
    """Where a closed improvement comes in ``ranked``'s order, the smaller the closer (no two
    improvements alike); None when it has neither the process, the service nor a word in
    common. Asked of thousands of closed improvements before a ``Match`` is made of a few."""
    if not (same_process or same_service or shares_words):
        return None
    return (
        -(same_process + same_service),
        score,
        -(closed_at.timestamp() if closed_at else 0.0),
        -improvement_id,
    )


def ranked(matches: Iterable[Match], limit: int) -> list[Match]:
    """The ``limit`` most alike; a match with neither the process, the service nor a word in
    common is none."""
    keyed = []
    for m in matches:
        key = closeness(
            m.same_process,
            m.same_service,
            bool(m.shared_words),
            m.score,
            m.closed_at,
            m.improvement_id,
        )
        if key is not None:
            keyed.append((key, m))
    return [m for _, m in sorted(keyed)[:limit]]  # no two keys alike: no match is compared


@dataclass(frozen=True)
class Verdict:
    metric: str
    verdict: str  # as ``evaluation.verdict`` says it: met, partially met, not met, not measured


@dataclass(frozen=True)
class SimilarImprovement:
    """A closed improvement as it is shown next to a new one: what it was, how it did, what it
    taught, and why it was picked."""

    id: str
    title: str
    process: str
    service: str | None
    closed_at: datetime | None
    verdicts: tuple[Verdict, ...]
    lessons: str | None
    same_process: bool
    same_service: bool
    shared_words: tuple[str, ...]

    @property
    def why(self) -> str:
        reasons = [
            *(["same process"] if self.same_process else []),
            *(["same service"] if self.same_service else []),
            *([f"shared words: {', '.join(self.shared_words)}"] if self.shared_words else []),
        ]
        return "; ".join(reasons) or "recently closed"

    @property
    def outcome(self) -> str:
        return ", ".join(f"{v.metric} {v.verdict}" for v in self.verdicts) or "no objectives"
