"""Pure rules of the continual improvement practice: no database, no Prefect, no I/O."""
