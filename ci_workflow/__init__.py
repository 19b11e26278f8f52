"""ITIL 4 Continual Improvement: the register, its lifecycle flows, metrics, KPIs and reports.

Layers, from the inside out:
- ``domain``: pure rules and shapes (statuses, the improvement-as-code schema); no I/O.
- ``store``: SQLModel tables and the persistence functions over them (they never commit).
- ``services``: use cases that own a transaction and combine domain and store.
- ``cli``: the ``improve`` command, a thin Typer layer over the services.
"""

__version__ = "0.1.0"
