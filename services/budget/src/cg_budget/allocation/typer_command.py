"""``pb-outcome`` as a Typer command (for ``cg-budget --help`` and tests); the work is :func:`commands.run`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .commands import Rule, run
from .options import EXCLUSIVE_HELP, EXPLAIN_HELP, HELP, RULE_HELP


def register(app: typer.Typer) -> None:
    """Add the ``pb-outcome`` command to ``app``."""

    @app.command("pb-outcome", help=HELP)
    def pb_outcome_command(
        file: Annotated[Path, typer.Argument(help="Pabulib .pb file", dir_okay=False)],
        rule: Annotated[Rule, typer.Option("--rule", help=RULE_HELP)] = Rule.AUTO,
        explain: Annotated[bool, typer.Option("--explain", help=EXPLAIN_HELP)] = False,
        exclusive: Annotated[list[str] | None, typer.Option("--exclusive", help=EXCLUSIVE_HELP)] = None,
    ) -> None:
        code = run(file, rule.value, explain=explain, exclusive=exclusive or [])
        if code:
            raise typer.Exit(code=code)
