"""A signed decision holds only for exactly what was signed, with the key that signed it.

The expected signature is computed here with ``hmac`` directly, so the message format (a JSON list
of the six fields, in order) is pinned: a web workspace and a flow of different versions must
still agree on it.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from ci_workflow.domain.authority.signing import decision_signature, signature_holds

KEY = b"a test key of thirty-two bytes!!"
FIELDS = {
    "flow_run_id": "5f0c1d2e-0000-4000-8000-000000000001",
    "gate_key": "plan-approval-1",
    "decision": "approve",
    "by": "Olga Owner",
    "channel": "web",
    "principal": "olga@example.org",
}
ORDER = ("flow_run_id", "gate_key", "decision", "by", "channel", "principal")


def by_hand(key: bytes, fields: dict[str, str]) -> str:
    message = json.dumps([fields[name] for name in ORDER]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def test_the_signature_is_hmac_sha256_over_the_six_fields_as_a_json_list() -> None:
    assert decision_signature(KEY, **FIELDS) == by_hand(KEY, FIELDS)


def test_a_signature_holds_for_what_was_signed() -> None:
    assert signature_holds(KEY, by_hand(KEY, FIELDS), **FIELDS)


@pytest.mark.parametrize("name", ORDER)
def test_a_signature_does_not_hold_once_any_signed_field_is_altered(name: str) -> None:
    signature = by_hand(KEY, FIELDS)
    altered = {**FIELDS, name: FIELDS[name] + "x"}
    assert decision_signature(KEY, **altered) != signature
    assert not signature_holds(KEY, signature, **altered)


def test_fields_do_not_run_into_each_other() -> None:
    # "Olga" + "Owner web" and "Olga Owner" + "web" join to the same text; the JSON list does not.
    shifted = {**FIELDS, "by": "Olga", "channel": "Owner web"}
    joined = {**FIELDS, "by": "Olga Owner", "channel": "web"}
    assert decision_signature(KEY, **shifted) != decision_signature(KEY, **joined)


def test_an_empty_signature_never_holds() -> None:
    assert not signature_holds(KEY, "", **FIELDS)


def test_a_signature_made_with_another_key_does_not_hold() -> None:
    other = by_hand(b"another key, same length as it!!", FIELDS)
    assert other != by_hand(KEY, FIELDS)
    assert not signature_holds(KEY, other, **FIELDS)


@pytest.mark.parametrize("forged", ["0" * 64, "x", by_hand(KEY, FIELDS)[:-1]])
def test_a_made_up_signature_does_not_hold(forged: str) -> None:
    assert not signature_holds(KEY, forged, **FIELDS)
