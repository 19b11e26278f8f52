"""When checkpoints fall: an improvement's cadence, a UTC cron, read forwards."""

from __future__ import annotations

from datetime import datetime
from itertools import islice

from cronsim import CronSim

from ci_workflow.domain.clock import as_utc


def next_fires(cron: str, after: datetime, count: int) -> tuple[datetime, ...]:
    """The cadence's next ``count`` checkpoint times after ``after``."""
    return tuple(islice(CronSim(cron, as_utc(after)), count))
