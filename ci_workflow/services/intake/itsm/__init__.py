"""The ITSM tools a connection reads (``improve connections``): one module per tool's API, the
HTTP they share (retries, ``Retry-After``, bounded answers) and the paged, cursor-driven read
that turns any of them into a CSV file the import's own code reads."""
