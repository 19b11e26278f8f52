"""Prefect's settings follow ours, re-read only when a PREFECT_* variable changed: a planning
round configures Prefect before each of its starts, and re-reading costs 0.05 s each time."""

from __future__ import annotations

import pytest

from ci_workflow.orchestration import configure_prefect


def test_prefect_reads_its_settings_again_only_when_they_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import prefect.context
    from prefect.settings import get_current_settings

    reads: list[str] = []
    read_settings = prefect.context.refresh_global_settings_context

    def counted() -> None:
        reads.append("read")
        read_settings()

    monkeypatch.setattr(prefect.context, "refresh_global_settings_context", counted)
    first, second = "http://127.0.0.1:9/configure-first", "http://127.0.0.1:9/configure-second"
    monkeypatch.setenv("PREFECT_API_URL", first)
    configure_prefect()
    configure_prefect()
    assert (get_current_settings().api.url, len(reads)) == (first, 1)

    monkeypatch.setenv("PREFECT_API_URL", second)
    configure_prefect()
    configure_prefect()
    assert (get_current_settings().api.url, len(reads)) == (second, 2)
