"""The web workspace (``improve web``): people sign in, see what waits for them, decide with a
click. Server-rendered Jinja pages and plain HTML forms, no JavaScript; every page has a JSON
twin under ``/api`` with the same permission checks, for integrations and the CLI.

- ``app``: the application, its middleware (signed session cookies, security headers) and errors.
- ``auth``: who is asking (session, personal token, trusted proxy) and the CSRF check.
- ``pages/``: one module per area; routes stay thin and call the services.
"""
