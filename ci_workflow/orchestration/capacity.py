"""How many improvement flows a machine runs at once by default.

A flow process weighs about 90 MB and mostly waits on I/O (sources, the database, Prefect's
API): a few per core keep the cores busy, and a quarter of the memory for flows leaves the rest
to the Prefect server, the web workspace and the database. Bursts beyond the limit wait in
Prefect's queue instead of starting a process each (50 at once reached a load of 36 and 4.4 GB).
"""

from __future__ import annotations

PER_CORE = 4
MB_PER_RUN = 100
MEMORY_SHARE = 0.25


def default_concurrent_runs(cores: int, memory_bytes: int) -> int:
    """At most ``PER_CORE`` runs a core, and a quarter of the memory at ``MB_PER_RUN`` each."""
    by_memory = int(memory_bytes * MEMORY_SHARE / (MB_PER_RUN * 2**20))
    return max(1, min(PER_CORE * max(1, cores), by_memory))
