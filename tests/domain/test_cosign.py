"""A co-signed review sign-off: which sides a person may sign, when a signature is taken and when
the sign-off is complete, and how the trail records a signature."""

from __future__ import annotations

import pytest

from ci_workflow.domain.authority.cosign import (
    BOTH,
    PROCESS_SIDE,
    SERVICE_SIDE,
    sides,
    signature_detail,
    signer_of,
    take,
)
from ci_workflow.domain.authority.people import Grant, PersonView
from ci_workflow.domain.authority.permissions import Parties
from ci_workflow.domain.vocabulary import Role

PARTIES = Parties("Incident Management", int("1000"), int("1002"), frozenset(), "Email", True)
PO = Grant(Role.process_owner, "Incident Management")
SO = Grant(Role.service_owner, "Email")


def someone(*grants: Grant) -> PersonView:
    return PersonView(int("2000"), "Sam", "sam@example.org", frozenset(grants))


def test_the_sides_are_the_process_owner_and_the_service_owner() -> None:
    assert BOTH == ("process owner", "service owner")
    assert (PROCESS_SIDE, SERVICE_SIDE) == BOTH


@pytest.mark.parametrize(
    ("grants", "expected"),
    [
        ((PO,), ["process owner"]),
        ((SO,), ["service owner"]),
        ((SO, PO), ["process owner", "service owner"]),
        ((Grant(Role.ci_manager),), ["process owner"]),
        ((Grant(Role.ci_manager), SO), ["process owner", "service owner"]),
        ((Grant(Role.service_owner, "VPN"),), []),
        ((Grant(Role.data_analyst),), []),
    ],
)
def test_the_sides_a_person_may_sign(grants: tuple[Grant, ...], expected: list[str]) -> None:
    assert sides(someone(*grants), PARTIES) == expected


def test_a_service_owner_signs_nothing_where_the_review_is_not_co_signed() -> None:
    alone = Parties("Incident Management", 1000, 1002, frozenset(), "Email", False)
    assert sides(someone(SO), alone) == []
    assert sides(someone(SO, PO), alone) == ["process owner"]


@pytest.mark.parametrize(
    ("signed", "name", "its_sides", "expected"),
    [
        ({}, "Pia", ["process owner"], ("process owner", False)),
        ({}, "Sid", ["service owner"], ("service owner", False)),
        ({"process owner": "Pia"}, "Sid", ["service owner"], ("service owner", True)),
        ({"service owner": "Sid"}, "Pia", ["process owner"], ("process owner", True)),
        # Someone who may sign both sides takes the process side first, the other one after it.
        ({}, "Bo", ["process owner", "service owner"], ("process owner", False)),
        (
            {"process owner": "Pia"},
            "Bo",
            ["process owner", "service owner"],
            ("service owner", True),
        ),
        (
            {"service owner": "Sid"},
            "Bo",
            ["process owner", "service owner"],
            ("process owner", True),
        ),
        (
            {"process owner": "Pia"},
            "Pia",
            ["process owner", "service owner"],
            "Pia has signed already; a service owner must co-sign",
        ),
        (
            {"service owner": "Sid"},
            "Sid",
            ["service owner"],
            "Sid has signed already; a process owner must co-sign",
        ),
        (
            {"process owner": "Pia"},
            "Carmen",
            ["process owner"],
            "the process owner side is signed already; a service owner must co-sign",
        ),
        (
            {"service owner": "Sid"},
            "Sam",
            ["service owner"],
            "the service owner side is signed already; a process owner must co-sign",
        ),
    ],
)
def test_a_signature_is_taken_once_per_side_and_by_two_people(
    signed: dict[str, str], name: str, its_sides: list[str], expected: tuple[str, bool] | str
) -> None:
    assert take(signed, name, its_sides) == expected


def test_the_trail_records_a_signature_and_reads_it_back() -> None:
    detail = signature_detail("review-signoff-2", "Ann: the Analyst", "service owner")
    assert detail == "review-signoff-2: Ann: the Analyst signed as service owner"
    assert signer_of(detail) == ("service owner", "Ann: the Analyst")
    assert signer_of("review-signoff-2: Pia signed as process owner") == ("process owner", "Pia")
    # A name may hold the words themselves: the side is what follows their last use.
    odd = signature_detail("review-signoff-2", "Bo signed as Al", "process owner")
    assert signer_of(odd) == ("process owner", "Bo signed as Al")


@pytest.mark.parametrize(
    "detail",
    [
        "review-signoff-2: Pia signed as nobody",
        "review-signoff-2: Pia approved",
        "review-signoff-2 Pia signed as process owner",
        "",
    ],
)
def test_anything_else_in_the_trail_is_no_signature(detail: str) -> None:
    assert signer_of(detail) is None
