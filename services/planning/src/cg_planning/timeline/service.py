"""Proposal timelines and the resident inbox, fed by what planning does and by budget's events.

Every step is recorded once per fact (``dedupe_key``): the consumers' inbox already skips redelivered
events, and the key also makes a repeated use case (or a re-emitted event with a new id) harmless.
Each new step puts a notification in the proposer's inbox.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.common import new_id
from cg_planning.proposals.models import Proposal
from cg_planning.timeline.models import ProposalTimelineEntry, ResidentNotification
from cg_planning.timeline.schemas import (
    NotificationPage,
    NotificationRead,
    NotificationsMarked,
    Stage,
    TimelineEntryRead,
)
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.http import FieldError, NotFound, PageParams, Unprocessable, encode_cursor
from cg_shared.i18n import msg

TITLES = {
    Stage.SCREENED: "제안이 검토되었습니다",
    Stage.IN_PLAN_ITEM: "제안이 계획 사업에 담겼습니다",
    Stage.REVISION: "계획이 보완 요청되었습니다",
    Stage.ADOPTED: "제안이 담긴 계획이 의결되었습니다",
    Stage.REQUESTED: "제안 사업의 예산이 요청되었습니다",
    Stage.FUNDED: "제안 사업에 예산이 배정되었습니다",
    Stage.EXECUTED: "제안 사업의 예산이 집행되고 있습니다",
    Stage.COMPLETED: "제안 사업의 예산 집행이 끝났습니다",
    Stage.REJECTED: "제안이 채택되지 않았습니다",
}


def won(amount: int) -> str:
    return f"{amount:,}원"


async def proposals_of_items(session: AsyncSession, item_ids: Iterable[str]) -> dict[str, list[Proposal]]:
    """Proposals that went into each item (accepted into it or merged into it)."""
    wanted = sorted(set(item_ids))
    if not wanted:
        return {}
    rows = await session.scalars(
        select(Proposal).where(Proposal.item_id.in_(wanted)).order_by(Proposal.created_at, Proposal.id)
    )
    out: dict[str, list[Proposal]] = defaultdict(list)
    for p in rows:
        if p.item_id is not None:
            out[p.item_id].append(p)
    return out


async def record(
    session: AsyncSession,
    proposals: Sequence[Proposal],
    *,
    stage: Stage,
    at: datetime,
    detail: str,
    dedupe_key: str,
    reason: str | None = None,
    plan_id: str | None = None,
    item_id: str | None = None,
    amount_krw: int | None = None,
) -> int:
    """Add the step to each proposal's timeline (once per fact) and notify its proposer; returns how many."""
    ids = [p.id for p in proposals]
    if not ids:
        return 0
    seen = set(
        await session.scalars(
            select(ProposalTimelineEntry.proposal_id).where(
                ProposalTimelineEntry.proposal_id.in_(ids), ProposalTimelineEntry.dedupe_key == dedupe_key
            )
        )
    )
    added = 0
    for proposal in proposals:
        if proposal.id in seen:
            continue
        seen.add(proposal.id)
        entry = ProposalTimelineEntry(
            proposal_id=proposal.id,
            stage=stage.value,
            at=at,
            detail=detail,
            reason=reason,
            plan_id=plan_id,
            item_id=item_id,
            amount_krw=amount_krw,
            dedupe_key=dedupe_key[:200],
        )
        session.add(entry)
        await session.flush()
        body = f"「{proposal.title}」: {detail}" + (f" (사유: {reason})" if reason else "")
        session.add(
            ResidentNotification(
                id=new_id(),
                recipient_sub=proposal.proposer_sub,
                proposal_id=proposal.id,
                timeline_entry_id=entry.id,
                stage=stage.value,
                title=TITLES[stage],
                body=body[:4000],
                created_at=utcnow(),
            )
        )
        added += 1
    await session.flush()
    return added


async def record_for_items(
    session: AsyncSession,
    amounts_by_item: dict[str, int | None],
    *,
    stage: Stage,
    at: datetime,
    detail: str,
    dedupe_key: str,
    reason: str | None = None,
    plan_id: str | None = None,
) -> int:
    """The same step for every proposal in the given items (amount per item where it has one)."""
    by_item = await proposals_of_items(session, amounts_by_item)
    added = 0
    for item_id, proposals in by_item.items():
        amount = amounts_by_item.get(item_id)
        added += await record(
            session,
            proposals,
            stage=stage,
            at=at,
            detail=detail if amount is None else f"{detail} ({won(amount)})",
            dedupe_key=dedupe_key,
            reason=reason,
            plan_id=plan_id,
            item_id=item_id,
            amount_krw=amount,
        )
    return added


async def timelines(session: AsyncSession, proposal_ids: Sequence[str]) -> dict[str, list[TimelineEntryRead]]:
    if not proposal_ids:
        return {}
    rows = await session.scalars(
        select(ProposalTimelineEntry)
        .where(ProposalTimelineEntry.proposal_id.in_(list(proposal_ids)))
        .order_by(ProposalTimelineEntry.at, ProposalTimelineEntry.id)
    )
    out: dict[str, list[TimelineEntryRead]] = defaultdict(list)
    for r in rows:
        out[r.proposal_id].append(
            TimelineEntryRead(
                stage=Stage(r.stage),
                at=r.at,
                detail=r.detail,
                reason=r.reason,
                plan_id=r.plan_id,
                item_id=r.item_id,
                amount_krw=r.amount_krw,
            )
        )
    return out


# --- the inbox ------------------------------------------------------------------------------------


def _read(n: ResidentNotification) -> NotificationRead:
    return NotificationRead(
        id=n.id,
        proposal_id=n.proposal_id,
        stage=Stage(n.stage),
        title=n.title,
        body=n.body,
        created_at=n.created_at,
        read=n.read_at is not None,
        read_at=n.read_at,
    )


async def _unread(session: AsyncSession, sub: str) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(ResidentNotification)
            .where(ResidentNotification.recipient_sub == sub, ResidentNotification.read_at.is_(None))
        )
        or 0
    )


async def inbox(
    *, session: AsyncSession, principal: Principal, page: PageParams, unread_only: bool
) -> NotificationPage:
    """Newest first; only the signed-in person's own notifications."""
    stmt = select(ResidentNotification).where(ResidentNotification.recipient_sub == principal.sub)
    if unread_only:
        stmt = stmt.where(ResidentNotification.read_at.is_(None))
    if page.cursor:
        try:
            at, nid = datetime.fromisoformat(str(page.cursor[0])), str(page.cursor[1])
        except (ValueError, IndexError) as exc:
            raise Unprocessable(
                "cursor is not valid", errors=[FieldError(field="query.cursor", message="bad")]
            ) from exc
        stmt = stmt.where(
            (ResidentNotification.created_at < at)
            | ((ResidentNotification.created_at == at) & (ResidentNotification.id < nid))
        )
    stmt = stmt.order_by(ResidentNotification.created_at.desc(), ResidentNotification.id.desc())
    rows = list(await session.scalars(stmt.limit(page.limit + 1)))
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return NotificationPage(
        items=[_read(n) for n in rows],
        next_cursor=encode_cursor([rows[-1].created_at.isoformat(), rows[-1].id]) if more and rows else None,
        unread_count=await _unread(session, principal.sub),
    )


async def mark_read(*, session: AsyncSession, principal: Principal, notification_id: str) -> NotificationRead:
    n = await session.get(ResidentNotification, notification_id, with_for_update=True)
    # Someone else's notification is as absent as a missing one: its existence is not disclosed.
    if n is None or n.recipient_sub != principal.sub:
        raise NotFound(
            msg("no notification {notification_id} in your inbox", notification_id=notification_id)
        )
    if n.read_at is None:
        n.read_at = utcnow()
        await session.flush()
    return _read(n)


async def mark_all_read(*, session: AsyncSession, principal: Principal) -> NotificationsMarked:
    result = await session.execute(
        update(ResidentNotification)
        .where(ResidentNotification.recipient_sub == principal.sub, ResidentNotification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return NotificationsMarked(
        marked_read=int(getattr(result, "rowcount", 0) or 0),
        unread_count=await _unread(session, principal.sub),
    )
