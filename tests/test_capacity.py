"""How many flows a machine runs at once by default: a few per core, a quarter of the memory."""

from __future__ import annotations

import pytest

from ci_workflow.orchestration.capacity import default_concurrent_runs

GIB = 2**30


@pytest.mark.parametrize(
    ("cores", "memory", "expected"),
    [
        (2, 24 * GIB, 8),  # this machine kind: the cores decide (4 a core)
        (16, 4 * GIB, 10),  # a small memory decides: 1 GiB for flows at 100 MB each
        (1, 64 * 2**20, 1),  # never less than one
        (0, 8 * GIB, 4),  # an unknown core count counts as one
    ],
)
def test_the_default_comes_from_cores_and_memory(cores: int, memory: int, expected: int) -> None:
    assert default_concurrent_runs(cores, memory) == expected


def test_a_setting_overrides_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from ci_workflow.orchestration.serve import concurrent_runs
    from ci_workflow.settings import get_settings

    monkeypatch.setenv("IMPROVE_MAX_CONCURRENT_RUNS", "3")
    get_settings.cache_clear()
    assert concurrent_runs() == 3
    monkeypatch.delenv("IMPROVE_MAX_CONCURRENT_RUNS")
    get_settings.cache_clear()
    assert concurrent_runs() >= 1
