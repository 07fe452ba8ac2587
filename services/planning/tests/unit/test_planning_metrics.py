"""Participation and tokenism metrics as pure computations."""

from __future__ import annotations

import pytest

from cg_planning.plans.evaluation import kpi_progress
from cg_planning.plans.metrics import DeliberationFacts, ItemFacts, compute_metrics


def test_metrics_of_a_plan() -> None:
    items = [
        ItemFacts("a", "청년 공간", "resident", 1),
        ItemFacts("b", "돌봄", "civic_group", 2),
        ItemFacts("c", "도로", "department", 0),
        ItemFacts("d", "행정", "department", 1),
    ]
    records = [
        DeliberationFacts("a", "forum", 40, True),
        DeliberationFacts("a", "survey", 200, False),
        DeliberationFacts("b", "working_group", 12, False),
        DeliberationFacts("c", "hearing", 8, False),
        DeliberationFacts("zzz", "forum", 999, True),  # not an item of this plan: ignored
    ]
    m = compute_metrics(
        items=items,
        deliberations=records,
        proposal_statuses=["accepted", "merged", "rejected", "rejected", "submitted"],
    )
    assert m.items_total == 4
    assert m.items_by_origin == {"resident": 1, "civic_group": 1, "department": 2}
    assert m.origin_shares == {"resident": 0.25, "civic_group": 0.25, "department": 0.5}
    assert (m.deliberation_events, m.participants) == (4, 260)
    assert m.deliberation_events_per_item == 1.0 and m.participants_per_item == 65.0
    assert m.items_changed_by_input == 1 and m.share_items_changed_by_input == 0.25
    assert m.proposals_received == 5
    assert m.proposals_by_status == {"submitted": 1, "accepted": 1, "merged": 1, "rejected": 2}
    assert m.share_proposals_accepted == 0.5  # (1 accepted + 1 merged) / 4 screened
    assert m.items_without_deliberation == ["d"]
    rows = {r.item_id: r for r in m.items}
    assert rows["a"].iap2_depth == 2 and not rows["a"].tokenism_risk  # input changed it
    assert rows["b"].iap2_depth == 3 and not rows["b"].tokenism_risk  # working group = collaborate
    assert rows["c"].tokenism_risk and rows["c"].public_led
    assert rows["d"].tokenism_risk and not rows["d"].public_led
    assert (m.public_led_items, m.tokenism_risk_items) == (1, 2)


def test_empty_plan_has_no_ratios_rather_than_zero() -> None:
    m = compute_metrics(items=[], deliberations=[], proposal_statuses=["submitted"])
    assert m.origin_shares == {"resident": None, "civic_group": None, "department": None}
    assert m.share_items_changed_by_input is None and m.share_proposals_accepted is None


def test_kpi_progress_from_baseline_to_target() -> None:
    assert kpi_progress(actual=300, target=400, baseline=None) == 0.75
    assert kpi_progress(actual=500, target=400, baseline=None) == 1.0
    assert kpi_progress(actual=60, target=100, baseline=20) == 0.5
    # Lower is better when the baseline is above the target: 20 → 10 is two thirds of the way to 5.
    assert kpi_progress(actual=10, target=5, baseline=20) == pytest.approx(2 / 3)
    assert kpi_progress(actual=3, target=5, baseline=20) == 1.0
    assert kpi_progress(actual=5, target=0, baseline=None) is None
