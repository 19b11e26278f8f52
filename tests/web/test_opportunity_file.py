"""An opportunity's improvement file from its page (issue 23): downloaded as accepting it would
write it, in words (title, description, unit, the baseline named as the objective measures it),
with its JSON twin; the page shows the evidence as people read it, no Python dict or raw p."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import yaml

from tests.helpers import Cli
from tests.web.conftest import Workspace

LENA = "lena@example.org"
MAPPING = Path(__file__).resolve().parents[2] / "examples/mappings/generic_incidents.yaml"


def slow_vpn(tmp_path: Path) -> int:
    """120 incidents over three months, one in three on VPN, resolved in 60 h instead of 4."""
    lines = [
        "incident_id,opened,resolved,closed,category,service,priority,group,sla_met,"
        "reopens,reassignments,problem,change"
    ]
    start = datetime(2026, 1, 1)
    for n in range(120):
        slow = n % 3 == 0
        opened = start + timedelta(hours=17 * n)
        resolved = opened + timedelta(hours=60 if slow else 4)
        category = "VPN" if slow else "Mail"
        lines.append(
            f"V{n},{opened:%Y-%m-%d %H:%M},{resolved:%Y-%m-%d %H:%M},,{category},Svc,P3,"
            f"Team{n % 2},yes,0,0,,"
        )
    export = tmp_path / "vpn-incidents.csv"
    export.write_text("\n".join(lines) + "\n")
    Cli().ok("import", "incidents", str(export), "--mapping", str(MAPPING))
    found = Cli().json("opportunities", "detect", "--all")["opportunities"]
    (vpn,) = [o for o in found if o["group"] == "VPN" and o["kind"] == "long_resolution"]
    return int(vpn["number"])


def test_the_opportunity_page_downloads_its_improvement_file_in_words(
    use: Workspace, tmp_path: Path
) -> None:
    number = slow_vpn(tmp_path)
    lena = use.signed_in(LENA)  # anyone signed in may read it; accepting is for triagers
    page = lena.get(f"/opportunities/{number}").text
    assert f'href="/opportunities/{number}.yaml"' in page
    assert "{&#39;" not in page and "p_value" not in page and "p &lt; 0.001" in page
    answer = lena.get(f"/opportunities/{number}.yaml")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/yaml")
    name = f"opp-{number}-vpn.yaml"
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    document = yaml.safe_load(answer.text)
    assert document["title"] == "Reduce resolution time of VPN incidents"
    assert document["owner"] == "Lena Fischer"
    assert document["description"].startswith(
        "Detected on 2025-12-26 to 2026-03-26: VPN incidents take 2.5 days to resolve (median), "
        "4 h is usual for the same priorities; very unlikely to be chance (p < 0.001). "
        "Measured as a Kaplan–Meier median"
    )
    (objective,) = document["objectives"]
    assert (objective["metric"], objective["unit"]) == ("mttr_median_hours", "h")
    assert objective["description"] == (
        "The median hours to resolve VPN incidents, of those resolved, in each 30-day window"
    )
    assert (
        f"Baseline {objective['baseline']:g} h: the median hours to resolve VPN incidents"
        in document["description"]
    )
    twin = lena.get(f"/api/opportunities/{number}/file").json()
    assert twin == {"file_name": name, "text": answer.text}
    assert lena.get("/opportunities/999.yaml").status_code == 404
