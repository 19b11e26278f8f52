"""The strategy edited in the workspace (``/strategy``, ``/api/strategy``): the file in force
to start from, then a preview or an apply through the same use case as ``improve strategy
apply`` (``apply_strategy``). A CI manager only, on every channel; refusals are audited.

Key results' source secrets are never shown: a file holding one is shown rewritten with them
masked (its comments dropped), and each mask applied back keeps the secret held."""

from __future__ import annotations

import yaml

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.strategy.masks import masked
from ci_workflow.domain.strict_yaml import load_mapping
from ci_workflow.errors import ImproveError, ValidationFailed
from ci_workflow.schemas_strategy import StrategyApplied, StrategyDocument
from ci_workflow.services.people.refusals import require
from ci_workflow.services.register.strategy.apply import REFUSED, apply_strategy
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.strategy import items as store

NAME = "strategy.yaml"  # the file's name in messages; a CSV source's relative path is read
STARTER = """\
# No strategy applied yet. Goals hold objectives, objectives hold key results; every key is
# unique in the file. See examples/strategy.yaml.
goals:
  - key: my-goal
    title: What the organisation wants
    owner: Your Name
    objectives: []
programmes: []
"""


def may_edit(actor: Actor) -> bool:
    return actor.person is not None and allowed(Action.manage_strategy, actor.person)


def check_editor(actor: Actor) -> None:
    """A CI manager, or an audited refusal (403)."""
    require(may_edit(actor), actor, f"{actor.name} may not edit the strategy: {REFUSED}")


def strategy_document(actor: Actor) -> StrategyDocument:
    check_editor(actor)
    with transaction(write=False) as session:
        latest = store.latest_version(session)
    if latest is None:
        return StrategyDocument(document=STARTER)
    text, hidden = latest.document, False
    try:
        shown, hidden = masked(load_mapping(text, source=latest.source or NAME))
    except ImproveError:
        shown = {}
    if hidden:
        text = yaml.safe_dump(shown, sort_keys=False, allow_unicode=True, width=100)
    return StrategyDocument(
        version=latest.version, applied_by=latest.applied_by, document=text, masked=hidden
    )


def edit_strategy(
    text: str, *, actor: Actor, based_on: int | None, preview: bool
) -> StrategyApplied:
    """Preview or apply ``text``, as edited from version ``based_on`` (0: none applied)."""
    check_editor(actor)
    name = str(get_settings().home_dir / "applied" / NAME)
    try:
        return apply_strategy(name, text, actor=actor, preview=preview, based_on=based_on)
    except ValidationFailed as failed:  # said of the file as the editor knows it
        shown = [problem.replace(name, NAME, 1) for problem in failed.problems]
        raise ValidationFailed(NAME, shown) from None
