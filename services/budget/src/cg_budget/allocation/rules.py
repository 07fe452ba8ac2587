"""Participatory allocation rules: greedy, Method of Equal Shares, add1 completion, add1-comparison.

All rules are pure functions of an :class:`~cg_budget.allocation.model.Election` and are computed exactly
(integers and ``fractions.Fraction``; no floating point takes part in a decision).

Rules
-----
``greedy``
    Utilitarian greedy. Projects are ranked by support — the number of approvals for approval ballots, the
    sum of points for cumulative and score ballots, and for ordinal ballots the number of ballots that rank
    the project (an ordinal ballot is read as approving every project it ranks). Each project that still
    fits the remaining budget is funded; the others are skipped and the scan goes on. This is the pabutools
    rule ``greedy_utilitarian_welfare`` with ``Cost_Sat`` (support per unit of cost times the cost), i.e.
    the rule that produced the official ``selected`` column of the Warsaw Pabulib files.

``method_of_equal_shares``
    MES (pabutools ``method_of_equal_shares``). Every voter gets ``budget / n``; a project is affordable if
    its supporters still hold its cost; among affordable projects the one with the smallest
    ``rho`` — the least value with ``sum_i min(b_i, rho * u_i) >= cost`` — is bought and each supporter pays
    ``min(b_i, rho * u_i)``. Utilities ``u_i``: the project cost for approval and ordinal ballots (pabutools
    ``Cost_Sat``; then ``rho * cost`` is the largest payment of one supporter), the voter's points for
    cumulative and score ballots (``Additive_Cardinal_Sat``), or 1 (``Cardinality_Sat``) on request.
    Projects with zero cost and positive total utility are funded before the rounds start; projects nobody
    values take no part (as in pabutools).

``mes_add1``
    MES with the "add1" completion of pabutools (``voter_budget_increment=1``): for ``k = 0, 1, 2, ...``
    compute MES with a share of ``budget / n + k`` per voter (the virtual budget grows by ``n`` each step);
    stop at the first ``k`` whose outcome is over budget and return the outcome of ``k - 1``, or at the first
    ``k`` whose outcome is exhaustive (no further MES-eligible project fits) and return it. The
    equalshares.net variants are options: ``integral_start`` starts from ``floor(budget / n)``, and
    ``stop_when_exhaustive=False`` keeps raising the share while the next outcome is within budget.
    Shares that provably give the same purchases as an exact run are skipped (certificates in
    :mod:`._mes`); where the purchase order changes at almost every step (large Warsaw districts) the
    completion falls back to one exact run per step. Either way the result is exactly pabutools'.

``mes_add1_comparison``
    The rule of the Wieliczka "Green Million" 2023 election (Pabulib ``equalshares/add1-comparison``), as
    implemented by the equalshares.net compute tool (``comparisonStep``): MES with the equalshares.net
    add1 completion (no stop at the first exhaustive outcome) against the greedy outcome; each voter
    prefers the outcome funding more of the projects they support, and greedy replaces MES only if
    strictly more voters prefer it. This reproduces Wieliczka's official ``selected`` column.

Tie-breaking (documented and deterministic)
-------------------------------------------
By default ties go to the lexicographically smaller project id, compared as strings (pabutools'
``lexico_tie_breaking``): in MES, among projects with the same ``rho``; in greedy, among projects with the
same support. ``TieBreaking.MIN_COST_MAX_VOTES`` selects the equalshares.net recommendation (cheaper first,
then more supporters, then the lexicographic order). With the default, outcomes coincide with pabutools.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from fractions import Fraction
from typing import Literal

from ._mes import MesEngine, RunResult
from .model import (
    Election,
    Outcome,
    ProjectExplanation,
    ReasonCode,
    TieBreaking,
    Utility,
    money_text,
)

Comparison = Literal["satisfaction", "exclusion_ratio"]

__all__ = [
    "Comparison",
    "greedy",
    "greedy_order",
    "mes_add1",
    "mes_add1_comparison",
    "method_of_equal_shares",
]


# ---------------------------------------------------------------------------------------------- greedy


def greedy_order(election: Election, *, tie_breaking: TieBreaking = TieBreaking.LEXICOGRAPHIC) -> list[str]:
    """Project ids in the order greedy considers them (support descending, then the tie-breaking order)."""
    scores = election.scores()
    if tie_breaking is TieBreaking.LEXICOGRAPHIC:
        return sorted(election.costs, key=lambda pid: (-scores[pid], pid))
    supporters = election.supporter_counts()
    return sorted(
        election.costs,
        key=lambda pid: (-scores[pid], election.costs[pid], -supporters[pid], pid),
    )


def greedy(
    election: Election,
    *,
    tie_breaking: TieBreaking = TieBreaking.LEXICOGRAPHIC,
    threshold: int | None = None,
    skip: bool = True,
    exclusions: Mapping[str, Collection[str]] | None = None,
    rule: str = "greedy",
) -> Outcome:
    """Utilitarian greedy by support, and the greedy variants official Pabulib elections used.

    Projects are taken in :func:`greedy_order`; each one that fits the remaining budget is funded.

    * ``threshold``: projects whose support is below it take no part (``greedy-threshold``, Pabulib META
      ``min_project_score_threshold``; support is the ``votes``/``score`` of the file).
    * ``skip=False``: the scan stops at the first project that does not fit (``greedy-no-skip``).
    * ``exclusions``: project id -> the projects it excludes (``greedy-exclusive``); a project excluded by
      one already funded is passed over. Exclusion is symmetric: listing it once is enough.
    """
    scores = election.scores()
    excluded_by: dict[str, set[str]] = {}
    for pid, others in (exclusions or {}).items():
        for other in others:
            if other != pid:
                excluded_by.setdefault(pid, set()).add(other)
                excluded_by.setdefault(other, set()).add(pid)
    remaining = election.budget
    selected: list[str] = []
    notes: dict[str, ProjectExplanation] = {}
    money = election.amount
    stopped_at: str | None = None
    for position, pid in enumerate(greedy_order(election, tie_breaking=tie_breaking), start=1):
        cost = election.costs[pid]
        score = scores[pid]
        shown = money(cost)
        left = money(remaining)
        common = {"project_id": pid, "cost": shown, "support": score, "position": position}
        if threshold is not None and score < threshold:
            notes[pid] = ProjectExplanation(
                **common,  # type: ignore[arg-type]
                selected=False,
                reason_code=ReasonCode.GREEDY_BELOW_THRESHOLD,
                text_en=f"Not funded: its support {score:,} is below the threshold {threshold:,}.",
                text_ko=f"미선정: 지지 {score:,}이(가) 기준 {threshold:,}에 못 미쳤습니다.",
            )
            continue
        if stopped_at is not None:
            notes[pid] = ProjectExplanation(
                **common,  # type: ignore[arg-type]
                selected=False,
                reason_code=ReasonCode.GREEDY_STOPPED,
                remaining_budget=left,
                text_en=(
                    f"Not funded: ranked {position} by support ({score:,}), after project {stopped_at} did "
                    f"not fit; greedy without skipping stops there."
                ),
                text_ko=(
                    f"미선정: 지지 {score:,}(으)로 {position}위였지만, 앞선 사업 {stopped_at}이(가) 예산에 "
                    f"들어가지 않아 건너뛰기 없는 방식의 선정이 그곳에서 끝났습니다."
                ),
            )
            continue
        blockers = sorted(excluded_by.get(pid, set()).intersection(selected))
        if blockers:
            notes[pid] = ProjectExplanation(
                **common,  # type: ignore[arg-type]
                selected=False,
                reason_code=ReasonCode.GREEDY_EXCLUDED,
                remaining_budget=left,
                text_en=(
                    f"Not funded: ranked {position} by support ({score:,}), but it excludes the funded "
                    f"project {', '.join(blockers)}."
                ),
                text_ko=(
                    f"미선정: 지지 {score:,}(으)로 {position}위였지만, 이미 선정된 사업 "
                    f"{', '.join(blockers)}와(과) 함께 선정될 수 없습니다."
                ),
            )
            continue
        if cost <= remaining:
            remaining -= cost
            selected.append(pid)
            notes[pid] = ProjectExplanation(
                **common,  # type: ignore[arg-type]
                selected=True,
                reason_code=ReasonCode.GREEDY_FUNDED,
                remaining_budget=left,
                text_en=(
                    f"Funded: ranked {position} by support ({score:,}); its cost {money_text(shown)} fitted "
                    f"the remaining budget {money_text(left)}."
                ),
                text_ko=(
                    f"선정: 지지 {score:,}(으)로 {position}위였고, 비용 {money_text(shown)}이(가) 남은 예산 "
                    f"{money_text(left)} 안에 들어갔습니다."
                ),
            )
        else:
            if not skip:
                stopped_at = pid
            notes[pid] = ProjectExplanation(
                **common,  # type: ignore[arg-type]
                selected=False,
                reason_code=ReasonCode.GREEDY_DID_NOT_FIT,
                remaining_budget=left,
                text_en=(
                    f"Not funded: ranked {position} by support ({score:,}), but its cost {money_text(shown)} "
                    f"did not fit the remaining budget {money_text(left)}."
                ),
                text_ko=(
                    f"미선정: 지지 {score:,}(으)로 {position}위였지만 비용 {money_text(shown)}이(가) 남은 "
                    f"예산 {money_text(left)}을(를) 넘었습니다."
                ),
            )
    return Outcome(
        rule=rule,
        selected=tuple(selected),
        cost=election.budget - remaining,
        explanations={pid: notes[pid] for pid in election.costs},
        scale=election.scale,
    )


# ---------------------------------------------------------------------------------------------- MES


def method_of_equal_shares(
    election: Election,
    *,
    utility: Utility | None = None,
    tie_breaking: TieBreaking = TieBreaking.LEXICOGRAPHIC,
) -> Outcome:
    """Method of Equal Shares with each voter's share ``budget / n`` (no completion)."""
    engine = MesEngine(election, utility=utility or election.default_utility, tie_breaking=tie_breaking)
    if engine.n == 0:
        return _mes_outcome(engine, RunResult(selected=[]), rule="mes", share=None, notes=())
    run = engine.run(election.budget)
    share = election.share(Fraction(election.budget, engine.n))
    return _mes_outcome(engine, run, rule="mes", share=share, notes=())


def mes_add1(
    election: Election,
    *,
    utility: Utility | None = None,
    tie_breaking: TieBreaking = TieBreaking.LEXICOGRAPHIC,
    increment: int = 1,
    integral_start: bool = False,
    stop_when_exhaustive: bool = True,
) -> Outcome:
    """MES completed by raising every voter's share by ``increment`` per step (pabutools semantics).

    ``increment`` is in currency units (1 zł, 1 원), whatever the election's ``scale``."""
    if increment <= 0:
        raise ValueError("increment must be positive")
    engine = MesEngine(election, utility=utility or election.default_utility, tie_breaking=tie_breaking)
    return _add1(
        engine,
        election,
        increment=increment,
        integral_start=integral_start,
        stop_when_exhaustive=stop_when_exhaustive,
        rule="mes-add1",
    )


def _add1(
    engine: MesEngine,
    election: Election,
    *,
    increment: int,
    integral_start: bool,
    stop_when_exhaustive: bool,
    rule: str,
) -> Outcome:
    n = engine.n
    if n == 0:
        return _mes_outcome(engine, RunResult(selected=[]), rule=rule, share=None, notes=())
    budget = election.budget
    costs = engine.costs
    unit = 10**election.scale  # one currency unit in the election's units
    # scaled: the real share times n
    start = (budget // (n * unit)) * n * unit if integral_start else budget
    step = n * increment * unit
    eligible = len(engine.eligible)
    k = 0
    run = engine.run(start, certify=True, step=step)
    certified = True  # whether `run` carries a certificate (plain runs do not)
    runs = 1
    gallop = 2  # how far beyond the certified range the next probe looks
    skip_probe = False  # no probe right after a failed smallest probe
    segment_start = 0  # first share of the current purchase sequence
    # Typical number of steps a purchase sequence lasts (running average). Certificates can only skip
    # within one sequence, so when sequences change every step or two (Wieliczka, large Warsaw
    # districts) plain exact runs - cheaper than certifying ones - are used until sequences lengthen.
    typical = 8.0
    previous: tuple[int, RunResult] | None = None  # the last share known to give the previous outcome
    while True:
        spent = sum(costs[p] for p in run.selected)  # funded zero-cost projects add nothing
        if spent > budget:
            if previous is None:  # pragma: no cover - MES at budget / n never overspends
                raise AssertionError("MES overspent at the initial share")
            final_k, final_run = previous
            break
        chosen = set(run.selected)
        if stop_when_exhaustive and all(
            spent + costs[p] > budget for p in engine.eligible if p not in chosen
        ):
            final_k, final_run = k, run
            break
        if len(chosen) == eligible or (certified and run.stable_steps is None):
            # everything is bought, or no larger share can change the outcome: it is final
            final_k, final_run = k, run
            break
        last = k
        ref_k, ref = k, run
        if certified and run.stable_steps is not None:
            # Stretch the certified range [k, last] with probes further out: galloping, then bisection
            # once a probe fails. Probes are a pure speed-up: whatever they cannot certify is reached
            # by the exact run at last + 1 below.
            last = k + run.stable_steps
            failed: int | None = None
            probing = not skip_probe
            skip_probe = False
            while probing:
                target = last + gallop if failed is None else (last + failed) // 2
                if target <= last + 1:
                    break
                probe = engine.probe(start + target * step, ref, start + ref_k * step, step=step)
                runs += 1
                if probe is None:
                    if failed is not None or gallop == 2:
                        # near the end of this purchase sequence: back to small probes, and none at all
                        # right after a failed smallest one
                        skip_probe = gallop == 2 and failed is None
                        gallop = 2
                        break
                    failed = target
                    continue
                ref_k, ref = target, probe
                if probe.stable_steps is None:
                    break  # the outcome can no longer change: the loop above ends at this share
                last = target + probe.stable_steps
                if failed is None:
                    gallop *= 2
                elif last >= failed - 1:
                    failed = None
        if ref.stable_steps is None and ref is not run:
            k, run, certified = ref_k, ref, True
            continue
        previous = (last, ref)
        k = last + 1
        certified = typical >= 4
        fresh = engine.run(start + k * step, certify=certified, step=step)
        runs += 1
        if fresh.selected != run.selected:
            # a new purchase sequence: expect it to last about as long as the previous ones
            length = k - segment_start
            typical = (typical + length) / 2
            gallop = max(2, length // 2)
            segment_start = k
            skip_probe = False
        run = fresh
    # Explain at the share actually used (the certified segment started at a smaller share).
    share_scaled = start + final_k * step
    explained = engine.run(share_scaled)
    assert explained.selected == final_run.selected
    share = election.share(Fraction(share_scaled, n))
    notes = (
        f"add1 completion: share per voter {money_text(share)} after {final_k} step(s) of {increment} "
        f"({runs} exact MES runs were needed).",
    )
    return _mes_outcome(engine, explained, rule=rule, share=share, notes=notes)


# ---------------------------------------------------------------------------------------------- comparison


def mes_add1_comparison(
    election: Election,
    *,
    tie_breaking: TieBreaking = TieBreaking.LEXICOGRAPHIC,
    integral_start: bool = False,
    stop_when_exhaustive: bool = False,
    comparison: Comparison = "satisfaction",
) -> Outcome:
    """MES + add1, kept unless strictly more voters prefer the greedy outcome (equalshares.net).

    This is the ``comparisonStep`` of the equalshares.net compute tool used for Wieliczka's Green
    Million 2023 (Pabulib ``equalshares/add1-comparison``):

    * the add1 completion of equalshares.net keeps raising the share while the *next* outcome is within
      budget (``stop_when_exhaustive=False``; pabutools also stops at the first exhaustive outcome, which on
      Wieliczka gives 31 projects for 984,579 instead of the official 30 projects for 995,079);
    * if every project together fits the budget, plain MES is used (as the tool does);
    * ``comparison="satisfaction"``: a voter prefers the outcome funding more of the projects they
      support; ``"exclusion_ratio"``: a voter prefers an outcome funding at least one of their projects
      over one funding none. Indifferent voters are not counted, and greedy replaces MES only if strictly
      more voters prefer it.
    """
    if sum(election.costs.values()) <= election.budget:
        mes = method_of_equal_shares(election, tie_breaking=tie_breaking)
    else:
        mes = mes_add1(
            election,
            tie_breaking=tie_breaking,
            integral_start=integral_start,
            stop_when_exhaustive=stop_when_exhaustive,
        )
    util = greedy(election, tie_breaking=tie_breaking)
    in_mes = set(mes.selected)
    in_greedy = set(util.selected)
    prefers_mes = prefers_greedy = 0
    for ballot in election.ballots:
        a = sum(1 for pid, pts in ballot.items() if pts > 0 and pid in in_mes)
        g = sum(1 for pid, pts in ballot.items() if pts > 0 and pid in in_greedy)
        if comparison == "exclusion_ratio":
            a, g = min(a, 1), min(g, 1)
        if a > g:
            prefers_mes += 1
        elif g > a:
            prefers_greedy += 1
    vote = (
        f"comparison ({comparison}): {prefers_mes:,} voters prefer MES+add1, {prefers_greedy:,} prefer "
        f"greedy."
    )
    if prefers_greedy > prefers_mes:
        return Outcome(
            rule="mes-add1-comparison",
            selected=util.selected,
            cost=util.cost,
            explanations=util.explanations,
            notes=(*mes.notes, vote, "the greedy outcome replaces MES+add1"),
            scale=election.scale,
        )
    return Outcome(
        rule="mes-add1-comparison",
        selected=mes.selected,
        cost=mes.cost,
        explanations=mes.explanations,
        per_voter_budget=mes.per_voter_budget,
        notes=(*mes.notes, vote, "the MES+add1 outcome is kept"),
        scale=election.scale,
    )


# ---------------------------------------------------------------------------------------------- outcome


def _mes_outcome(
    engine: MesEngine,
    run: RunResult,
    *,
    rule: str,
    share: Fraction | None,
    notes: tuple[str, ...],
) -> Outcome:
    n = engine.n
    ids = engine.ids
    costs = engine.costs
    order = [*engine.free, *run.selected]
    raw_support = engine.election.supporter_counts() if 0 in costs else {}
    explanations: dict[str, ProjectExplanation] = {}
    election = engine.election
    for p, pid in enumerate(ids):
        cost = election.amount(costs[p])
        support = engine.supporters[p]
        if p in engine.free:
            explanations[pid] = ProjectExplanation(
                project_id=pid,
                selected=True,
                reason_code=ReasonCode.MES_FUNDED_FREE,
                cost=cost,
                support=support,
                position=order.index(p) + 1,
                text_en=f"Funded before the rounds: it costs nothing and {support:,} voters support it.",
                text_ko=f"라운드 전에 선정: 비용이 0이고 {support:,}명이 지지했습니다.",
            )
        elif p in run.bought:
            rec = run.bought[p]
            pay = election.share(rec.pay / n)
            per = " per point" if engine.utility == "points" and engine.point_levels[p] > 1 else ""
            explanations[pid] = ProjectExplanation(
                project_id=pid,
                selected=True,
                reason_code=ReasonCode.MES_FUNDED,
                cost=cost,
                support=support,
                position=order.index(p) + 1,
                round=rec.round,
                max_payment=pay,
                paid_in_full=rec.paid_in_full,
                text_en=(
                    f"Bought in round {rec.round}: its {support:,} supporters shared the cost {money_text(cost)}, "
                    f"paying at most {money_text(pay)} each{per}; {rec.paid_in_full:,} of them paid all "
                    f"they had left."
                ),
                text_ko=(
                    f"{rec.round}번째 라운드에 선정: 지지자 {support:,}명이 비용 {money_text(cost)}을(를) 나누어 "
                    f"1인당 최대 {money_text(pay)}씩 부담했고, 그중 {rec.paid_in_full:,}명은 남은 몫을 "
                    f"모두 냈습니다."
                ),
            )
        elif p in run.dropped:
            drop = run.dropped[p]
            available = election.share(Fraction(drop.available) / n)
            explanations[pid] = ProjectExplanation(
                project_id=pid,
                selected=False,
                reason_code=ReasonCode.MES_SUPPORTERS_SHORT,
                cost=cost,
                support=support,
                round=drop.round,
                available=available,
                text_en=(
                    f"Not funded: in round {drop.round} its {support:,} supporters could only pay "
                    f"{money_text(available)} of its cost {money_text(cost)}."
                ),
                text_ko=(
                    f"미선정: {drop.round}번째 라운드에서 지지자 {support:,}명의 남은 몫은 "
                    f"{money_text(available)}로, 비용 {money_text(cost)}에 못 미쳤습니다."
                ),
            )
        elif costs[p] == 0 and raw_support[pid]:
            # a free project is worth nothing under cost utilities, so MES ignores it (as pabutools)
            explanations[pid] = ProjectExplanation(
                project_id=pid,
                selected=False,
                reason_code=ReasonCode.NO_SUPPORT,
                cost=cost,
                support=raw_support[pid],
                text_en="Not funded: it costs nothing, so under cost utilities it is worth nothing to MES.",
                text_ko="미선정: 비용이 0이라 비용 효용 기준으로는 MES에서 가치가 0입니다.",
            )
        else:
            explanations[pid] = ProjectExplanation(
                project_id=pid,
                selected=False,
                reason_code=ReasonCode.NO_SUPPORT,
                cost=cost,
                support=support,
                text_en="Not funded: no voter supported it.",
                text_ko="미선정: 지지한 투표자가 없습니다.",
            )
    selected = tuple(ids[p] for p in order)
    return Outcome(
        rule=rule,
        selected=selected,
        cost=sum(costs[p] for p in order),
        explanations=explanations,
        per_voter_budget=share,
        notes=notes,
        scale=election.scale,
    )
