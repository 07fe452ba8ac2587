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
    :mod:`._mes`, the search in :mod:`._completion`); where the purchase order changes at almost every step (large Warsaw districts) the
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

from ._completion import Add1Search
from ._explain import greedy_note, mes_outcome
from ._mes import MesEngine
from ._mes_records import RunResult
from .model import Election, Outcome, ProjectExplanation, ReasonCode, TieBreaking, Utility, money_text

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
    excluded_by = _exclusion_pairs(exclusions or {})
    remaining = election.budget
    selected: list[str] = []
    notes: dict[str, ProjectExplanation] = {}
    stopped_at: str | None = None
    for position, pid in enumerate(greedy_order(election, tie_breaking=tie_breaking), start=1):
        cost = election.costs[pid]
        score = scores[pid]
        blockers: list[str] = []
        if threshold is not None and score < threshold:
            reason = ReasonCode.GREEDY_BELOW_THRESHOLD
        elif stopped_at is not None:
            reason = ReasonCode.GREEDY_STOPPED
        elif blockers := sorted(excluded_by.get(pid, set()).intersection(selected)):
            reason = ReasonCode.GREEDY_EXCLUDED
        elif cost <= remaining:
            reason = ReasonCode.GREEDY_FUNDED
        else:
            reason = ReasonCode.GREEDY_DID_NOT_FIT
        notes[pid] = greedy_note(
            reason,
            pid,
            position=position,
            score=score,
            cost=election.amount(cost),
            left=election.amount(remaining),
            threshold=threshold,
            stopped_at=stopped_at,
            blockers=blockers,
        )
        if reason is ReasonCode.GREEDY_FUNDED:
            remaining -= cost
            selected.append(pid)
        elif reason is ReasonCode.GREEDY_DID_NOT_FIT and not skip:
            stopped_at = pid
    return Outcome(
        rule=rule,
        selected=tuple(selected),
        cost=election.budget - remaining,
        explanations={pid: notes[pid] for pid in election.costs},
        scale=election.scale,
    )


def _exclusion_pairs(exclusions: Mapping[str, Collection[str]]) -> dict[str, set[str]]:
    """Project id -> the projects it may not be funded with (exclusion is symmetric)."""
    excluded_by: dict[str, set[str]] = {}
    for pid, others in exclusions.items():
        for other in others:
            if other != pid:
                excluded_by.setdefault(pid, set()).add(other)
                excluded_by.setdefault(other, set()).add(pid)
    return excluded_by


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
        return mes_outcome(engine, RunResult(selected=[]), rule="mes", share=None, notes=())
    run = engine.run(election.budget)
    share = election.share(Fraction(election.budget, engine.n))
    return mes_outcome(engine, run, rule="mes", share=share, notes=())


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
        return mes_outcome(engine, RunResult(selected=[]), rule=rule, share=None, notes=())
    unit = 10**election.scale  # one currency unit in the election's units
    # scaled: the real share times n
    start = (election.budget // (n * unit)) * n * unit if integral_start else election.budget
    step = n * increment * unit
    search = Add1Search(engine, election.budget, start, step, stop_when_exhaustive=stop_when_exhaustive)
    final_k, final_run = search.final()
    # Explain at the share actually used (the certified segment started at a smaller share).
    share_scaled = start + final_k * step
    explained = engine.run(share_scaled)
    assert explained.selected == final_run.selected
    share = election.share(Fraction(share_scaled, n))
    notes = (
        f"add1 completion: share per voter {money_text(share)} after {final_k} step(s) of {increment} "
        f"({search.runs} exact MES runs were needed).",
    )
    return mes_outcome(engine, explained, rule=rule, share=share, notes=notes)


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
