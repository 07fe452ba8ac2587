"""The plan workflow as an explicit state machine (pure: no I/O, no framework).

DISCOVERY → DELIBERATION → DRAFTING → COMMITTEE_REVIEW → ADOPTED | REVISION → DRAFTING …
→ IN_EXECUTION → EVALUATED → CLOSED.

Every allowed move is one row of :data:`TRANSITIONS` with its trigger (how it is asked for), the actor
who may cause it and a guard over :class:`PlanFacts`. Anything not in the table is illegal. The service
layer gathers the facts from the database, asks :func:`plan_move` and records the result; keeping the
rules here makes them testable without a database and lets the API publish the table as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from cg_shared.i18n import Msg, msg


class PlanState(StrEnum):
    DISCOVERY = "DISCOVERY"
    DELIBERATION = "DELIBERATION"
    DRAFTING = "DRAFTING"
    COMMITTEE_REVIEW = "COMMITTEE_REVIEW"
    ADOPTED = "ADOPTED"
    REVISION = "REVISION"
    IN_EXECUTION = "IN_EXECUTION"
    EVALUATED = "EVALUATED"
    CLOSED = "CLOSED"


class Trigger(StrEnum):
    """How a move is asked for; each has exactly one entry point in the system."""

    MANUAL = "manual"  # POST /v1/plans/{id}/transitions
    SUBMIT = "submit"  # POST /v1/plans/{id}/submit
    COMMITTEE_DECISION = "committee_decision"  # the committee's DecisionRecorded event, never an API call
    EVALUATION = "evaluation"  # POST /v1/plans/{id}/evaluation


class Actor(StrEnum):
    BOROUGH_OFFICER = "borough_officer"  # of the plan's borough; smg_admin may act everywhere
    COMMITTEE = "committee"  # the borough's CG committee, through its recorded decision


# Items may be added, edited, accepted from proposals only while the plan is being prepared: the
# committee reviews (and adopts) a fixed text.
EDITABLE_STATES: frozenset[PlanState] = frozenset(
    {PlanState.DISCOVERY, PlanState.DELIBERATION, PlanState.DRAFTING, PlanState.REVISION}
)


@dataclass(frozen=True)
class ItemRef:
    item_id: str
    title_ko: str


@dataclass(frozen=True)
class DecisionFacts:
    decision_id: str
    outcome: str  # adopted | rejected
    valid: bool
    refused: str | None = None  # why planning cannot act on an adopting decision (e.g. the year is over)

    @property
    def adopts(self) -> bool:
        return self.valid and self.outcome == "adopted" and self.refused is None


@dataclass(frozen=True)
class PlanFacts:
    """What the guards may look at; the service builds it from the database."""

    kind: str = "annual"  # master | annual
    item_count: int = 0
    items_without_deliberation: tuple[ItemRef, ...] = ()
    decision: DecisionFacts | None = None
    term_end_year: int | None = None
    last_evaluated_year: int | None = None


@dataclass(frozen=True)
class GuardResult:
    ok: bool
    reasons: tuple[Msg, ...] = ()
    items: tuple[ItemRef, ...] = ()


Guard = Callable[[PlanFacts], GuardResult]

_OK = GuardResult(True)


def _always(_: PlanFacts) -> GuardResult:
    return _OK


def _has_items(facts: PlanFacts) -> GuardResult:
    if facts.item_count >= 1:
        return _OK
    return GuardResult(False, (msg("the plan has no items yet"),))


def _ready_for_review(facts: PlanFacts) -> GuardResult:
    if facts.item_count == 0:
        return GuardResult(False, (msg("the plan has no items"),))
    missing = facts.items_without_deliberation
    if missing:
        named = ", ".join(f"{i.title_ko} ({i.item_id})" for i in missing)
        return GuardResult(
            False,
            (msg("every item needs at least one deliberation record; missing for: {named}", named=named),),
            missing,
        )
    return _OK


def _decision_adopts(facts: PlanFacts) -> GuardResult:
    if facts.decision is not None and facts.decision.adopts:
        return _OK
    return GuardResult(False, (msg("adoption needs a valid committee decision with outcome 'adopted'"),))


def _decision_does_not_adopt(facts: PlanFacts) -> GuardResult:
    if facts.decision is not None and not facts.decision.adopts:
        return _OK
    return GuardResult(False, (msg("revision needs a committee decision that rejected or was invalid"),))


def _another_year_to_run(facts: PlanFacts) -> GuardResult:
    # A 3-year master plan is evaluated every year and goes back into execution until its last year.
    if facts.kind != "master":
        return GuardResult(False, (msg("only a master plan runs for more than one year"),))
    if facts.term_end_year is None or facts.last_evaluated_year is None:
        return GuardResult(False, (msg("no evaluated year recorded"),))
    if facts.last_evaluated_year >= facts.term_end_year:
        return GuardResult(False, (msg("the plan's term ended with {year}", year=facts.term_end_year),))
    return _OK


@dataclass(frozen=True)
class Transition:
    source: PlanState
    target: PlanState
    trigger: Trigger
    actor: Actor
    guard: Guard = field(default=_always, compare=False)
    guard_text: str = "none"

    @property
    def via(self) -> str:
        return {
            Trigger.MANUAL: "POST /v1/plans/{id}/transitions",
            Trigger.SUBMIT: "POST /v1/plans/{id}/submit",
            Trigger.COMMITTEE_DECISION: "committee DecisionRecorded event (cg.committee.decision)",
            Trigger.EVALUATION: "POST /v1/plans/{id}/evaluation",
        }[self.trigger]


S = PlanState
TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        S.DISCOVERY, S.DELIBERATION, Trigger.MANUAL, Actor.BOROUGH_OFFICER, _has_items, "at least one item"
    ),
    Transition(S.DELIBERATION, S.DRAFTING, Trigger.MANUAL, Actor.BOROUGH_OFFICER),
    Transition(
        S.DRAFTING,
        S.COMMITTEE_REVIEW,
        Trigger.SUBMIT,
        Actor.BOROUGH_OFFICER,
        _ready_for_review,
        "at least one item; every item has at least one deliberation record",
    ),
    Transition(
        S.COMMITTEE_REVIEW,
        S.ADOPTED,
        Trigger.COMMITTEE_DECISION,
        Actor.COMMITTEE,
        _decision_adopts,
        "decision valid (quorum, majority, recusals) and outcome adopted",
    ),
    Transition(
        S.COMMITTEE_REVIEW,
        S.REVISION,
        Trigger.COMMITTEE_DECISION,
        Actor.COMMITTEE,
        _decision_does_not_adopt,
        "decision rejected, or invalid",
    ),
    Transition(S.REVISION, S.DRAFTING, Trigger.MANUAL, Actor.BOROUGH_OFFICER),
    Transition(S.ADOPTED, S.IN_EXECUTION, Trigger.MANUAL, Actor.BOROUGH_OFFICER),
    Transition(S.IN_EXECUTION, S.EVALUATED, Trigger.EVALUATION, Actor.BOROUGH_OFFICER),
    Transition(
        S.EVALUATED,
        S.IN_EXECUTION,
        Trigger.MANUAL,
        Actor.BOROUGH_OFFICER,
        _another_year_to_run,
        "master plan whose last evaluated year is before the end of its term",
    ),
    Transition(S.EVALUATED, S.CLOSED, Trigger.MANUAL, Actor.BOROUGH_OFFICER),
)


class IllegalTransition(Exception):
    """The move is not in the table from the current state (or not by this trigger)."""

    def __init__(self, current: PlanState, target: PlanState, trigger: Trigger, hint: Msg | None = None):
        self.current = current
        self.target = target
        self.trigger = trigger
        self.allowed = allowed_moves(current)
        self.hint = hint
        moves = (
            Msg.joined(
                ", ", [msg("{target} via {via}", target=t.target.value, via=t.via) for t in self.allowed]
            )
            if self.allowed
            else msg("none (final state)")
        )
        text = msg(
            "plan is {current}; cannot move to {target} by {trigger}. Allowed: {moves}",
            current=current.value,
            target=target.value,
            trigger=trigger.value,
            moves=moves,
        )
        # The problem's detail: a translatable message (the service answers in Korean by default).
        self.message: Msg = msg("{text}. {hint}", text=text, hint=hint) if hint else text
        super().__init__(self.message)


class GuardFailed(Exception):
    """The move is in the table but its guard refuses it for these facts."""

    def __init__(self, transition: Transition, result: GuardResult):
        self.transition = transition
        self.reasons = result.reasons
        self.items = result.items
        self.message: Msg = msg(
            "cannot move from {source} to {target}: {reasons}",
            source=transition.source.value,
            target=transition.target.value,
            reasons=Msg.joined("; ", result.reasons),
        )
        super().__init__(self.message)


def allowed_moves(state: PlanState) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source is state]


def _find(state: PlanState, target: PlanState) -> Transition | None:
    return next((t for t in TRANSITIONS if t.source is state and t.target is target), None)


def plan_move(state: PlanState, target: PlanState, trigger: Trigger, facts: PlanFacts) -> Transition:
    """The transition to apply, or :class:`IllegalTransition` / :class:`GuardFailed`."""
    transition = _find(state, target)
    if transition is None:
        raise IllegalTransition(state, target, trigger)
    if transition.trigger is not trigger:
        # The move exists but has its own entry point: say which, so nobody can route around it.
        raise IllegalTransition(
            state,
            target,
            trigger,
            hint=msg("{target} is reached only via {via}", target=target.value, via=transition.via),
        )
    result = transition.guard(facts)
    if not result.ok:
        raise GuardFailed(transition, result)
    return transition


def decision_target(decision: DecisionFacts) -> PlanState:
    """Where a committee decision sends a plan under review."""
    return PlanState.ADOPTED if decision.adopts else PlanState.REVISION


# --- when an annual plan is adopted ----------------------------------------------------------------


class AdoptionTiming(StrEnum):
    EARLY = "early"  # before the window: allowed (the plan simply waits for its year)
    ON_TIME = "on_time"  # July–September of the year before
    LATE = "late"  # after the window but before the fiscal year ends: adopted, with warnings
    TOO_LATE = "too_late"  # after the fiscal year ended: refused, the plan goes back for revision


@dataclass(frozen=True)
class AdoptionCheck:
    timing: AdoptionTiming
    window_from: date
    window_to: date
    budget_bill_due: date
    warnings: tuple[str, ...] = ()


def adoption_check(*, fiscal_year: int, adopted_on: date) -> AdoptionCheck:
    """DOMAIN: the annual plan for year N is adopted in July–September of N-1 and enters the borough
    budget bill (due 21 November of N-1); the year runs January–December of N.

    Adopting later is a warning, not a refusal, while year N still has time to run (its items then need
    the budget bill amended or a supplementary budget); adopting after year N ended is refused, because a
    plan cannot be carried out in a year that is over.
    """
    window_from, window_to = date(fiscal_year - 1, 7, 1), date(fiscal_year - 1, 9, 30)
    bill_due = date(fiscal_year - 1, 11, 21)
    if adopted_on < window_from:
        return AdoptionCheck(AdoptionTiming.EARLY, window_from, window_to, bill_due)
    if adopted_on <= window_to:
        return AdoptionCheck(AdoptionTiming.ON_TIME, window_from, window_to, bill_due)
    if adopted_on > date(fiscal_year, 12, 31):
        return AdoptionCheck(
            AdoptionTiming.TOO_LATE,
            window_from,
            window_to,
            bill_due,
            (
                f"fiscal year {fiscal_year} ended on {fiscal_year}-12-31: a plan for it can no longer be adopted",
            ),
        )
    warnings = [
        f"adopted on {adopted_on.isoformat()}, after the legal window "
        f"({window_from.isoformat()} – {window_to.isoformat()})"
    ]
    if adopted_on > bill_due:
        warnings.append(
            f"after the borough budget bill was due ({bill_due.isoformat()}): its items need an amended "
            "bill or a supplementary budget"
        )
    if adopted_on >= date(fiscal_year, 1, 1):
        warnings.append(f"during fiscal year {fiscal_year} itself: less than a full year to carry it out")
    return AdoptionCheck(AdoptionTiming.LATE, window_from, window_to, bill_due, tuple(warnings))
