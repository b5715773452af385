"""Alerts, silences and acknowledgements: what the alerts page reads and the actions it takes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from brandpulse.reports.web.alert_data import ALERT_STATES, load_alerts, silence_rows
from brandpulse.reports.web.deps import Board, Db, Guarded, Now
from brandpulse.reports.web.models import Acknowledged, AlertsOut, Created, Expired
from brandpulse.storage.queries import list_alerts
from brandpulse.storage.silences import acknowledge_alert, create_silence, expire_silence, list_silences

router = APIRouter(prefix="/api", tags=["alerts"], dependencies=Guarded)
AlertState = Literal["pending", "firing", "resolved"]


class MatcherIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    value: str = Field(max_length=1000)
    op: Literal["=", "!=", "=~", "!~"] = "="


class SilenceIn(BaseModel):
    matchers: list[MatcherIn] = Field(min_length=1)
    comment: str = Field(max_length=2000, description="Why (required, as in Alertmanager)")
    created_by: str = Field(default="dashboard", min_length=1, max_length=200)
    duration_hours: float = Field(default=24.0, gt=0, le=24 * 365)
    starts_at: datetime | None = None


class AcknowledgeIn(BaseModel):
    comment: str = Field(default="", max_length=2000)
    created_by: str = Field(default="dashboard", min_length=1, max_length=200)
    duration_hours: float | None = Field(default=None, gt=0, le=24 * 365,
                                         description="Stop muting repeats after this long (default: until resolved)")


@router.get("/alerts", response_model=AlertsOut,
            summary="Alerts (pending, firing, resolved: never rule states) with their history, and silences")
def alerts(db: Db, now: Now,
           state: Annotated[list[AlertState] | None, Query(description="pending, firing or resolved "
                                                                         "(repeatable; default all three)")] = None,
           brand: Annotated[str | None, Query(description="Only this brand's alerts")] = None) -> dict[str, Any]:
    records = load_alerts(db, now, state or ALERT_STATES)
    silences = silence_rows(list_silences(db), now)
    return {"alerts": [r for r in records if brand is None or r["brand"] == brand], "silences": silences}


@router.post("/silences", status_code=201, response_model=Created, summary="Create a silence")
def new_silence(body: SilenceIn, board: Board, now: Now) -> dict[str, str]:
    starts = body.starts_at or now
    starts = starts if starts.tzinfo else starts.replace(tzinfo=UTC)
    try:
        with board.engine.begin() as db:
            silence_id = create_silence(db, matchers=[m.model_dump() for m in body.matchers],
                                        created_by=body.created_by, comment=body.comment, starts_at=starts,
                                        ends_at=starts + timedelta(hours=body.duration_hours), now=now)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    return {"id": silence_id}


@router.delete("/silences/{silence_id}", response_model=Expired, summary="Expire a silence now")
def delete_silence(silence_id: str, board: Board, now: Now) -> dict[str, Any]:
    with board.engine.begin() as db:
        if not expire_silence(db, silence_id, now=now):
            raise HTTPException(404, "no such silence in force")
    return {"id": silence_id, "expired": True}


@router.post("/alerts/{fingerprint}/acknowledge", status_code=201, response_model=Acknowledged,
             summary="Acknowledge an alert: no repeat notifications while it keeps firing")
def acknowledge(fingerprint: str, body: AcknowledgeIn, board: Board, now: Now) -> dict[str, Any]:
    with board.engine.connect() as db:
        known = fingerprint in set(list_alerts(db, states=list(ALERT_STATES))["fingerprint"])
    if not known:
        raise HTTPException(404, "no such alert")
    expires = now + timedelta(hours=body.duration_hours) if body.duration_hours else None
    try:
        with board.engine.begin() as db:
            acknowledge_alert(db, fingerprint, by=body.created_by, comment=body.comment, now=now, expires_at=expires)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    return {"fingerprint": fingerprint, "acknowledged_by": body.created_by, "expires_at": expires}
