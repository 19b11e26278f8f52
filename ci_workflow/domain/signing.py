"""Signed decisions: the web workspace, its API and the CLI sign each answer they send to a gate
with a key only they and the flows hold (``IMPROVE_SECRET_KEY``). The flow checks the signature:
an answer typed into the Prefect UI's form, or sent straight to Prefect's API, has none, so who
typed its **by** field is not verified."""

from __future__ import annotations

import hashlib
import hmac
import json


def decision_signature(
    key: bytes,
    *,
    flow_run_id: str,
    gate_key: str,
    decision: str,
    by: str,
    channel: str,
    principal: str,
) -> str:
    """HMAC-SHA256 over what the decision says and who sent it (JSON: no ambiguous joins)."""
    message = json.dumps([flow_run_id, gate_key, decision, by, channel, principal])
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def signature_holds(key: bytes, signature: str, **fields: str) -> bool:
    """``fields`` as ``decision_signature`` takes them."""
    if not signature:
        return False
    return hmac.compare_digest(decision_signature(key, **fields), signature)
