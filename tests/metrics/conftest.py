from collections.abc import Iterator

import pytest

from ci_workflow.settings import get_settings
from tests.metrics.sources import postgres_table  # noqa: F401  (a fixture for this folder)


@pytest.fixture(autouse=True)
def loopback_listed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The web servers of these tests listen on loopback, which HTTP sources reach only when
    the operator lists it: these tests list it as an operator would (IMPROVE_HTTP_ALLOW). The
    address policy's own tests set it themselves."""
    monkeypatch.setenv("IMPROVE_HTTP_ALLOW", "127.0.0.1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
