"""Persistence: SQLModel tables (``tables``), the engine and transactions (``db``), and the
functions that read and write them. Those functions take a session, flush, and never commit:
the caller (a service) owns the transaction."""
