"""The workspace's pages, one module per area, each page with its JSON twin under ``/api``."""
