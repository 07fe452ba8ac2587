"""SMG block-grant money (budget's ``block_grant.assigned``) funds an adopted plan item the way an allocation
line does: the item's funded amount moves once per block-grant use, however often the event is delivered,
and an item of a plan that is not adopted, or of another borough, is left alone."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from cg_shared.events.budget import BlockGrantAssigned


def assigned(pl: Any, plan: Any, item_id: str, amount: int, *, sgg: str | None = None) -> BlockGrantAssigned:
    return BlockGrantAssigned(
        block_grant_id=str(uuid.uuid4()),
        use_id=str(uuid.uuid4()),
        sgg_code=sgg or pl.SGG,
        fiscal_year=plan.fiscal_year,
        request_id=str(uuid.uuid4()),
        plan_id=plan.plan_id,
        plan_item_id=item_id,
        amount_krw=amount,
    )


async def test_block_grant_use_funds_the_adopted_item_once(
    client: httpx.AsyncClient, app: FastAPI, pl: Any
) -> None:
    plan = await pl.drafted_plan(client, items=2)
    # Before adoption nothing is funded.
    early = assigned(pl, plan, plan.item_ids[1], 5_000_000)
    await pl.consume(app, pl.event_record(early, subject=early.block_grant_id))
    assert (await client.get(f"/v1/items/{plan.item_ids[1]}")).json()["funded_krw"] == 0

    assert (await client.post(f"/v1/plans/{plan.plan_id}/submit", headers=pl.OFFICER)).status_code == 200
    adopted = pl.decision(plan.plan_id)
    await pl.consume(app, pl.event_record(adopted, subject=adopted.decision_id))
    assert (await client.get(f"/v1/plans/{plan.plan_id}")).json()["state"] == "ADOPTED"

    use = assigned(pl, plan, plan.item_ids[0], 30_000_000)
    record = pl.event_record(use, subject=use.block_grant_id)
    await pl.consume(app, record)
    await pl.consume(app, record)  # redelivered
    await pl.consume(app, pl.event_record(use, subject=use.block_grant_id))  # re-emitted
    item = (await client.get(f"/v1/items/{plan.item_ids[0]}")).json()
    assert item["funded"] is True and item["funded_krw"] == 30_000_000

    foreign = assigned(pl, plan, plan.item_ids[1], 7_000_000, sgg=pl.OTHER_SGG)
    await pl.consume(app, pl.event_record(foreign, subject=foreign.block_grant_id))
    assert (await client.get(f"/v1/items/{plan.item_ids[1]}")).json()["funded_krw"] == 0
