"""What a metric source may reach: files inside the data roots (a symlink may not lead out of
them), Python modules the administrator named, web addresses on the public internet or in the
HTTP allow-list, and no more bytes than the cap. Checked when an improvement is applied, and
again each time the source is read."""

from __future__ import annotations

import ipaddress
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ci_workflow.errors import MetricError


def readable_file(path: str, roots: Sequence[Path], max_bytes: int) -> Path:
    """The regular file a source may read, by its real path. ``roots`` empty: the path must be
    real already (it was resolved inside its roots when applied; a link put there since is not
    followed). Errors name the file, never its content."""
    given = Path(path)
    try:
        real = given.resolve(strict=True)
        facts = real.stat()
    except FileNotFoundError:
        raise MetricError(f"{given.name}: no such file") from None
    except OSError as error:
        raise MetricError(f"{given.name}: cannot read ({error.strerror})") from None
    if roots and not any(real.is_relative_to(root) for root in roots):
        raise MetricError(f"{given.name}: outside the folders sources may read (data roots)")
    if not roots and real != given.absolute():
        raise MetricError(f"{given.name}: a link to somewhere else; give the file itself")
    if not stat.S_ISREG(facts.st_mode):
        raise MetricError(f"{given.name}: not a regular file")
    if facts.st_size > max_bytes:
        raise MetricError(
            f"{given.name}: {facts.st_size:,} bytes, more than the {max_bytes:,} allowed"
        )
    return real


def module_allowed(function: str, prefixes: Sequence[str]) -> str | None:
    """Why a Python source may not name ``module:function``, or None if it may."""
    module = function.partition(":")[0]
    if any(module == p or module.startswith(p + ".") for p in prefixes):
        return None
    listed = ", ".join(prefixes) or "none are"
    return (
        f"module {module!r} is not among the modules Python sources may use "
        f"(IMPROVE_PYTHON_SOURCE_MODULES: {listed})"
    )


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class HttpAllowList:
    """IMPROVE_HTTP_ALLOW: host names (whatever they resolve to) and networks an HTTP source may
    reach although they are not public addresses."""

    hosts: frozenset[str]
    networks: tuple[Network, ...]

    @classmethod
    def parse(cls, entries: Sequence[str]) -> HttpAllowList:
        hosts, networks = set(), []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(_host_name(entry))
        return cls(frozenset(hosts), tuple(networks))

    def permits(self, host: str, address: str) -> bool:
        """Whether a source may connect to ``address``, one of ``host``'s: a public address,
        or one the allow-list names (by its host name or a network holding it). Private,
        loopback, link-local, shared, reserved and multicast addresses are not public."""
        if _host_name(host) in self.hosts:
            return True
        found = ipaddress.ip_address(address.partition("%")[0])  # without an IPv6 zone
        if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
            found = found.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if any(found in network for network in self.networks):
            return True
        return found.is_global and not found.is_multicast


def _host_name(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def http_address_refused(host: str) -> str:
    """Why a source may not reach ``host``: the same words whichever address it was, so the
    reason tells nothing about a network the source may not see."""
    return (
        f"{host}: not a public address, and not in the addresses HTTP sources may reach "
        "(IMPROVE_HTTP_ALLOW)"
    )


def is_address(host: str) -> bool:
    """A literal IP address, not a name (a name is resolved, and checked, when it is read)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
