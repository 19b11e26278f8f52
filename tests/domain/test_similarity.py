"""Which closed improvements a new one can learn from: the words compared, the full-text query,
the order of the matches, and how each is explained."""

from datetime import UTC, datetime

from ci_workflow.domain.improvement.similarity import (
    MAX_TERMS,
    Match,
    SimilarImprovement,
    Verdict,
    closeness,
    match_expression,
    name_key,
    ranked,
    same,
    terms,
)


def test_words_are_folded_without_accents_short_ones_numbers_and_common_words() -> None:
    found = terms(
        "Café TRIAGE: the routing rules, ROUTING again; 42 items under_score a1b",
        "ab x9 Straße improvement",
    )
    # "under" and "improvement" are common words; "_" parts words
    expected = ["cafe", "triage", "routing", "rules", "items", "score", "a1b", "strasse"]
    assert found == expected


def test_three_letters_are_a_word_two_are_not() -> None:
    assert terms("sla kb db 2025 q3x") == ["sla", "q3x"]


def test_at_most_the_first_48_distinct_words_count_across_texts() -> None:
    first = " ".join(f"word{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(47))
    found = terms(first, "wordaa lastone afterit")
    assert len(found) == MAX_TERMS == 48
    assert found[0] == "wordaa" and found[-1] == "lastone"
    assert "afterit" not in found
    assert terms(" ".join(f"w{n:03d}x" for n in range(100)))[-1] == "w047x"


def test_nothing_worth_comparing_is_no_word() -> None:
    assert terms("", "the and for 12345 __") == []


def test_the_query_asks_for_any_word_each_quoted() -> None:
    assert match_expression(["routing", 'say "near"', "title:x*"]) == (
        '"routing" OR "say ""near""" OR "title:x*"'
    )
    assert match_expression(["one"]) == '"one"'
    assert match_expression([]) == ""


def test_names_are_the_same_as_people_type_them() -> None:
    assert same(" Incident Management", "incident management ") is True
    assert same("Incident Management", "Change Enablement") is False
    assert same(None, "Incident Management") is False
    assert same("Incident Management", None) is False
    assert same("", "") is False
    assert same(None, None) is False


def at(day: int) -> datetime:
    return datetime(2026, 1, day, tzinfo=UTC)


def match(
    number: int,
    process: bool = False,
    service: bool = False,
    words: tuple[str, ...] = (),
    score: float = 0.0,
    closed: datetime | None = None,
) -> Match:
    return Match(number, process, service, words, score, closed)


def test_the_same_process_and_service_first_then_either_then_words() -> None:
    both = match(1, True, True)
    process = match(2, process=True)
    service = match(3, service=True, score=-5.0)
    words = match(4, words=("routing",), score=-9.0)
    nothing = match(5, score=-20.0, closed=at(30))
    found = ranked([words, nothing, service, process, both], 10)
    assert [m.improvement_id for m in found] == [1, 3, 2, 4]


def test_within_a_rank_the_closer_text_then_the_more_recent_then_the_newer() -> None:
    close = match(1, words=("a",), score=-3.0, closed=at(1))
    far_recent = match(2, words=("a",), score=-1.0, closed=at(20))
    far_older = match(3, words=("a",), score=-1.0, closed=at(10))
    far_never = match(4, words=("a",), score=-1.0)
    far_never_newer = match(5, words=("a",), score=-1.0)
    found = ranked([far_never, far_older, far_never_newer, far_recent, close], 10)
    assert [m.improvement_id for m in found] == [1, 2, 3, 5, 4]


def test_only_the_limit_is_kept() -> None:
    found = ranked([match(n, words=("a",), score=-float(n)) for n in range(1, 6)], 2)
    assert [m.improvement_id for m in found] == [5, 4]
    assert ranked([match(1, True)], 0) == []


def test_a_names_key_is_how_same_compares_it() -> None:
    assert name_key(" Incident MANAGEMENT ") == "incident management"
    assert name_key("  ") == ""  # a name of blanks is one, if no other's
    assert name_key("") is None and name_key(None) is None


def test_closeness_is_the_order_asked_of_one_improvement_without_a_match() -> None:
    assert closeness(False, False, False, -4.0, at(2), 7) is None
    assert closeness(True, True, False, 0.0, at(2), 7) == (-2, 0.0, -at(2).timestamp(), -7)
    assert closeness(False, True, False, 0.0, None, 8) == (-1, 0.0, -0.0, -8)
    assert closeness(False, False, True, -1.5, at(1), 9) == (0, -1.5, -at(1).timestamp(), -9)
    # what ``ranked`` sorts by: the same order over the same improvements
    matches = [match(1, True, words=("a",), score=-1.0, closed=at(3)), match(2, service=True)]
    keys = sorted(
        (
            closeness(
                m.same_process,
                m.same_service,
                bool(m.shared_words),
                m.score,
                m.closed_at,
                m.improvement_id,
            ),
            m.improvement_id,
        )
        for m in matches
    )
    assert [i for _, i in keys] == [m.improvement_id for m in ranked(matches, 10)] == [1, 2]


def similar(**kw: object) -> SimilarImprovement:
    fields: dict[str, object] = {
        "id": "IMP-0004",
        "title": "Faster routing",
        "process": "Incident Management",
        "service": None,
        "closed_at": at(3),
        "verdicts": (),
        "lessons": None,
        "same_process": False,
        "same_service": False,
        "shared_words": (),
    }
    fields.update(kw)
    return SimilarImprovement(**fields)  # type: ignore[arg-type]


def test_why_an_improvement_was_picked() -> None:
    assert similar(same_process=True, same_service=True, shared_words=("routing", "queue")).why == (
        "same process; same service; shared words: routing, queue"
    )
    assert similar(same_service=True).why == "same service"
    assert similar(same_process=True).why == "same process"
    assert similar(shared_words=("queue",)).why == "shared words: queue"
    assert similar().why == "recently closed"


def test_how_it_did() -> None:
    verdicts = (Verdict("mttr_hours", "met"), Verdict("csat", "partially met"))
    assert similar(verdicts=verdicts).outcome == "mttr_hours met, csat partially met"
    assert similar().outcome == "no objectives"
