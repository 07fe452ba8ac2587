"""Per-project explanations of the rules' outcomes, in English and Korean (structured fields and text)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from ._mes import MesEngine
from ._mes_records import RunResult
from .model import Outcome, ProjectExplanation, ReasonCode, money_text

# ---------------------------------------------------------------------------------------------- greedy

#: English and Korean text of each greedy reason; fields: position, score, threshold, stopped_at, blockers,
#: cost and left (money texts of the cost and of the budget left when greedy reached the project)
_GREEDY_TEXTS: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.GREEDY_BELOW_THRESHOLD: (
        "Not funded: its support {score:,} is below the threshold {threshold:,}.",
        "미선정: 지지 {score:,}이(가) 기준 {threshold:,}에 못 미쳤습니다.",
    ),
    ReasonCode.GREEDY_STOPPED: (
        "Not funded: ranked {position} by support ({score:,}), after project {stopped_at} did not fit; "
        "greedy without skipping stops there.",
        "미선정: 지지 {score:,}(으)로 {position}위였지만, 앞선 사업 {stopped_at}이(가) 예산에 들어가지 "
        "않아 건너뛰기 없는 방식의 선정이 그곳에서 끝났습니다.",
    ),
    ReasonCode.GREEDY_EXCLUDED: (
        "Not funded: ranked {position} by support ({score:,}), but it excludes the funded project "
        "{blockers}.",
        "미선정: 지지 {score:,}(으)로 {position}위였지만, 이미 선정된 사업 {blockers}와(과) 함께 선정될 수 "
        "없습니다.",
    ),
    ReasonCode.GREEDY_FUNDED: (
        "Funded: ranked {position} by support ({score:,}); its cost {cost} fitted the remaining budget {left}.",
        "선정: 지지 {score:,}(으)로 {position}위였고, 비용 {cost}이(가) 남은 예산 {left} 안에 들어갔습니다.",
    ),
    ReasonCode.GREEDY_DID_NOT_FIT: (
        "Not funded: ranked {position} by support ({score:,}), but its cost {cost} did not fit the remaining "
        "budget {left}.",
        "미선정: 지지 {score:,}(으)로 {position}위였지만 비용 {cost}이(가) 남은 예산 {left}을(를) 넘었습니다.",
    ),
}


def greedy_note(
    reason: ReasonCode,
    pid: str,
    *,
    position: int,
    score: int,
    cost: int | Decimal,
    left: int | Decimal,
    threshold: int | None,
    stopped_at: str | None,
    blockers: list[str],
) -> ProjectExplanation:
    """Why greedy funded ``pid`` or not (``cost`` and ``left``, the budget left then, in the currency)."""
    en, ko = _GREEDY_TEXTS[reason]
    facts = {
        "position": position,
        "score": score,
        "threshold": threshold,
        "stopped_at": stopped_at,
        "blockers": ", ".join(blockers),
        "cost": money_text(cost),
        "left": money_text(left),
    }
    return ProjectExplanation(
        project_id=pid,
        selected=reason is ReasonCode.GREEDY_FUNDED,
        reason_code=reason,
        cost=cost,
        support=score,
        position=position,
        # the budget left is not part of the threshold's reason
        remaining_budget=None if reason is ReasonCode.GREEDY_BELOW_THRESHOLD else left,
        text_en=en.format(**facts),
        text_ko=ko.format(**facts),
    )


# ---------------------------------------------------------------------------------------------- MES


def mes_outcome(
    engine: MesEngine,
    run: RunResult,
    *,
    rule: str,
    share: Fraction | None,
    notes: tuple[str, ...],
) -> Outcome:
    """The outcome of a run: free projects first, then the purchases, each project explained."""
    costs = engine.costs
    order = [*engine.free, *run.selected]
    raw_support = engine.election.supporter_counts() if 0 in costs else {}
    explanations = {pid: _mes_note(engine, run, p, order, raw_support) for p, pid in enumerate(engine.ids)}
    return Outcome(
        rule=rule,
        selected=tuple(engine.ids[p] for p in order),
        cost=sum(costs[p] for p in order),
        explanations=explanations,
        per_voter_budget=share,
        notes=notes,
        scale=engine.election.scale,
    )


#: English and Korean text of each MES case; fields: support, round, cost, pay (the largest payment of one
#: supporter), per (" per point" where supporters gave different points), paid (supporters who paid all they
#: had left), available (what the supporters held)
_MES_TEXTS: dict[str, tuple[str, str]] = {
    "free": (
        "Funded before the rounds: it costs nothing and {support:,} voters support it.",
        "라운드 전에 선정: 비용이 0이고 {support:,}명이 지지했습니다.",
    ),
    "bought": (
        "Bought in round {round}: its {support:,} supporters shared the cost {cost}, paying at most {pay} "
        "each{per}; {paid:,} of them paid all they had left.",
        "{round}번째 라운드에 선정: 지지자 {support:,}명이 비용 {cost}을(를) 나누어 1인당 최대 {pay}씩 "
        "부담했고, 그중 {paid:,}명은 남은 몫을 모두 냈습니다.",
    ),
    "short": (
        "Not funded: in round {round} its {support:,} supporters could only pay {available} of its cost "
        "{cost}.",
        "미선정: {round}번째 라운드에서 지지자 {support:,}명의 남은 몫은 {available}로, 비용 {cost}에 "
        "못 미쳤습니다.",
    ),
    # a free project is worth nothing under cost utilities, so MES ignores it (as pabutools)
    "worthless": (
        "Not funded: it costs nothing, so under cost utilities it is worth nothing to MES.",
        "미선정: 비용이 0이라 비용 효용 기준으로는 MES에서 가치가 0입니다.",
    ),
    "unsupported": ("Not funded: no voter supported it.", "미선정: 지지한 투표자가 없습니다."),
}


def _mes_note(
    engine: MesEngine, run: RunResult, p: int, order: list[int], raw_support: dict[str, int]
) -> ProjectExplanation:
    election = engine.election
    pid = engine.ids[p]
    cost = election.amount(engine.costs[p])
    support = engine.supporters[p]
    rec, drop = run.bought.get(p), run.dropped.get(p)
    position = rnd = paid = None
    pay = available = None
    per = ""
    if p in engine.free:
        case, reason, position = "free", ReasonCode.MES_FUNDED_FREE, order.index(p) + 1
    elif rec is not None:
        case, reason, position = "bought", ReasonCode.MES_FUNDED, order.index(p) + 1
        rnd, paid, pay = rec.round, rec.paid_in_full, election.share(rec.pay / engine.n)
        per = " per point" if engine.utility == "points" and engine.point_levels[p] > 1 else ""
    elif drop is not None:
        case, reason, rnd = "short", ReasonCode.MES_SUPPORTERS_SHORT, drop.round
        available = election.share(Fraction(drop.available) / engine.n)
    elif engine.costs[p] == 0 and raw_support[pid]:
        case, reason, support = "worthless", ReasonCode.NO_SUPPORT, raw_support[pid]
    else:
        case, reason = "unsupported", ReasonCode.NO_SUPPORT
    en, ko = _MES_TEXTS[case]
    facts = {
        "support": support,
        "round": rnd,
        "cost": money_text(cost),
        "pay": "" if pay is None else money_text(pay),
        "per": per,
        "paid": paid,
        "available": "" if available is None else money_text(available),
    }
    return ProjectExplanation(
        project_id=pid,
        selected=position is not None,
        reason_code=reason,
        cost=cost,
        support=support,
        position=position,
        round=rnd,
        max_payment=pay,
        paid_in_full=paid,
        available=available,
        text_en=en.format(**facts),
        text_ko=ko.format(**facts),
    )
