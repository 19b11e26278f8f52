"""The in-process CLI driver of the tests behaves as a process of its own would: a log handler
left behind on a stream since closed (Prefect sets one up on its first import, on whatever
stderr a test had then: a capsys buffer closed at that test's end) does not turn the next
command's warnings into a logging traceback (seen under pytest-xdist, where the order of files
differs)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from prefect.logging.handlers import PrefectConsoleHandler

from ci_workflow.settings import get_settings
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml

DEAD = "http://127.0.0.1:9/metrics"  # nothing listens on the discard port


def test_a_handler_left_by_an_earlier_command_logs_the_next_ones_warnings(
    cli: Cli, people: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPROVE_HTTP_ALLOW", "127.0.0.0/8")
    get_settings.cache_clear()
    source = {"kind": "http", "url": DEAD, "path": "value", "retries": 0, "timeout": 5}
    cli.ok(
        "apply",
        str(write_yaml(tmp_path, improvement_doc(objectives=[objective_doc(source=source)]))),
    )
    move_to("executing")
    gone = [io.StringIO(), io.StringIO()]
    left = [logging.StreamHandler(gone[0]), PrefectConsoleHandler(stream=gone[1])]
    for handler, stream in zip(left, gone, strict=True):
        logging.getLogger().addHandler(handler)
        stream.close()  # as a test's captured stderr is, once that test ended
    try:
        lines = cli.fails("capture", "--improvement", "IMP-0001", "--as-of", "2026-11-12")
    finally:
        for handler in left:
            logging.getLogger().removeHandler(handler)
    assert "failed IMP-0001 mttr_hours: no HTTP answer from 127.0.0.1 within 5 s" in "\n".join(
        lines
    )
