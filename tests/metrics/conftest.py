from tests.metrics.sources import postgres_table  # noqa: F401  (a fixture for this folder)
