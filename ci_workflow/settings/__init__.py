"""Settings read from the environment (prefix ``IMPROVE_``), cached once per process.

Long: one settings class (STYLE.md), a described and bounded field per setting, grows with them.
A plain dataclass read by ``from_environment`` (``values`` reads each variable by its field's
type), not pydantic-settings: every command reads the settings, and importing and building that
model cost ≈ 6 % of a command's start-up; ``improve list`` and ``gates`` load no pydantic at all.
A bad value is one line naming the variable (``BadSetting``).
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import stat
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from ci_workflow.settings.values import Secret, parsed, setting

_HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.\-]*[A-Za-z0-9])?\.?")
# Where `improve server` writes the API URL it serves, for the commands of the same IMPROVE_HOME.
SERVER_URL_FILE = "prefect_server_url"
PREFIX = "IMPROVE_"


def _hosts_or_networks(value: str) -> None:
    for entry in (a.strip() for a in value.split(",")):
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if entry and not _HOST_NAME.fullmatch(entry):
                raise ValueError(f"not a host name or a network: {entry!r}") from None


@dataclass
class Settings:
    """Where the register lives and how it behaves."""

    home: Path = setting(
        default=Path("~/.improve"),
        description="Data directory: the embedded SQLite store, reports and Prefect's home.",
    )
    database_url: str | None = setting(
        default=None,
        description="SQLAlchemy URL of the store; default is SQLite at HOME/improve.db.",
    )
    improvements_dir: Path | None = setting(
        default=None,
        description="Where an accepted opportunity's improvement file is written (a folder of "
        "improvement files kept under version control, say); default: HOME/improvements.",
    )

    prefect_api_url: str = setting(
        default="http://127.0.0.1:4200/api",
        description="Prefect API the lifecycle commands talk to (PREFECT_API_URL wins if set); "
        "unset: the server `improve server` last started with this IMPROVE_HOME, if any.",
    )
    prefect_ui_url: str | None = setting(
        default=None,
        description="Prefect UI base URL for links in notifications; default: the API host.",
    )
    poll_seconds: float = setting(
        default=1.0,
        gt=0,
        le=60,
        description="How often `improve serve` looks for runs to start or resume.",
    )
    max_concurrent_runs: int | None = setting(
        default=None,
        ge=1,
        le=1000,
        description="Flow processes `improve serve` runs at once; the rest wait in Prefect's "
        "queue (default: from the machine's cores and memory, orchestration/capacity.py).",
    )
    capture_reads_per_host: int = setting(
        default=2,
        ge=1,
        le=64,
        description="Sources of one host (a database server, a web host, or local files) a "
        "capture reads at once; different hosts are read side by side.",
    )
    capture_task_runner: Literal["threads", "dask"] = setting(
        default="threads",
        description="Where the capture flow runs its batches: threads in the flow's process, or "
        "a Dask cluster (prefect-dask; IMPROVE_DASK_ADDRESS names the scheduler).",
    )
    dask_address: str | None = setting(
        default=None,
        description="The Dask scheduler the capture's batches run on (tcp://host:8786); unset "
        "with the dask runner: a local cluster of two workers.",
    )
    capture_batch_size: int = setting(
        # Each batch is a Prefect task with its own API calls: 200 keeps a sweep of 1,000
        # improvements × 3 objectives to 15 tasks.
        default=200,
        ge=1,
        le=10_000,
        description="Objectives one capture task reads and writes together.",
    )
    stall_days: float = setting(
        default=30,
        ge=1,
        le=3650,
        description="An open improvement with no checkpoint, decision or move for this many days "
        "is stalled (the practice report, and a practice_stall opportunity).",
    )
    gate_overdue_days: float = setting(
        default=5.0,
        gt=0,
        description="A gate waiting longer than this is reported by the gate watchdog.",
    )
    run_stuck_minutes: float = setting(
        default=10.0,
        ge=0,
        description="A lifecycle run handed to a process (Pending) but not started after this "
        "long is stranded: the reconciler cancels it and starts a new one from the register.",
    )
    run_running_hours: float = setting(
        default=6.0,
        ge=0,
        description="A lifecycle run Running this long was left by a process that died: the "
        "reconciler cancels it and starts a new one from the register.",
    )
    reconcile_restarts_per_day: int = setting(
        default=3,
        ge=0,
        description="How often the watchdog restarts one improvement's stranded run in a day; "
        "`improve reconcile ID` always may.",
    )

    smtp_host: str | None = setting(
        default=None, description="SMTP server for reports; unset: no e-mail."
    )
    smtp_port: int = setting(default=587, ge=1, le=65535, description="SMTP port.")
    smtp_starttls: bool = setting(
        default=True, description="Upgrade the SMTP connection with STARTTLS."
    )
    smtp_user: str | None = setting(
        default=None, description="SMTP login, if the server needs one."
    )
    smtp_password: Secret | None = setting(default=None, description="SMTP password; never shown.")
    smtp_from: str = setting(
        default="continual-improvement@localhost", description="Sender address."
    )
    webhook_url: str | None = setting(
        default=None, description="Slack/Teams-style incoming webhook for report summaries."
    )
    delivery_attempts: int = setting(default=3, ge=1, le=10, description="Tries per delivery.")

    data_roots: str = setting(
        default="",
        description="Comma-separated folders that CSV and SQLite sources may read; default: the "
        "folder of the improvement file that names them.",
    )
    python_source_modules: str = setting(
        default="",
        description="Comma-separated module prefixes that `python` sources may name (e.g. "
        "`acme_metrics`); default: none, so no Python source runs.",
    )
    python_source_path: str = setting(
        default="",
        description="Comma-separated folders that the modules of `python` sources may also be "
        "imported from, besides the installed packages; default: none (never the working "
        "directory, a flow's folder or an editable install's checkout).",
    )
    http_allow: str = setting(
        default="",
        description="Comma-separated host names and networks (e.g. `metrics.internal,"
        "10.20.0.0/16,127.0.0.1`) that HTTP sources may reach although they are not public "
        "addresses; default: none, so private, loopback and link-local addresses are refused.",
        check=_hosts_or_networks,
    )
    source_passfile: Path | None = setting(
        default=None,
        description="A PostgreSQL password file (the ~/.pgpass format: host:port:database:user:"
        "password) of the credentials SQL sources may use; default: none. A source's URL without "
        "a password uses this file, never the process's PGPASSWORD, PGPASSFILE or ~/.pgpass.",
    )
    source_max_bytes: int = setting(
        default=50_000_000,
        ge=1_000,
        le=10_000_000_000,
        description="The most a CSV file or an HTTP answer a source reads may hold.",
    )
    attachment_max_bytes: int = setting(
        default=10_000_000,
        ge=1_000,
        le=19_000_000,  # an upload is one request, and the workspace reads at most 20 MB of one
        description="The most a file attached to an improvement may hold.",
    )
    secret_key: Secret | None = setting(
        default=None,
        description="Signs decisions and session cookies; default: generated once and kept in "
        "HOME/secret_key. Every process of one register (web, serve, workers, CLI) needs the same.",
    )
    prefect_ui_decisions: Literal["allow", "refuse"] = setting(
        default="allow",
        description="Whether an unsigned answer (typed into the Prefect UI's form, where nobody "
        "verifies who typed the by field) counts. Production: refuse.",
    )
    separation_of_duties: bool = setting(
        default=False,
        description="Nobody decides the approval gates of an improvement they own.",
    )
    require_login: bool = setting(
        default=False,
        description="A decision or another act for a person (--as) from the CLI needs "
        "`improve login` first: the machine's account alone never vouches for a person. "
        "Production: true.",
    )
    web_url: str | None = setting(
        default=None,
        description="The workspace's address as people reach it (links in notifications); with "
        "a token from `improve login`, the CLI decides and edits through it.",
    )
    web_auth: Literal["local", "proxy"] = setting(
        default="local",
        description="local: passwords kept here; proxy: a trusted reverse proxy signs people in.",
    )
    trusted_proxies: str = setting(
        default="",
        description="Comma-separated addresses whose identity header is believed (proxy auth).",
    )
    proxy_email_header: str = setting(
        default="X-Forwarded-Email", description="The header the trusted proxy names people in."
    )
    session_idle_minutes: int = setting(
        default=60, ge=1, le=24 * 60, description="A session unused this long signs out."
    )
    sign_in_attempts: int = setting(
        default=5, ge=1, le=100, description="Failed sign-ins in a row before a lock-out."
    )
    lockout_minutes: int = setting(default=15, ge=1, le=24 * 60, description="Lock-out length.")
    token_days: int = setting(
        default=90, ge=1, le=3660, description="A personal API token expires this many days on."
    )

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser()

    # Where the Prefect API URL comes from, in words (``from_environment`` says).
    prefect_api_from: str = field(default="the default", metadata={"derived": True})

    @property
    def improvement_files_dir(self) -> Path:
        """Where accepted opportunities' improvement files go."""
        chosen = self.improvements_dir
        return chosen.expanduser() if chosen else self.home_dir / "improvements"

    @property
    def store_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{self.home_dir / 'improve.db'}"

    @property
    def ui_url(self) -> str:
        return (self.prefect_ui_url or self.prefect_api_url.removesuffix("/api")).rstrip("/")

    @property
    def workspace_url(self) -> str:
        """Base of the links to the workspace (``improve web`` on its default address)."""
        return (self.web_url or "http://127.0.0.1:8765").rstrip("/")

    def link(self, path: str) -> str:
        """``path`` in the workspace at its public address (IMPROVE_WEB_URL), for e-mails,
        webhooks and the trail; empty when that is not set: a link to a guessed address (the
        machine's own port) would lead nobody anywhere, so the message says so in words."""
        return f"{self.web_url.rstrip('/')}{path}" if self.web_url else ""

    @property
    def roots(self) -> tuple[Path, ...]:
        return tuple(
            Path(r.strip()).expanduser().resolve() for r in self.data_roots.split(",") if r.strip()
        )

    @property
    def python_modules(self) -> tuple[str, ...]:
        return tuple(m.strip() for m in self.python_source_modules.split(",") if m.strip())

    @property
    def python_paths(self) -> tuple[Path, ...]:
        return tuple(
            Path(p.strip()).expanduser().resolve()
            for p in self.python_source_path.split(",")
            if p.strip()
        )

    @property
    def http_allowed(self) -> tuple[str, ...]:
        return tuple(a.strip() for a in self.http_allow.split(",") if a.strip())

    @property
    def proxies(self) -> frozenset[str]:
        return frozenset(a.strip() for a in self.trusted_proxies.split(",") if a.strip())


def normalise_database_url(url: str) -> str:
    """Point bare ``postgresql://`` URLs at psycopg 3, the driver we ship (not psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return from_environment(os.environ)


def from_environment(environ: Mapping[str, str]) -> Settings:
    """The settings the ``IMPROVE_*`` variables give (in any case), each checked against its
    type and bounds; the first bad one raises ``BadSetting`` naming it. An empty variable of a
    setting that may be unset leaves it unset."""
    given = {k.upper(): v for k, v in environ.items() if k.upper().startswith(PREFIX)}
    hints = typing.get_type_hints(Settings)
    values: dict[str, Any] = {}
    for spec in fields(Settings):
        raw = given.get(PREFIX + spec.name.upper())
        if raw is not None and not spec.metadata.get("derived"):
            value = parsed(PREFIX + spec.name.upper(), raw, hints[spec.name], spec.metadata)
            if value is not None:
                values[spec.name] = value
    settings = Settings(**values)
    settings.prefect_api_url, settings.prefect_api_from = _prefect_api(settings, values, environ)
    return settings


def _prefect_api(
    settings: Settings, values: Mapping[str, Any], environ: Mapping[str, str]
) -> tuple[str, str]:
    """Unless IMPROVE_PREFECT_API_URL names one, the API of the server `improve server`
    started with this IMPROVE_HOME (it writes its URL there). PREFECT_API_URL, when set
    before this process configured Prefect (which sets it), wins over both."""
    url, origin = settings.prefect_api_url, "the default"
    if "prefect_api_url" in values:
        origin = "IMPROVE_PREFECT_API_URL"
    else:
        path = settings.home_dir / SERVER_URL_FILE
        started = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
        if started.startswith(("http://", "https://")):
            url, origin = started, f"the server `improve server` started, written in {path}"
    if environ.get("PREFECT_API_URL"):
        origin = "PREFECT_API_URL"
    return url, origin


def secret_key() -> bytes:
    """IMPROVE_SECRET_KEY, or one generated on first use and kept in HOME/secret_key (only
    its owner may read it), so the processes of a single-machine register share it."""
    settings = get_settings()
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    return kept_secret("secret_key", lambda: secrets.token_hex(32)).encode()


def prefect_auth_string() -> str | None:
    """``user:password`` for Prefect's basic authentication: IMPROVE_PREFECT_AUTH_STRING, or
    one generated on first use and kept in HOME/prefect_auth; ``off`` for none (a Prefect Cloud
    or another server that authenticates otherwise)."""
    configured = os.environ.get("IMPROVE_PREFECT_AUTH_STRING")
    if configured is not None:
        return None if configured.strip().lower() == "off" else configured
    return kept_secret("prefect_auth", lambda: f"improve:{secrets.token_urlsafe(24)}")


def private_home() -> Path:
    """IMPROVE_HOME, made if it is not there, and its owner's only (0700) however it was made
    before: it holds the register, the keys and the reports."""
    home = get_settings().home_dir
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    keep_private(home)
    return home


def keep_private(path: Path) -> None:
    """Nobody but the owner may read, write or enter ``path`` (0700 a folder, 0600 a file), if
    it is there with a looser mode; never loosened. A shared folder (sticky, like /tmp) is not
    the product's to change, and is left as it is."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if mode & stat.S_ISVTX:
        return
    wanted = 0o700 if stat.S_ISDIR(mode) else 0o600
    if stat.S_IMODE(mode) & ~wanted:
        path.chmod(stat.S_IMODE(mode) & wanted)


def kept_secret(name: str, make: Callable[[], str]) -> str:
    """A secret in HOME/``name``, made once by whichever process comes first; only the file's
    owner may read it."""
    path = private_home() / name
    keep_private(path)
    if not path.exists():
        # Unique per call, not per process: threads of one process may race here too.
        partial = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(8)}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as stream:
            stream.write(make())
        try:
            os.link(partial, path)  # appears whole, and only if no other process made it first
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    return path.read_text(encoding="utf-8").strip()
