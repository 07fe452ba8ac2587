"""The ``pb-outcome`` options and help texts, shared by the argparse entry point (:mod:`.cli`) and the
Typer command (:mod:`.typer_command`). Standard library only, so ``--help`` stays fast."""

from __future__ import annotations

RULES = (
    "auto",
    "greedy",
    "greedy-threshold",
    "greedy-no-skip",
    "greedy-exclusive",
    "mes",
    "mes-add1",
    "mes-add1-comparison",
)
HELP = "Compute the outcome of a participatory-budgeting rule on a Pabulib file (JSON on stdout)."
RULE_HELP = "allocation rule; auto (default) takes the file's META rule"
EXPLAIN_HELP = "add per-project explanations (ko/en) to the JSON"
EXCLUSIVE_HELP = "greedy-exclusive: comma-separated ids of mutually exclusive projects (repeatable)"
