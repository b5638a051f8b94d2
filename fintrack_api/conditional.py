"""ETags and ``If-Match``: no lost updates between the dashboard, scripts and people.

The ETag is a hash of the resource's JSON as the API shows it, so any change made anywhere
(the dashboard, the CLI, another script) changes it, without a version column in every
table. A PUT, PATCH or DELETE sent with ``If-Match`` is refused with 412 when the current
representation no longer matches. Without ``If-Match`` the write goes ahead (as before);
scripts that care send it.

The compare and the write are two steps, so two writers within the same few milliseconds can
still both pass; a version column per table would close that and is left for later.
"""

from __future__ import annotations

import hashlib

from fastapi import Request, Response
from pydantic import BaseModel

from fintrack_api.problems import ApiError


def etag_of(model: BaseModel) -> str:
    digest = hashlib.sha256(model.model_dump_json().encode("utf-8")).hexdigest()
    return f'"{digest[:32]}"'


def with_etag(response: Response, model: BaseModel) -> None:
    response.headers["ETag"] = etag_of(model)


def check_if_match(request: Request, current: BaseModel) -> None:
    """412 unless ``If-Match`` is absent, ``*``, or names the current ETag."""
    header = request.headers.get("if-match")
    if header is None:
        return
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" in wanted or etag_of(current) in wanted:
        return
    raise ApiError(412, "precondition-failed", "Changed meanwhile",
                   "the resource changed since you read it (If-Match does not match its "
                   "ETag); read it again and re-apply your change")
