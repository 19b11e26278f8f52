"""What other practices' tools hand the demo register: a year of service desk incidents and the
change records its plans depend on (generated with a fixed seed, in the shape of
``examples/mappings/generic_*.yaml``), imported and searched for opportunities as a CI manager
would; and the ideas people submit.

The incidents hold patterns the detectors should find in the last quarter: VPN incidents
taking a growing share, the network team taking long to restore, the portal missing its SLA,
printing incidents reopened, access requests bouncing between teams.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from demo_fates import SEED, today

MAPPINGS = Path(__file__).resolve().parent / "mappings"

# category -> (service, assignment group, typical hours to restore, share of all incidents)
CATEGORIES = {
    "network": ("Corporate Network", "Network Operations", 6.0, 0.22),
    "vpn": ("Corporate Network", "Network Operations", 4.0, 0.06),
    "email": ("Collaboration", "Messaging", 5.0, 0.18),
    "portal": ("Self-Service Portal", "Portal Team", 8.0, 0.14),
    "printing": ("Workplace", "Field Services", 10.0, 0.12),
    "access": ("Identity", "Service Desk", 3.0, 0.16),
    "laptop": ("Workplace", "Field Services", 14.0, 0.12),
}
INCIDENT_HEADER = [
    "incident_id",
    "opened",
    "resolved",
    "closed",
    "category",
    "service",
    "priority",
    "group",
    "sla_met",
    "reopens",
    "reassignments",
    "problem",
    "change",
]
STAMP = "%Y-%m-%d %H:%M"


def incident(number: int, opened: datetime, rng: random.Random, recent: bool) -> list[str]:
    """One incident; ``recent``: in the last 45 days, where the patterns show."""
    weights = {c: v[3] * (2.6 if c == "vpn" and recent else 1) for c, v in CATEGORIES.items()}
    category = rng.choices(list(weights), list(weights.values()))[0]
    service, group, hours, _ = CATEGORIES[category]
    if category == "network" and recent:
        hours *= 2.4  # the network team is short-staffed this quarter
    restore = rng.lognormvariate(0, 0.5) * hours
    sla = 8.0 if category != "portal" else 6.0
    reassignments = rng.choice([0, 0, 1, 1, 2, 3, 4] if category == "access" else [0, 0, 0, 1])
    reopens = 1 if category == "printing" and rng.random() < 0.3 else 0
    resolved = opened + timedelta(hours=restore)
    return [
        f"INC{number:07d}",
        opened.strftime(STAMP),
        resolved.strftime(STAMP),
        (resolved + timedelta(days=2)).strftime(STAMP),
        category,
        service,
        rng.choice(["2", "3", "3", "4"]),
        group,
        "yes" if restore <= sla else "no",
        str(reopens),
        str(reassignments),
        f"PRB{rng.randint(100, 140):05d}" if rng.random() < 0.1 else "",
        "",
    ]


def incidents_file(folder: Path, days: int = 365, per_day: int = 9) -> Path:
    rng = random.Random(f"{SEED}:incidents")
    start = datetime.combine(today() - timedelta(days=days), datetime.min.time(), tzinfo=UTC)
    last = today() - timedelta(days=1)
    path = folder / "service_desk_export.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(INCIDENT_HEADER)
        number = 1
        for day in range(days):
            moment = start + timedelta(days=day)
            recent = (last - moment.date()).days < 45
            for _ in range(rng.randint(per_day - 3, per_day + 3)):
                opened = moment + timedelta(minutes=rng.randint(7 * 60, 19 * 60))
                writer.writerow(incident(number, opened, rng, recent))
                number += 1
    return path


# The changes the plans name (demo_fates), and a few more: (id, state, days ago, result).
CHANGES = [
    ("CHG0001001", "closed", 200, "successful"),
    ("CHG0001002", "closed", 150, "successful"),
    ("CHG0001003", "closed", 30, "successful"),
    ("CHG0001004", "closed", 20, "rolled back"),
    ("CHG0001005", "closed", 40, "successful"),
    ("CHG0001006", "implement", 5, ""),
    ("CHG0001007", "scheduled", 2, ""),
    ("CHG0001008", "closed", 60, "successful"),
]


def changes_file(folder: Path) -> Path:
    path = folder / "change_export.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "change_id",
                "state",
                "opened",
                "planned_start",
                "planned_end",
                "closed",
                "service",
                "type",
                "risk",
                "result",
            ]
        )
        for number, state, ago, result in CHANGES:
            day = datetime.combine(today() - timedelta(days=ago), datetime.min.time())
            opened, start = day - timedelta(days=14), day - timedelta(days=1)
            closed = (day + timedelta(hours=4)).strftime(STAMP) if state == "closed" else ""
            writer.writerow(
                [
                    number,
                    state,
                    opened.strftime(STAMP),
                    start.strftime(STAMP),
                    (start + timedelta(hours=4)).strftime(STAMP),
                    closed,
                    "Corporate Network",
                    "normal",
                    "moderate",
                    result,
                ]
            )
    return path


def import_and_detect(folder: Path) -> tuple[int, int, int]:
    """The exports imported, then searched for opportunities (last quarter, and the one before);
    how many incidents, changes and findings."""
    from ci_workflow.services.intake.change_import import import_changes, load_change_mapping
    from ci_workflow.services.intake.detection import detect_opportunities
    from ci_workflow.services.intake.incident_import import (
        import_incidents,
        load_incident_mapping,
    )

    folder.mkdir(parents=True, exist_ok=True)
    incidents = import_incidents(
        incidents_file(folder), load_incident_mapping(MAPPINGS / "generic_incidents.yaml")
    )
    changes = import_changes(
        changes_file(folder), load_change_mapping(MAPPINGS / "generic_changes.yaml")
    )
    found = detect_opportunities()
    return incidents.imported, changes.imported, len(found.opportunities)


IDEAS = [
    (
        "Lena Fischer",
        "A shared inbox rule for supplier outage notices",
        "Supplier outage e-mails reach one person; the desk hears about outages from users first.",
    ),
    (
        "Tomás Silva",
        "Label the network ports in meeting rooms",
        "Half the room-network calls are a cable in the wrong port.",
    ),
    (
        "Priya Nair",
        "Show the request's queue position in the portal",
        "People call to ask where their request is; the portal could tell them.",
    ),
]
