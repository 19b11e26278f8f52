"""Improvement as code through the API (``improve apply`` after ``improve login``): the files'
text, applied as one, by the person the token names."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.errors import ValidationFailed
from ci_workflow.services.register.apply import apply_documents
from ci_workflow.settings import get_settings
from ci_workflow.web.auth import api_writer, viewer
from ci_workflow.web.render import as_json

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]


class File(BaseModel):
    name: str = Field(max_length=300)
    text: str = Field(max_length=1_000_000)


class Files(BaseModel):
    files: list[File] = Field(min_length=1, max_length=1000)


@router.post("/api/apply")
def apply(asked: Files, actor: Writer) -> Response:
    """A CSV source's relative path is read from IMPROVE_HOME/applied on the workspace's side.
    Answers `applied`, a line per improvement, and `warnings`, what applied but deserves a look
    (a sql source counting the register's records deleted in their ITSM tool)."""
    base = get_settings().home_dir / "applied"
    documents = [(str(base / Path(f.name).name), f.text) for f in asked.files]
    try:
        applied = apply_documents(documents, actor=actor)
    except ValidationFailed as failed:
        return as_json({"error": str(failed), "problems": failed.problems}, 400)
    lines = [
        f"{a.id} {a.outcome}: {a.key}" + (f" ({', '.join(a.changed)})" if a.changed else "")
        for a in applied
    ]
    warnings = [f"{a.id} {w}" for a in applied for w in a.warnings]
    return as_json({"applied": lines, "warnings": warnings})
