"""Background task: report ended terms (member.term_ended) for every committee, periodically.

The same use case backs ``POST /v1/committees/{id}/term-sweep``; both are idempotent per term, so
several replicas, restarts or a manual sweep never report a term twice.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI

from cg_committee.members import terms

log = logging.getLogger(__name__)


async def sweep_all_committees(app: FastAPI) -> int:
    """One pass over every committee, each in its own transaction; returns the terms reported."""
    sessions = app.state.sessions
    async with sessions() as session:
        committee_ids = await terms.committees_to_sweep(session)
    reported = 0
    for committee_id in committee_ids:
        async with sessions() as session, session.begin():
            result = await terms.term_sweep(
                session=session, actor=terms.SWEEP_ACTOR, committee_id=committee_id
            )
        reported += len(result.ended)
    return reported


async def term_sweeper(app: FastAPI) -> None:
    interval = app.state.settings.term_sweep_interval_s
    if interval <= 0:
        return
    await asyncio.sleep(app.state.settings.term_sweep_initial_delay_s)
    while True:
        try:
            reported = await sweep_all_committees(app)
            if reported:
                log.info("term sweep reported ended terms", extra={"count": reported})
        except asyncio.CancelledError:
            raise
        except Exception:
            # The next pass retries; nothing was half-written (one transaction per committee).
            log.exception("term sweep failed")
        await asyncio.sleep(interval)
