"""Running Prefect here: a local server (`improve server`) and the process that serves the
flows (`improve serve`)."""

from __future__ import annotations

import os
import shutil
import sys
from urllib.parse import urlsplit

import typer

from ci_workflow.cli._common import add_commands, console, escape


def server(
    port: int | None = typer.Option(None, help="Default: the port of IMPROVE_PREFECT_API_URL."),
) -> None:
    """Run a local Prefect server (SQLite in IMPROVE_HOME/prefect, 127.0.0.1, analytics off).
    It writes its API URL in IMPROVE_HOME, where `improve serve`, `improve start` and the
    workspace of the same IMPROVE_HOME find it when IMPROVE_PREFECT_API_URL is unset."""
    from ci_workflow import orchestration
    from ci_workflow.settings import SERVER_URL_FILE, get_settings, keep_private, private_home

    env = {**os.environ, **orchestration.prefect_environment()}
    port = port or urlsplit(env["PREFECT_API_URL"]).port or 4200
    api = f"http://127.0.0.1:{port}/api"
    env["PREFECT_API_URL"] = api
    if not get_settings().prefect_ui_url and "PREFECT_UI_URL" not in os.environ:
        env["PREFECT_UI_URL"] = api.removesuffix("/api")
    kept = private_home() / SERVER_URL_FILE
    kept.write_text(api + "\n", encoding="utf-8")
    keep_private(kept)
    console().print(
        f"Prefect server on 127.0.0.1:{port}; UI {escape(env['PREFECT_UI_URL'])}\n"
        f"`improve serve`, `improve start` and `improve web` with IMPROVE_HOME="
        f"{escape(str(get_settings().home_dir))} find it (written in {escape(str(kept))}); "
        "elsewhere point them at it with:\n"
        f"  export IMPROVE_PREFECT_API_URL={api}"
    )
    if env.get("PREFECT_SERVER_API_AUTH_STRING"):
        user = env["PREFECT_SERVER_API_AUTH_STRING"].partition(":")[0]
        secret = get_settings().home_dir / "prefect_auth"
        console().print(
            f"its API and UI ask for user {escape(user)}, user:password kept in "
            f"{escape(str(secret))} (or IMPROVE_PREFECT_AUTH_STRING)"
        )
    prefect = shutil.which("prefect", path=os.path.dirname(sys.executable)) or "prefect"
    os.execvpe(
        prefect, [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env
    )


def serve() -> None:
    """Serve the lifecycle, watchdog and later flows from this process until stopped."""
    from ci_workflow import orchestration

    os.environ.update(orchestration.serving_environment())
    orchestration.configure_prefect()
    api, origin = orchestration.api_in_use()
    console().print(f"Prefect API {escape(api)} (from {escape(origin)})")
    orchestration.require_api()
    from ci_workflow.orchestration.serve import concurrent_runs, declared_deployments, serve_all

    names = ", ".join(d["name"] for d in declared_deployments())
    console().print(
        f"serving {names} from this process, at most {concurrent_runs()} runs at once "
        "(IMPROVE_MAX_CONCURRENT_RUNS); Ctrl-C or SIGTERM stops it"
    )
    serve_all()


def register_commands(app: typer.Typer) -> None:
    add_commands(app, {"server": server, "serve": serve})
