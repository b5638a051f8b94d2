"""Liveness and readiness probes, for containers and load balancers (no token needed).

``/health`` answers while the process serves requests at all; ``/health/ready`` answers 200
only when the database answers with the expected schema and the data folder has room, else
503 with the problems (no secrets: revision numbers and free space).
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from fintrack_api.security import DbDep
from fintrack_core.health import readiness

router = APIRouter(tags=["health"])


class Alive(BaseModel):
    status: str = Field(examples=["ok"])


class Ready(BaseModel):
    status: str = Field(examples=["ready"], description="ready or not ready")
    database: bool
    revision: str | None = Field(examples=["0013"])
    expected_revision: str | None = Field(examples=["0013"])
    free_bytes: int | None = Field(examples=[52_428_800_000])
    problems: list[str] = Field(examples=[[]])


@router.get("/health", response_model=Alive, summary="Liveness: the process answers")
def alive() -> Alive:
    return Alive(status="ok")


@router.get("/health/ready", response_model=Ready,
            responses={503: {"model": Ready, "description": "Not ready; see problems"}},
            summary="Readiness: database reachable, schema current, disk space left")
def ready(db: DbDep, response: Response) -> Ready:
    found = readiness(db)
    if not found.ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Ready(status="ready" if found.ready else "not ready", database=found.database,
                 revision=found.revision, expected_revision=found.head,
                 free_bytes=found.free_bytes, problems=found.problems)
