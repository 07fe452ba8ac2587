"""The add1 completion's search for the last share to use, skipping shares that provably change nothing.

pabutools runs MES at every share ``start, start + step, ...``; here a certifying run proves how many further
steps give the same purchases, probes (:meth:`~._mes.MesEngine.probe`) stretch that range by galloping and
then bisecting, and where the purchase sequence changes at almost every step plain exact runs are used
instead (module docstring of :mod:`._mes`). Every share skipped provably gives the outcome of the run that
certified it, so the result is exactly the step-by-step one.
"""

from __future__ import annotations

from ._mes import MesEngine
from ._mes_records import RunResult


class Add1Search:
    """One completion: ``start`` and ``step`` are scaled money (the real share times ``n``)."""

    def __init__(
        self, engine: MesEngine, budget: int, start: int, step: int, *, stop_when_exhaustive: bool
    ) -> None:
        self.engine = engine
        self.budget = budget
        self.start = start
        self.step = step
        self.stop_when_exhaustive = stop_when_exhaustive
        self.k = 0
        self.run = engine.run(start, certify=True, step=step)
        self.certified = True  # whether `run` carries a certificate (plain runs do not)
        self.runs = 1  # exact MES runs so far
        self.gallop = 2  # how far beyond the certified range the next probe looks
        self.skip_probe = False  # no probe right after a failed smallest probe
        self.segment_start = 0  # first share of the current purchase sequence
        # Typical number of steps a purchase sequence lasts (running average). Certificates can only skip
        # within one sequence, so when sequences change every step or two (Wieliczka, large Warsaw
        # districts) plain exact runs - cheaper than certifying ones - are used until sequences lengthen.
        self.typical = 8.0
        self.previous: tuple[int, RunResult] | None = (
            None  # the last share known to give the previous outcome
        )

    def final(self) -> tuple[int, RunResult]:
        """The step whose outcome the completion returns, and a run with that outcome."""
        while True:
            found = self._stop()
            if found is not None:
                return found
            last, ref_k, ref = self._stretch()
            if ref.stable_steps is None and ref is not self.run:
                self.k, self.run, self.certified = ref_k, ref, True
                continue
            self.previous = (last, ref)
            self._next_sequence(last + 1)

    def _stop(self) -> tuple[int, RunResult] | None:
        """The final step if the current run ends the completion, else ``None``."""
        engine, run, budget = self.engine, self.run, self.budget
        costs = engine.costs
        spent = sum(costs[p] for p in run.selected)  # funded zero-cost projects add nothing
        if spent > budget:
            if self.previous is None:  # pragma: no cover - MES at budget / n never overspends
                raise AssertionError("MES overspent at the initial share")
            return self.previous
        chosen = set(run.selected)
        if self.stop_when_exhaustive and all(
            spent + costs[p] > budget for p in engine.eligible if p not in chosen
        ):
            return self.k, run
        if len(chosen) == len(engine.eligible) or (self.certified and run.stable_steps is None):
            # everything is bought, or no larger share can change the outcome: it is final
            return self.k, run
        return None

    def _stretch(self) -> tuple[int, int, RunResult]:
        """The last step known to give the current outcome, and the run (step, result) proving it.

        Stretches the certified range [k, last] with probes further out: galloping, then bisection once
        a probe fails. Probes are a pure speed-up: whatever they cannot certify is reached by the exact
        run after ``last``.
        """
        k, run = self.k, self.run
        last = k
        ref_k, ref = k, run
        if not self.certified or run.stable_steps is None:
            return last, ref_k, ref
        engine, start, step = self.engine, self.start, self.step
        last = k + run.stable_steps
        failed: int | None = None
        probing = not self.skip_probe
        self.skip_probe = False
        while probing:
            target = last + self.gallop if failed is None else (last + failed) // 2
            if target <= last + 1:
                break
            probe = engine.probe(start + target * step, ref, start + ref_k * step, step=step)
            self.runs += 1
            if probe is None:
                if failed is not None or self.gallop == 2:
                    # near the end of this purchase sequence: back to small probes, and none at all
                    # right after a failed smallest one
                    self.skip_probe = self.gallop == 2 and failed is None
                    self.gallop = 2
                    break
                failed = target
                continue
            ref_k, ref = target, probe
            if probe.stable_steps is None:
                break  # the outcome can no longer change: the search ends at this share
            last = target + probe.stable_steps
            if failed is None:
                self.gallop *= 2
            elif last >= failed - 1:
                failed = None
        return last, ref_k, ref

    def _next_sequence(self, k: int) -> None:
        """The exact run at step ``k``, certifying only while purchase sequences last long enough."""
        self.k = k
        self.certified = self.typical >= 4
        fresh = self.engine.run(self.start + k * self.step, certify=self.certified, step=self.step)
        self.runs += 1
        if fresh.selected != self.run.selected:
            # a new purchase sequence: expect it to last about as long as the previous ones
            length = k - self.segment_start
            self.typical = (self.typical + length) / 2
            self.gallop = max(2, length // 2)
            self.segment_start = k
            self.skip_probe = False
        self.run = fresh
