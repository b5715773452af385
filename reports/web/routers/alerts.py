"""Alerts, silences and acknowledgements: what the alerts page reads and the actions it takes.

Durations come and go as "2h", "1d", "1h30m" (``alerts.durations``, the one spelling of a span)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from brandpulse.alerts.durations import Duration
from brandpulse.reports.web.alert_data import ALERT_STATES, load_alerts
from brandpulse.reports.web.deps import Board, Db, Guarded, Now
from brandpulse.reports.web.models import Acknowledged, AlertsOut, Created, Expired
from brandpulse.storage.queries import list_alerts
from brandpulse.storage.silences import acknowledge_alert, add_silence, expire_silence, load_silences

router = APIRouter(prefix="/api", tags=["alerts"], dependencies=Guarded)
AlertState = Literal["pending", "firing", "resolved"]
#: The longest silence or acknowledgement the dashboard takes.
LONGEST = timedelta(days=365)


def _bounded(value: timedelta | None) -> timedelta | None:
    if value is not None and not timedelta(0) < value <= LONGEST:
        raise ValueError("a duration above 0 and at most 365d")
    return value


class MatcherIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    value: str = Field(max_length=1000)
    op: Literal["=", "!=", "=~", "!~"] = "="


class SilenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")   # an old client's duration_hours fails loudly, not silently

    matchers: list[MatcherIn] = Field(min_length=1)
    comment: str = Field(max_length=2000, description="Why (required, as in Alertmanager)")
    created_by: str = Field(default="dashboard", min_length=1, max_length=200)
    duration: Duration = Field(default=timedelta(days=1), description='How long, e.g. "2h", "1d", "1h30m"')
    starts_at: datetime | None = None

    _check_duration = field_validator("duration")(_bounded)


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=2000)
    created_by: str = Field(default="dashboard", min_length=1, max_length=200)
    duration: Duration | None = Field(default=None, description='Stop muting repeats after this long, e.g. "8h" '
                                                                "(default: until resolved)")

    _check_duration = field_validator("duration")(_bounded)


@router.get("/alerts", response_model=AlertsOut,
            summary="Alerts (pending, firing, resolved: never rule states) with their history, and silences")
def alerts(db: Db, now: Now,
           state: Annotated[list[AlertState] | None, Query(description="pending, firing or resolved "
                                                                         "(repeatable; default all three)")] = None,
           brand: Annotated[str | None, Query(description="Only this brand's alerts")] = None) -> dict[str, Any]:
    records = load_alerts(db, now, state or ALERT_STATES)
    silences = [{**s.to_dict(), "status": s.state(now)} for s in load_silences(db, now, include_expired=True)]
    return {"alerts": [r for r in records if brand is None or r["brand"] == brand], "silences": silences}


@router.post("/silences", status_code=201, response_model=Created, summary="Create a silence")
def new_silence(body: SilenceIn, board: Board, now: Now) -> dict[str, str]:
    starts = body.starts_at or now
    try:
        with board.engine.begin() as db:
            silence = add_silence(db, [m.model_dump() for m in body.matchers], created_by=body.created_by,
                                  comment=body.comment, now=now, duration=body.duration,
                                  starts_at=starts if starts.tzinfo else starts.replace(tzinfo=UTC))
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    return {"id": silence.id}


@router.delete("/silences/{silence_id}", response_model=Expired, summary="Expire a silence now")
def delete_silence(silence_id: str, board: Board, now: Now) -> dict[str, Any]:
    try:
        with board.engine.begin() as db:
            silence = expire_silence(db, silence_id, now=now)
    except KeyError:
        raise HTTPException(404, "no such silence in force") from None
    return {"id": silence.id, "expired": True}


@router.post("/alerts/{fingerprint}/acknowledge", status_code=201, response_model=Acknowledged,
             summary="Acknowledge an alert: no repeat notifications while it keeps firing")
def acknowledge(fingerprint: str, body: AcknowledgeIn, board: Board, now: Now) -> dict[str, Any]:
    with board.engine.connect() as db:
        known = fingerprint in set(list_alerts(db, states=list(ALERT_STATES))["fingerprint"])
    if not known:
        raise HTTPException(404, "no such alert")
    try:
        with board.engine.begin() as db:
            ack = acknowledge_alert(db, fingerprint, by=body.created_by, now=now, comment=body.comment,
                                    duration=body.duration)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    return {"fingerprint": fingerprint, "acknowledged_by": ack.acknowledged_by, "expires_at": ack.expires_at}
