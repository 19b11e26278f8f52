"""The rules a workspace password keeps, few and said before anyone types one (as NIST SP
800-63B asks: long enough, nothing the person is known by, not one character over and over;
no composition rules, which make passwords harder to remember and no harder to guess)."""

from __future__ import annotations

MIN_LENGTH = 10
MAX_LENGTH = 256  # hashing cost stays bounded; a passphrase fits many times over

LONG_ENOUGH = f"at least {MIN_LENGTH} characters"
NOT_TOO_LONG = f"at most {MAX_LENGTH} characters"
NOT_YOURS = "not your e-mail address or your name"
NOT_REPEATED = "not one character repeated (like aaaaaaaaaa)"
# In the order the forms and `--help` show them.
RULES = (LONG_ENOUGH, NOT_TOO_LONG, NOT_YOURS, NOT_REPEATED)


def broken_rules(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Every rule ``password`` breaks, in the order of ``RULES``; none: it may be used."""
    broken = []
    if len(password) < MIN_LENGTH:
        broken.append(LONG_ENOUGH)
    if len(password) > MAX_LENGTH:
        broken.append(NOT_TOO_LONG)
    known = {k.casefold() for k in (email, email.partition("@")[0], name) if k.strip()}
    if password.strip().casefold() in known:
        broken.append(NOT_YOURS)
    if len(set(password)) == 1:
        broken.append(NOT_REPEATED)
    return broken


def refusal(broken: list[str]) -> str:
    """One line naming every rule broken: ``the password breaks 2 rules: at least 10 ...``."""
    noun = "rule" if len(broken) == 1 else "rules"
    return f"the password breaks {len(broken)} {noun}: " + "; ".join(broken)
