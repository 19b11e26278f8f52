"""ITIL 4 Continual Improvement: the register, its lifecycle flows, metrics, KPIs and reports.

Layers, from the inside out (docs/design.md draws them; tests/test_layers.py keeps them):
- ``domain``: every rule, pure (statuses, gates, permissions, SMART checks, sources, KPIs).
- ``store``: SQLModel tables and every query over them (functions that never commit).
- wings ``metrics``, ``reports``, ``opportunities``: metric sources, rendering, detectors.
- ``services``: use cases that own a transaction and combine domain, store and wings.
- ``orchestration``: everything Prefect (client, tasks, gate forms, serve); ``flows/`` orders
  the tasks.
- ``cli``: the ``improve`` command, a thin Typer layer over the services.
"""

__version__ = "0.1.0"
