"""Participatory allocation engine of the budget service (pure, exact, no I/O besides Pabulib files).

Names are loaded on first use (PEP 562), so ``cg-budget pb-outcome --help`` does not load the engine.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # `typing` stays unimported until the engine itself loads
if TYPE_CHECKING:
    from typing import Any

    from .model import (
        Election,
        Outcome,
        ProjectExplanation,
        ReasonCode,
        TieBreaking,
        Utility,
    )
    from .pabulib import Instance, PabulibError, Profile, Project, dumps, load, parse, to_election
    from .rules import greedy, mes_add1, mes_add1_comparison, method_of_equal_shares

_WHERE = {
    **dict.fromkeys(
        ("Election", "Outcome", "ProjectExplanation", "ReasonCode", "TieBreaking", "Utility"), "model"
    ),
    **dict.fromkeys(
        ("Instance", "PabulibError", "Profile", "Project", "dumps", "load", "parse", "to_election"), "pabulib"
    ),
    **dict.fromkeys(("greedy", "mes_add1", "mes_add1_comparison", "method_of_equal_shares"), "rules"),
}

__all__ = [
    "Election",
    "Instance",
    "Outcome",
    "PabulibError",
    "Profile",
    "Project",
    "ProjectExplanation",
    "ReasonCode",
    "TieBreaking",
    "Utility",
    "dumps",
    "greedy",
    "load",
    "mes_add1",
    "mes_add1_comparison",
    "method_of_equal_shares",
    "parse",
    "to_election",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
