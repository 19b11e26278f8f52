"""Edges of the password rules: the longest password allowed, a password refused as "yours" only
when an e-mail address or a name is given, and the local part is what precedes the first "@"."""

from ci_workflow.domain.authority.passwords import (
    LONG_ENOUGH,
    MAX_LENGTH,
    NOT_REPEATED,
    NOT_TOO_LONG,
    NOT_YOURS,
    broken_rules,
)


def test_the_longest_password_allowed_is_256_characters() -> None:
    assert MAX_LENGTH == 256
    longest = "ab" * 128
    assert len(longest) == 256
    assert broken_rules(longest) == []
    assert broken_rules(longest + "c") == [NOT_TOO_LONG]


def test_without_an_address_or_a_name_nothing_is_yours() -> None:
    assert broken_rules("XXXX") == [LONG_ENOUGH, NOT_REPEATED]
    assert broken_rules("xxxx", email="lena@example.org") == [LONG_ENOUGH, NOT_REPEATED]
    assert broken_rules("xxxx", name="Lena") == [LONG_ENOUGH, NOT_REPEATED]
    assert broken_rules("XXXXyyyyZZ") == []


def test_the_name_in_an_address_is_what_precedes_the_first_at_sign() -> None:
    email = "lena.fischer@old@example.org"
    assert broken_rules("Lena.Fischer", email=email) == [NOT_YOURS]
    assert broken_rules("lena.fischer@old", email=email) == []
