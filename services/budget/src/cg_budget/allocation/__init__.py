"""Participatory allocation engine of the budget service (pure, exact, no I/O besides Pabulib files)."""

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
