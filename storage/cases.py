"""The response inbox: cases, the mentions in them, and what happened to them.

A case is one customer (brand, source, author) with something that needs an answer. While it is not
resolved, that customer's further posts join it, so one angry customer is one case however many
times they post; the brand's replies to any of its posts (by reply-to id, or in its thread) are its
responses. States: ``open`` (nobody on it), ``assigned`` (someone is), ``waiting`` (the brand
answered; the customer's next post brings it back) and ``resolved``.

Which mentions open cases, and how urgently, is decided by `alerts.sla.case_severity`; this module
only stores what the wiring (`brandpulse.cases`) decided. A case takes the touchpoint and stage of
its first post (`storage.tags` fills them in when the post is tagged after the case opened).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, and_, func, insert, or_, select, text, update

from brandpulse.alerts.sla import more_severe
from brandpulse.storage.leader import advisory_key
from brandpulse.storage.mentions import ensure_brands
from brandpulse.storage.schema import (
    brands,
    case_events,
    case_mentions,
    cases,
    mention_brands,
    mention_tags,
    mentions,
    sentiments,
)

CaseState = Literal["open", "assigned", "waiting", "resolved"]
CASE_STATES: tuple[CaseState, ...] = ("open", "assigned", "waiting", "resolved")
#: The actor of what BrandPulse itself does to a case (opening it, linking posts and replies).
SYSTEM = "brandpulse"


class CaseError(ValueError):
    """A case action that cannot apply (unknown case, already resolved...)."""


@dataclass(frozen=True, slots=True)
class CaseRecord:
    id: int
    brand: str
    source: str
    author: str
    thread_id: str | None
    state: str
    severity: str
    touchpoint: str | None
    stage: str | None
    assignee: str | None
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {name: value.isoformat() if isinstance(value, datetime) else value
                for name, value in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class CaseMention:
    mention_id: int
    role: str  # "customer" or "reply"
    source: str
    external_id: str
    author: str | None
    text: str
    url: str | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "created_at": self.created_at.isoformat()}


@dataclass(frozen=True, slots=True)
class CaseEvent:
    at: datetime
    actor: str
    kind: str
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A scored mention as the case rules see it (one per brand the mention belongs to)."""

    mention_id: int
    brand: str | None  # None for a post linked to no brand (a brand account's reply)
    source: str
    external_id: str
    author: str | None
    text: str
    url: str | None
    reach: int | None
    score: float | None
    language: str | None
    created_at: datetime
    thread_id: str | None
    parent_id: str | None
    touchpoint: str | None
    stage: str | None
    #: The score's anger (None from a scorer without emotions); the case rules read it when present.
    anger: float | None = None

    @property
    def customer(self) -> str:
        """Who the case is about: the author, else the thread, else the post itself."""
        return self.author or (f"thread:{self.thread_id}" if self.thread_id else f"post:{self.external_id}")


# ----------------------------------------------------------------------------------------------------
# Reading scored posts

def candidates(connection: Connection, mention_ids: Iterable[int], model_id: str) -> list[Candidate]:
    """The given mentions with their brand, score (from `model_id`) and tags, oldest first: one per
    brand a mention belongs to, and one without a brand for a mention that belongs to none."""
    ids = sorted(set(mention_ids))
    if not ids:
        return []
    query = (select(mentions.c.id, brands.c.name, mentions.c.source, mentions.c.external_id,
                    func.coalesce(mentions.c.author_handle, mentions.c.author_id), mentions.c.text, mentions.c.url,
                    mentions.c.author_reach, sentiments.c.score, mentions.c.language, mentions.c.created_at,
                    mentions.c.thread_id, mentions.c.parent_id, mention_tags.c.touchpoint, mention_tags.c.stage,
                    sentiments.c.p_anger)
             .select_from(mentions.outerjoin(mention_brands, mention_brands.c.mention_id == mentions.c.id)
                          .outerjoin(brands, brands.c.id == mention_brands.c.brand_id)
                          .outerjoin(sentiments, and_(sentiments.c.mention_id == mentions.c.id,
                                                      sentiments.c.model_id == model_id))
                          .outerjoin(mention_tags, mention_tags.c.mention_id == mentions.c.id))
             .where(mentions.c.id.in_(ids)).order_by(mentions.c.created_at, mentions.c.id, brands.c.name))
    return [Candidate(*tuple(row)) for row in connection.execute(query)]


# ----------------------------------------------------------------------------------------------------
# Opening cases and linking posts to them

def lock_customers(connection: Connection, posts: Iterable[Candidate]) -> None:
    """Serialise case changes per customer across PostgreSQL workers (SQLite has one writer). A batch
    takes all its customers' locks at once, in one order, so that two batches cannot deadlock."""
    if connection.dialect.name != "postgresql":
        return
    for key in sorted({advisory_key(f"case:{post.brand}:{post.source}:{post.customer}") for post in posts}):
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _open_case_id(connection: Connection, brand_id: int, source: str, customer: str) -> int | None:
    query = (select(cases.c.id).where(cases.c.brand_id == brand_id, cases.c.source == source,
                                      cases.c.author == customer, cases.c.state != "resolved")
             .order_by(cases.c.id.desc()).limit(1))
    return connection.execute(query).scalar_one_or_none()


def _event(connection: Connection, case_id: int, at: datetime, actor: str, kind: str, note: str | None = None) -> None:
    connection.execute(insert(case_events).values(case_id=case_id, at=at, actor=actor, kind=kind, note=note))


def _case_of(connection: Connection, mention_id: int) -> int | None:
    found = select(case_mentions.c.case_id).where(case_mentions.c.mention_id == mention_id)
    return connection.execute(found).scalar_one_or_none()


def _brand_id(connection: Connection, candidate: Candidate) -> int:
    if candidate.brand is None:
        raise ValueError(f"mention {candidate.mention_id} belongs to no brand: it cannot open or join a case")
    return ensure_brands(connection, [candidate.brand])[candidate.brand]


def add_customer_post(connection: Connection, candidate: Candidate, severity: str, now: datetime) -> int:
    """Open a case for the post's customer, or add the post to their case that is not resolved yet
    (raising its severity if this post is more pressing). Returns the case id; a post already in a
    case (e.g. for another brand it mentions) changes nothing."""
    lock_customers(connection, [candidate])
    brand_id = _brand_id(connection, candidate)
    known = _case_of(connection, candidate.mention_id)
    if known is not None:
        return known
    case_id = _open_case_id(connection, brand_id, candidate.source, candidate.customer)
    if case_id is None:
        case_id = connection.execute(insert(cases).values(
            brand_id=brand_id, source=candidate.source, author=candidate.customer, thread_id=candidate.thread_id,
            state="open", severity=severity, touchpoint=candidate.touchpoint, stage=candidate.stage,
            opened_at=candidate.created_at, updated_at=now).returning(cases.c.id)).scalar_one()
        _event(connection, case_id, now, SYSTEM, "opened", f"{severity}: {candidate.text[:200]}")
    else:
        current = connection.execute(select(cases.c.severity, cases.c.state, cases.c.assignee)
                                     .where(cases.c.id == case_id)).one()
        _customer_wrote_again(connection, case_id, current, more_severe(current.severity, severity), candidate, now)
    connection.execute(insert(case_mentions).values(mention_id=candidate.mention_id, case_id=case_id, role="customer"))
    return case_id


def _customer_wrote_again(connection: Connection, case_id: int, current: Any, severity: str, candidate: Candidate,
                          now: datetime) -> None:
    state = current.state if current.state != "waiting" else ("assigned" if current.assignee else "open")
    connection.execute(update(cases).where(cases.c.id == case_id).values(severity=severity, state=state,
                                                                          updated_at=now))
    _event(connection, case_id, now, SYSTEM, "customer", candidate.text[:200])


def customers_with_open_cases(connection: Connection, posts: Iterable[Candidate]) -> set[tuple[str, str, str]]:
    """(brand, source, customer) of the posts' authors who have an unresolved case: one query per batch,
    so that follow-ups cost nothing for the many authors without a case."""
    wanted = {(post.brand, post.source, post.customer) for post in posts if post.brand}
    if not wanted:
        return set()
    query = (select(brands.c.name, cases.c.source, cases.c.author).join(brands, brands.c.id == cases.c.brand_id)
             .where(cases.c.state != "resolved", cases.c.author.in_(sorted({key[2] for key in wanted}))))
    return {tuple(row) for row in connection.execute(query)} & wanted


def add_follow_up(connection: Connection, candidate: Candidate, now: datetime) -> int | None:
    """A post that opens no case of its own joins its author's unresolved case when it is in that
    case's thread ("still waiting..."); returns the case id, or None."""
    if not candidate.author or not candidate.thread_id:
        return None
    lock_customers(connection, [candidate])
    brand_id = _brand_id(connection, candidate)
    case_id = _open_case_id(connection, brand_id, candidate.source, candidate.customer)
    if case_id is None or _case_of(connection, candidate.mention_id) is not None:
        return None
    current = connection.execute(select(cases.c.severity, cases.c.state, cases.c.assignee, cases.c.thread_id)
                                 .where(cases.c.id == case_id)).one()
    if current.thread_id != candidate.thread_id:
        return None
    _customer_wrote_again(connection, case_id, current, current.severity, candidate, now)
    connection.execute(insert(case_mentions).values(mention_id=candidate.mention_id, case_id=case_id, role="customer"))
    return case_id


def link_reply(connection: Connection, reply: Candidate, now: datetime) -> int | None:
    """Link a brand account's post to the case it answers: the case holding the post it replies to,
    else the unresolved case of the same source whose thread it is in. Records the first response
    and sets the case waiting for the customer. Returns the case id, or None when it answers no case."""
    if _case_of(connection, reply.mention_id) is not None:
        return None
    case_id: int | None = None
    if reply.parent_id:
        case_id = connection.execute(
            select(case_mentions.c.case_id).join(mentions, mentions.c.id == case_mentions.c.mention_id)
            .where(mentions.c.source == reply.source, mentions.c.external_id == reply.parent_id)).scalar()
    if case_id is None and reply.thread_id:
        case_id = connection.execute(
            select(cases.c.id).where(cases.c.source == reply.source, cases.c.thread_id == reply.thread_id,
                                     cases.c.state != "resolved").order_by(cases.c.id.desc()).limit(1)).scalar()
    if case_id is None:
        return None
    case = connection.execute(select(cases.c.state, cases.c.first_response_at).where(cases.c.id == case_id)).one()
    first = reply.created_at if case.first_response_at is None else min(case.first_response_at, reply.created_at)
    state = case.state if case.state == "resolved" else "waiting"
    connection.execute(update(cases).where(cases.c.id == case_id).values(first_response_at=first, state=state,
                                                                          updated_at=now))
    connection.execute(insert(case_mentions).values(mention_id=reply.mention_id, case_id=case_id, role="reply"))
    _event(connection, case_id, now, reply.author or SYSTEM, "reply", reply.text[:200])
    return case_id


def stored_replies(connection: Connection, case_id: int, accounts: Iterable[str]) -> list[int]:
    """Ids of stored posts by the brand (by `accounts`, or stored linked to no brand: the collect
    job's brand posts) that reply to a post of the case and are in no case yet: replies collected
    before the post they answer was scored."""
    handles = sorted({account.lstrip("@").casefold() for account in accounts})
    unlinked = ~select(mention_brands.c.mention_id).where(mention_brands.c.mention_id == mentions.c.id).exists()
    customer_posts = (select(mentions.c.source, mentions.c.external_id)
                      .join(case_mentions, case_mentions.c.mention_id == mentions.c.id)
                      .where(case_mentions.c.case_id == case_id)).subquery()
    author = func.lower(func.ltrim(func.coalesce(mentions.c.author_handle, mentions.c.author_id, ""), "@"))
    query = (select(mentions.c.id)
             .join(customer_posts, and_(customer_posts.c.source == mentions.c.source,
                                        customer_posts.c.external_id == mentions.c.parent_id))
             .where(or_(author.in_(handles), unlinked) if handles else unlinked, ~select(case_mentions.c.mention_id)
                    .where(case_mentions.c.mention_id == mentions.c.id).exists())
             .order_by(mentions.c.created_at))
    return list(connection.execute(query).scalars())


# ----------------------------------------------------------------------------------------------------
# What people do to cases

def _case_state(connection: Connection, case_id: int) -> str:
    state: str | None = connection.execute(select(cases.c.state).where(cases.c.id == case_id)).scalar_one_or_none()
    if state is None:
        raise CaseError(f"no case {case_id}")
    return state


def assign(connection: Connection, case_id: int, assignee: str, actor: str, now: datetime) -> None:
    """Give a case to someone; an open case becomes assigned (a waiting one keeps waiting)."""
    state = _case_state(connection, case_id)
    if state == "resolved":
        raise CaseError(f"case {case_id} is resolved")
    connection.execute(update(cases).where(cases.c.id == case_id).values(
        assignee=assignee, state="assigned" if state == "open" else state, updated_at=now))
    _event(connection, case_id, now, actor, "assigned", assignee)


def comment(connection: Connection, case_id: int, note: str, actor: str, now: datetime) -> None:
    """An internal note on a case (not a reply to the customer)."""
    _case_state(connection, case_id)
    if not note.strip():
        raise CaseError("a comment needs some text")
    connection.execute(update(cases).where(cases.c.id == case_id).values(updated_at=now))
    _event(connection, case_id, now, actor, "comment", note)


def resolve(connection: Connection, case_id: int, actor: str, now: datetime, note: str | None = None) -> None:
    """Close a case; the customer's next post that needs an answer opens a new one."""
    if _case_state(connection, case_id) == "resolved":
        raise CaseError(f"case {case_id} is already resolved")
    connection.execute(update(cases).where(cases.c.id == case_id).values(state="resolved", resolved_at=now,
                                                                          updated_at=now))
    _event(connection, case_id, now, actor, "resolved", note)


# ----------------------------------------------------------------------------------------------------
# Reading

_RECORD_COLUMNS = (cases.c.id, brands.c.name, cases.c.source, cases.c.author, cases.c.thread_id, cases.c.state,
                   cases.c.severity, cases.c.touchpoint, cases.c.stage, cases.c.assignee, cases.c.opened_at,
                   cases.c.first_response_at, cases.c.resolved_at, cases.c.updated_at)


def _records(connection: Connection, *conditions: Any, newest_first: bool = True, limit: int | None = None
             ) -> list[CaseRecord]:
    query = (select(*_RECORD_COLUMNS).join(brands, brands.c.id == cases.c.brand_id).where(*conditions)
             .order_by(cases.c.opened_at.desc() if newest_first else cases.c.opened_at, cases.c.id))
    if limit is not None:
        query = query.limit(limit)
    return [CaseRecord(*tuple(row)) for row in connection.execute(query)]


def list_cases(connection: Connection, *, states: Sequence[str] | None = None, brand: str | None = None,
               source: str | None = None, assignee: str | None = None, touchpoint: str | None = None,
               severity: str | None = None, limit: int | None = 100) -> list[CaseRecord]:
    """Cases, newest first, narrowed by any of state, brand, source, assignee, touchpoint and severity."""
    conditions: list[ColumnElement[bool]] = []
    if states:
        conditions.append(cases.c.state.in_(list(states)))
    if brand:
        conditions.append(brands.c.name == brand)
    if source:
        conditions.append(cases.c.source == source)
    if assignee:
        conditions.append(cases.c.assignee == assignee)
    if touchpoint:
        conditions.append(cases.c.touchpoint == touchpoint)
    if severity:
        conditions.append(cases.c.severity == severity)
    return _records(connection, *conditions, limit=limit)


def get_case(connection: Connection, case_id: int) -> CaseRecord:
    found = _records(connection, cases.c.id == case_id)
    if not found:
        raise CaseError(f"no case {case_id}")
    return found[0]


def case_posts(connection: Connection, case_id: int) -> list[CaseMention]:
    """The customer's posts and the brand's replies, in the order they were written."""
    query = (select(mentions.c.id, case_mentions.c.role, mentions.c.source, mentions.c.external_id,
                    func.coalesce(mentions.c.author_handle, mentions.c.author_id), mentions.c.text, mentions.c.url,
                    mentions.c.created_at)
             .join(case_mentions, case_mentions.c.mention_id == mentions.c.id)
             .where(case_mentions.c.case_id == case_id).order_by(mentions.c.created_at, mentions.c.id))
    return [CaseMention(*row) for row in connection.execute(query)]


def case_history(connection: Connection, case_id: int) -> list[CaseEvent]:
    query = (select(case_events.c.at, case_events.c.actor, case_events.c.kind, case_events.c.note)
             .where(case_events.c.case_id == case_id).order_by(case_events.c.at, case_events.c.id))
    return [CaseEvent(*row) for row in connection.execute(query)]


def cases_for_sla(connection: Connection, answered_since: datetime) -> list[CaseRecord]:
    """What the SLA check needs: every case still waiting for its first answer, and the cases answered
    (or resolved) since `answered_since`, whose alerts may need resolving."""
    unanswered = and_(cases.c.first_response_at.is_(None), cases.c.resolved_at.is_(None))
    recent = or_(cases.c.first_response_at >= answered_since, cases.c.resolved_at >= answered_since)
    return _records(connection, or_(unanswered, recent), newest_first=False)


def cases_opened_between(connection: Connection, start: datetime, end: datetime, *,
                         brand: str | None = None) -> list[CaseRecord]:
    """Cases opened in [start, end), oldest first: what response figures are computed from."""
    conditions = [cases.c.opened_at >= start, cases.c.opened_at < end]
    if brand:
        conditions.append(brands.c.name == brand)
    return _records(connection, *conditions, newest_first=False)
