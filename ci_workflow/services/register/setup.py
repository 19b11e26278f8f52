"""Creating and upgrading the store (``improve init``)."""

from __future__ import annotations

from ci_workflow.domain.redact import redact_url
from ci_workflow.settings import get_settings, private_home
from ci_workflow.store.db import get_engine, register_file, schema_revision


def init_store() -> tuple[str, str | None, str | None]:
    """Upgrade the configured store to the newest schema; safe to run again and again.

    Returns the (password-free) URL, the revision before, and the revision after.
    """
    from ci_workflow.store.migrate import upgrade_to_head

    settings = get_settings()
    private_home()  # its owner's only, whichever database holds the register
    database = register_file()
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
    engine = get_engine()
    before = schema_revision(engine)
    upgrade_to_head(engine)
    return redact_url(settings.store_url), before, schema_revision(engine)
