"""Scheduled: each person who chose a daily digest gets one e-mail with what waited for them."""

from __future__ import annotations

from prefect import flow

from ci_workflow.orchestration.tasks import send_digests


@flow(name="send-digests")
def send_digests_flow() -> int:
    return len(send_digests())
