"""Everything a decision carries is signed: its comment, lessons and figures as well as who sent
it. The expected signatures are computed here with ``hmac`` directly (issue 24 #2)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from ci_workflow.domain.authority.signing import carried, decision_signature, signature_holds

KEY = b"a test key of thirty-two bytes!!"
WHO = {
    "flow_run_id": "5f0c1d2e-0000-4000-8000-000000000001",
    "gate_key": "review-signoff-1",
    "decision": "accept",
    "by": "Omar Haddad",
    "channel": "cli",
    "principal": "os:omar",
}
SAYS = {
    "comment": "Good work",
    "lessons": "Route by category",
    "realised_gain": 45000.0,
    "actual_cost": 12000.0,
}


def by_hand(says: dict[str, object]) -> str:
    six = [WHO[k] for k in ("flow_run_id", "gate_key", "decision", "by", "channel", "principal")]
    message = json.dumps([*six, dict(sorted(says.items()))]).encode()
    return hmac.new(KEY, message, hashlib.sha256).hexdigest()


def test_the_signature_covers_what_the_decision_says() -> None:
    assert decision_signature(KEY, carries=SAYS, **WHO) == by_hand(SAYS)
    assert signature_holds(KEY, by_hand(SAYS), carries=SAYS, **WHO)


@pytest.mark.parametrize(
    ("name", "forged"),
    [
        ("comment", "FORGED"),
        ("lessons", "FORGED"),
        ("realised_gain", 99999999.0),
        ("actual_cost", 0.0),
    ],
)
def test_a_forged_field_breaks_the_signature(name: str, forged: object) -> None:
    signature = decision_signature(KEY, carries=SAYS, **WHO)
    assert not signature_holds(KEY, signature, carries={**SAYS, name: forged}, **WHO)


def test_a_field_added_or_dropped_after_signing_breaks_it() -> None:
    signature = decision_signature(KEY, carries={"lessons": "x"}, **WHO)
    assert not signature_holds(KEY, signature, carries={"lessons": "x", "actual_cost": 1}, **WHO)
    assert not signature_holds(KEY, signature, carries={}, **WHO)


def test_the_same_figure_written_two_ways_is_one_figure() -> None:
    # A form sends 1500, the flow's input model holds 1500.0; empty fields are no fields.
    signature = decision_signature(KEY, carries={"realised_gain": 1500, "comment": ""}, **WHO)
    assert signature_holds(
        KEY, signature, carries={"realised_gain": 1500.0, "lessons": None}, **WHO
    )
    assert carried({"realised_gain": 1500, "comment": "", "lessons": None, "by": "x"}) == {
        "realised_gain": 1500.0
    }


def test_a_whole_answer_carrying_nothing_holds_the_signature_of_the_decision_alone() -> None:
    # What the flow checks: the whole answer as the form held it, its carried fields empty.
    signature = decision_signature(KEY, **WHO)
    answer = {**WHO, "signature": signature, "comment": "", "lessons": "", "realised_gain": None}
    assert signature_holds(KEY, signature, carries=answer, **WHO)
