"""The password rules: every rule a password breaks is named, in the order the forms list them."""

from ci_workflow.domain.authority.passwords import RULES, broken_rules, refusal


def test_a_password_keeping_every_rule_breaks_none() -> None:
    assert broken_rules("correct horse battery", email="lena@example.org", name="Lena") == []
    assert broken_rules("x" * 9 + "y") == []  # ten characters, two kinds


def test_every_rule_broken_is_named_in_the_order_shown() -> None:
    assert broken_rules("aaaa") == [RULES[0], RULES[3]]
    assert broken_rules("b" * 257) == [RULES[1], RULES[3]]
    assert broken_rules("  Lena.Fischer ", email="lena.fischer@example.org") == [RULES[2]]
    assert broken_rules("LENA@EXAMPLE.ORG", email="lena@example.org") == [RULES[2]]
    assert broken_rules("Lena Fischer", email="x@example.org", name="lena fischer") == [RULES[2]]
    assert broken_rules("1234567890") == []  # no composition rule


def test_the_refusal_is_one_line_with_each_rule() -> None:
    assert refusal([RULES[0]]) == "the password breaks 1 rule: at least 10 characters"
    assert refusal([RULES[0], RULES[3]]) == (
        "the password breaks 2 rules: at least 10 characters; "
        "not one character repeated (like aaaaaaaaaa)"
    )
