"""Signed decisions: the web workspace, its API and the CLI sign each answer they send to a gate
with a key only they and the flows hold (``IMPROVE_SECRET_KEY``). The flow checks the signature:
an answer typed into the Prefect UI's form, or sent straight to Prefect's API, has none, so who
typed its **by** field is not verified."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

# What a decision carries besides who sent it: each is signed too, so an answer whose comment,
# lessons or figures were changed after signing no longer holds.
CARRIED = ("comment", "lessons", "realised_gain", "actual_cost")


def carried(answer: Mapping[str, object]) -> dict[str, object]:
    """The carried fields an answer holds, as they are signed: empty ones left out, numbers as
    floats (the form's ``1500`` and the flow's ``1500.0`` are one figure)."""
    found: dict[str, object] = {}
    for name in CARRIED:
        value = answer.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            found[name] = float(value)
        else:
            found[name] = str(value)
    return found


def decision_signature(
    key: bytes,
    *,
    flow_run_id: str,
    gate_key: str,
    decision: str,
    by: str,
    channel: str,
    principal: str,
    carries: Mapping[str, object] | None = None,
) -> str:
    """HMAC-SHA256 over what the decision says and who sent it (JSON: no ambiguous joins).
    ``carries`` (see ``carried``) is signed after the six, as a JSON object with sorted keys;
    a decision that carries nothing is signed over the six alone."""
    signed: list[object] = [flow_run_id, gate_key, decision, by, channel, principal]
    says = carried(carries or {})
    if says:  # a whole answer that carries nothing is signed like a decision alone
        signed.append(says)
    message = json.dumps(signed, sort_keys=True)
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def signature_holds(
    key: bytes, signature: str, *, carries: Mapping[str, object] | None = None, **fields: str
) -> bool:
    """``fields`` and ``carries`` as ``decision_signature`` takes them."""
    if not signature:
        return False
    return hmac.compare_digest(decision_signature(key, carries=carries, **fields), signature)
