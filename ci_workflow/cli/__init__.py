"""The ``improve`` command: one small module per command group, over the services."""
