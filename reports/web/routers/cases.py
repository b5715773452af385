"""The response inbox: `/api/cases` (list, one case with its posts and history) and the actions the
case page takes (assign, comment, resolve). Like every route these need the dashboard's token when it
has one (beyond loopback it must), and the actions take JSON only (`security.hardening`), which a
cross-site form cannot send."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from brandpulse.reports.web.deps import Board, Db, Guarded, Now
from brandpulse.reports.web.models import CaseDetail, CaseOut, CaseStateName
from brandpulse.reports.web.settings import Dashboard
from brandpulse.storage.cases import (
    CaseError,
    CaseRecord,
    assign,
    case_history,
    case_posts,
    comment,
    get_case,
    list_cases,
    resolve,
)

router = APIRouter(prefix="/api", tags=["cases"], dependencies=Guarded)


class ActorIn(BaseModel):
    actor: str = Field(default="dashboard", min_length=1, max_length=200, description="Who does it")


class AssignIn(ActorIn):
    assignee: str = Field(min_length=1, max_length=200, description="Who the case goes to")


class CommentIn(ActorIn):
    note: str = Field(min_length=1, max_length=5000, description="An internal note (not a reply to the customer)")


class ResolveIn(ActorIn):
    note: str | None = Field(default=None, max_length=5000, description="Why, or what was done")


def case_out(board: Dashboard, record: CaseRecord) -> dict[str, Any]:
    target = board.response_targets.get(record.severity)
    return {**record.to_dict(), "due_at": record.opened_at + target if target else None,
            "link": f"/cases/{record.id}"}


def case_detail(board: Dashboard, db: Connection, case_id: int) -> dict[str, Any]:
    try:
        record = get_case(db, case_id)
    except CaseError as error:
        raise HTTPException(404, str(error)) from None
    return {"case": case_out(board, record), "posts": [post.to_dict() for post in case_posts(db, case_id)],
            "history": [event.to_dict() for event in case_history(db, case_id)]}


@router.get("/cases", response_model=list[CaseOut], summary="Cases, newest first, narrowed by the filters")
def cases(board: Board, db: Db,
          state: Annotated[list[CaseStateName] | None, Query(description="open, assigned, waiting or resolved "
                                                             "(repeatable; default: all but resolved)")] = None,
          brand: Annotated[str | None, Query(description="Only this brand")] = None,
          source: Annotated[str | None, Query(description="Only this source, e.g. x")] = None,
          touchpoint: Annotated[str | None, Query(description="Only this touchpoint, e.g. delivery")] = None,
          severity: Annotated[str | None, Query(description="urgent, angry or negative")] = None,
          assignee: Annotated[str | None, Query(description="Only cases assigned to this person")] = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    states = state or ["open", "assigned", "waiting"]
    found = list_cases(db, states=states, brand=brand, source=source, touchpoint=touchpoint, severity=severity,
                       assignee=assignee, limit=limit)
    return [case_out(board, record) for record in found]


@router.get("/cases/{case_id}", response_model=CaseDetail, summary="One case: its posts, replies and history")
def one_case(case_id: int, board: Board, db: Db) -> dict[str, Any]:
    return case_detail(board, db, case_id)


def _act(board: Dashboard, case_id: int, action: Callable[[Connection], None]) -> dict[str, Any]:
    """Run `action` on an existing case in one transaction; a case it cannot apply to is a 409."""
    with board.engine.begin() as db:
        try:
            get_case(db, case_id)
        except CaseError as error:
            raise HTTPException(404, str(error)) from None
        try:
            action(db)
        except CaseError as error:
            raise HTTPException(409, str(error)) from None
    with board.engine.connect() as db:
        return case_detail(board, db, case_id)


@router.post("/cases/{case_id}/assign", response_model=CaseDetail, summary="Give a case to someone")
def assign_case(case_id: int, body: AssignIn, board: Board, now: Now) -> dict[str, Any]:
    return _act(board, case_id, lambda db: assign(db, case_id, body.assignee, body.actor, now))


@router.post("/cases/{case_id}/comment", response_model=CaseDetail, summary="Add an internal note to a case")
def comment_case(case_id: int, body: CommentIn, board: Board, now: Now) -> dict[str, Any]:
    return _act(board, case_id, lambda db: comment(db, case_id, body.note, body.actor, now))


@router.post("/cases/{case_id}/resolve", response_model=CaseDetail, summary="Resolve a case")
def resolve_case(case_id: int, body: ResolveIn, board: Board, now: Now) -> dict[str, Any]:
    return _act(board, case_id, lambda db: resolve(db, case_id, body.actor, now, body.note))

