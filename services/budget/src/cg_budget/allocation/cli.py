"""``cg-budget pb-outcome`` argument parsing: standard library only until the arguments are read.

The engine (:mod:`.commands`) is imported after parsing, so ``--help`` and usage errors answer at once.
"""

from __future__ import annotations

import argparse

from .options import EXCLUSIVE_HELP, EXPLAIN_HELP, HELP, RULE_HELP, RULES

TYPE_CHECKING = False  # no `typing` import at run time (start-up of --help)
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None, *, prog: str = "cg-budget pb-outcome") -> int:
    """Parse the arguments, then run the command (exit status 0, or 2 with one line on stderr)."""
    parser = argparse.ArgumentParser(prog=prog, description=HELP)
    parser.add_argument("file", metavar="FILE", help="Pabulib .pb file")
    parser.add_argument("--rule", default="auto", choices=RULES, help=RULE_HELP)
    parser.add_argument("--explain", action="store_true", help=EXPLAIN_HELP)
    parser.add_argument("--exclusive", action="append", default=[], metavar="A,B", help=EXCLUSIVE_HELP)
    args = parser.parse_args(argv)
    from .commands import run

    return run(args.file, args.rule, explain=args.explain, exclusive=args.exclusive)
