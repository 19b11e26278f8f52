"""Improvement as code both ways through the workspace, over HTTP: the file as the register holds
it (GET /improvements/ID.yaml and its JSON twin), applied again unchanged, in a fresh register
the same improvement; the same spec created and changed through the API, validated like a file,
with the version an edit was made from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ci_workflow.settings import get_settings
from ci_workflow.store.db import reset_caches
from tests import processes
from tests.helpers import Cli, improvement_doc, objective_doc
from tests.web.conftest import CAST, Workspace, csrf_of, start_workspace

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "improvements"
KEYS = ["network-mttr", "self-service-reset", "standard-change-catalogue"]
LENA, PRIYA, CARMEN = "lena@example.org", "priya@example.org", "carmen@example.org"
TOMAS = (
    "Tomás Silva",
    "tomas@example.org",
    ["improvement_team", "data_analyst:Incident Management"],
)
HTTP = {
    "kind": "http",
    "url": "https://survey.example.org/api/scores",
    "path": "data.average",
    "headers": {"Authorization": "Bearer t0ken"},
}


def _point_at(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        if name.startswith(("IMPROVE_", "PREFECT_")):
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    reset_caches()


def _add_people(cli: Cli, cast: list[tuple[str, str, list[str]]]) -> None:
    for name, email, roles in cast:
        cli.ok("people", "add", name, "--email", email, *[a for r in roles for a in ("--role", r)])


@pytest.fixture(scope="module")
def space(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The workspace's register with the examples applied (Tomás Silva added to the cast); the
    workspace may read the examples' CSV data, as `improve apply` of the folder did."""
    root = tmp_path_factory.mktemp("improvement-files")
    workspace = start_workspace(root, {"IMPROVE_DATA_ROOTS": str(EXAMPLES)})
    with pytest.MonkeyPatch.context() as monkeypatch:
        _point_at(workspace.env, monkeypatch)
        _add_people(Cli(), [TOMAS])
        Cli().ok("apply", str(EXAMPLES))
    get_settings.cache_clear()
    reset_caches()
    yield workspace
    processes.stop(workspace.process)


@pytest.fixture
def here(space: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    _point_at(space.env, monkeypatch)
    yield space
    space.close_clients()


def writer(space: Workspace, email: str) -> httpx.Client:
    """Signed in, sending its session's CSRF token with every API write."""
    client = space.signed_in(email)
    client.headers["X-CSRF-Token"] = csrf_of(client, "/")
    return client


def test_the_file_is_a_download_with_its_version(here: Workspace) -> None:
    client = here.signed_in(PRIYA)  # anyone signed in may read it
    answer = client.get("/improvements/network-mttr.yaml")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/yaml; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="network-mttr.yaml"'
    twin = client.get("/api/improvements/IMP-0001/file")
    version = twin.json()["version"]
    assert answer.headers["etag"] == twin.headers["etag"] == f'"{version}"'
    assert answer.text.startswith(f"# IMP-0001 as the register holds it, version {version}.\n")
    assert twin.json()["plan"][0] == {
        "action": "Add a network category and routing rule to the service desk form",
        "owner": "Tomás Silva",
        "due": "2026-12-15",
        "status": "planned",
    }
    again = client.get("/improvements/IMP-0001.yaml", headers={"If-None-Match": f'"{version}"'})
    assert again.status_code == 304
    stranger = here.client()
    assert stranger.get("/improvements/IMP-0001.yaml").status_code == 303
    assert stranger.get("/api/improvements/IMP-0001/file").status_code == 401
    assert client.get("/improvements/no-such.yaml").status_code == 404


@pytest.mark.parametrize("key", KEYS)
def test_every_example_comes_back_unchanged(here: Workspace, key: str, tmp_path: Path) -> None:
    number = KEYS.index(key) + 1
    client = writer(here, CARMEN)
    text = client.get(f"/improvements/{key}.yaml").text
    (tmp_path / f"{key}.yaml").write_text(text, encoding="utf-8")
    # improve apply of the downloaded file, the API's apply of its text, and a PUT of the twin.
    assert Cli().ok("apply", str(tmp_path / f"{key}.yaml")).stdout == (
        f"IMP-000{number} unchanged: {key}\n"
    )
    files = {"files": [{"name": f"{key}.yaml", "text": text}]}
    assert client.post("/api/apply", json=files).json() == {
        "applied": [f"IMP-000{number} unchanged: {key}"],
        "warnings": [],
    }
    twin = client.get(f"/api/improvements/{key}/file")
    put = client.put(f"/api/improvements/{key}", json=twin.json())
    assert (put.status_code, put.json()) == (
        200,
        {
            "id": f"IMP-000{number}",
            "key": key,
            "outcome": "unchanged",
            "changed": [],
            "version": twin.json()["version"],
            "warnings": [],
        },
    )


def test_the_files_in_a_fresh_register_give_the_same_improvements(
    here: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = writer(here, CARMEN)  # a CI manager registers it; Lena Fischer owns it
    made = client.post("/api/improvements", json=improvement_doc(key="made-in-the-web"))
    assert made.status_code == 201, made.text
    keys = [*KEYS, "made-in-the-web"]
    folder = tmp_path / "files"
    folder.mkdir()
    for key in keys:
        text = client.get(f"/improvements/{key}.yaml").text
        (folder / f"{key}.yaml").write_text(text, encoding="utf-8")
    shown = {key: Cli().json("show", key) for key in keys}
    monkeypatch.setenv("IMPROVE_HOME", str(tmp_path / "fresh"))
    get_settings.cache_clear()
    reset_caches()
    cli = Cli()
    cli.ok("init")
    _add_people(cli, [*CAST, TOMAS])
    assert cli.ok("apply", str(folder)).stdout.count(" created: ") == 4
    for key in keys:
        fresh = cli.json("show", key)
        assert {**fresh, "id": None} == {**shown[key], "id": None}
    assert Path(get_settings().home_dir) == tmp_path / "fresh"


def test_create_and_update_through_the_api_with_versions(here: Workspace) -> None:
    lena, carmen = writer(here, LENA), writer(here, CARMEN)
    doc = improvement_doc(key="api-versions")
    assert lena.post("/api/improvements", json=doc).status_code == 403  # see test_who_may_create
    created = carmen.post("/api/improvements", json=doc)
    assert created.status_code == 201
    first = created.json()["version"]
    assert created.headers["location"] == f"/improvements/{created.json()['id']}"
    assert carmen.post("/api/improvements", json=doc).status_code == 409
    path = "/api/improvements/api-versions"
    assert lena.put(path, json=doc).status_code == 428  # no version named
    as_yaml = lena.put(path, content="key: x", headers={"Content-Type": "text/yaml"})
    assert as_yaml.status_code == 415
    # Carmen saves a new title from the first version; Lena, also from it, a new scope.
    theirs = carmen.put(
        path, json={**doc, "title": "Faster restores"}, headers={"If-Match": f'"{first}"'}
    )
    assert theirs.json()["outcome"] == "updated" and theirs.json()["changed"] == ["title"]
    second = theirs.json()["version"]
    assert theirs.headers["etag"] == f'"{second}"' and second > first
    mine = lena.put(path, json={**doc, "scope": "LAN only", "version": first})
    assert mine.status_code == 409
    conflict = mine.json()
    assert conflict["version"] == second
    assert [(c["version"], c["by"], c["fields"]) for c in conflict["changes"]] == [
        (second, "Carmen Ruiz", ["title"])
    ]
    assert (
        "title 'Cut the time to restore network incidents' → 'Faster restores'"
        in (conflict["changes"][0]["detail"])
    )
    assert conflict["current"]["title"] == "Faster restores" and "scope" not in conflict["current"]
    # From the version now, Lena's scope is saved and Carmen's title kept.
    again = lena.put(path, json={**conflict["current"], "scope": "LAN only"})
    assert again.json()["changed"] == ["scope"]
    twin = lena.get(f"{path}/file").json()
    assert (twin["title"], twin["scope"], twin["version"]) == (
        "Faster restores",
        "LAN only",
        again.json()["version"],
    )


def test_a_wrong_spec_is_422_with_every_problem_and_nothing_written(here: Workspace) -> None:
    lena, carmen = writer(here, LENA), writer(here, CARMEN)
    doc = improvement_doc(key="api-problems")
    assert carmen.post("/api/improvements", json=doc).status_code == 201
    before = lena.get("/api/improvements/api-problems/file").json()
    wrong = {
        **before,
        "owner": "Zed",
        "colour": "red",
        "objectives": [objective_doc(target=12)],
    }
    answer = lena.put("/api/improvements/api-problems", json=wrong, headers={"If-Match": "*"})
    assert answer.status_code == 422
    assert answer.json() == {
        "error": "api-problems.yaml: 3 problems, nothing was written",
        "problems": [
            "owner: unknown person 'Zed' (add them with: improve people add)",
            "objectives[0]: target 12 must be below the baseline 9.5 to decrease",
            "colour: unknown field",
        ],
    }
    assert lena.get("/api/improvements/api-problems/file").json() == before
    bad = carmen.post("/api/improvements", json={**doc, "key": "Not A Key", "strategic_impact": 9})
    assert bad.status_code == 422 and len(bad.json()["problems"]) == 2
    assert (
        carmen.post(
            "/api/improvements", content="[1]", headers={"Content-Type": "application/json"}
        ).status_code
        == 422
    )


def test_only_who_may_change_it_may_put_and_a_refusal_is_audited(here: Workspace) -> None:
    lena, priya = writer(here, LENA), writer(here, PRIYA)
    made = writer(here, CARMEN).post("/api/improvements", json=improvement_doc(key="api-owned"))
    assert made.status_code == 201
    twin = lena.get("/api/improvements/api-owned/file").json()
    refused = priya.put("/api/improvements/api-owned", json={**twin, "title": "Mine now"})
    assert refused.status_code == 403
    assert "Priya Nair may not change" in refused.json()["error"]
    audit = Cli().json("audit", "api-owned")
    assert [e["action"] for e in audit].count("forbidden") == 1
    assert lena.get("/api/improvements/api-owned/file").json()["title"] == twin["title"]
    no_csrf = here.signed_in(LENA)  # a browser session must send its CSRF token
    assert no_csrf.put("/api/improvements/api-owned", json=twin).status_code == 403


def test_a_secret_comes_back_masked_and_stays_when_the_twin_is_put(here: Workspace) -> None:
    lena = writer(here, LENA)
    doc = improvement_doc(key="api-secret", objectives=[objective_doc(source=HTTP)])
    assert writer(here, CARMEN).post("/api/improvements", json=doc).status_code == 201
    text = lena.get("/improvements/api-secret.yaml").text
    assert "Authorization: '***'" in text and "t0ken" not in text
    twin = lena.get("/api/improvements/api-secret/file").json()
    slower = json.loads(json.dumps(twin))
    slower["objectives"][0]["source"]["timeout"] = 20
    put = lena.put("/api/improvements/api-secret", json=slower)
    assert (put.status_code, put.json()["changed"]) == (200, ["objectives"])
    assert _stored_source("api-secret") == {**HTTP, "timeout": 20.0, "retries": 2, "params": {}}
    moved = json.loads(json.dumps(slower))
    moved["objectives"][0]["source"]["url"] = "https://collector.example.net/in"
    answer = lena.put("/api/improvements/api-secret", json=moved, headers={"If-Match": "*"})
    assert (answer.status_code, answer.json()["problems"]) == (
        422,
        [
            "objectives[0].source.headers.Authorization: '***' stands for a secret this "
            "register does not hold for this source; write the secret itself"
        ],
    )
    assert _stored_source("api-secret")["headers"] == {"Authorization": "Bearer t0ken"}


def _stored_source(key: str) -> dict[str, Any]:
    from sqlmodel import select

    from ci_workflow.store.db import transaction
    from ci_workflow.store.register.improvements import get_improvement
    from ci_workflow.store.tables import Objective

    with transaction(write=False) as session:
        improvement = get_improvement(session, key)
        query = select(Objective).where(Objective.improvement_id == improvement.id)
        (objective,) = session.exec(query).all()
        return dict(objective.source)


def test_who_may_create(here: Workspace) -> None:
    """A CI manager or a process owner registers an improvement from the workspace; anyone
    else is refused, audited, and nothing is written."""
    refused = writer(here, LENA).post("/api/improvements", json=improvement_doc(key="api-mine"))
    assert refused.status_code == 403
    assert "Lena Fischer may not register an improvement" in refused.json()["error"]
    omar = writer(here, "omar@example.org")
    assert omar.post("/api/improvements", json=improvement_doc(key="api-mine")).status_code == 201
