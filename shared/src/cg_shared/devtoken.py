"""``cg-dev-token --role ROLE [--sgg-code CODE]``: print a development bearer token.

Accepted by every service running with dev settings (``CG_AUTH_MODE=dev``, same ``CG_JWT_SECRET``, and
the same ``CG_JWT_ISSUER`` / ``CG_JWT_AUDIENCE`` when those are set).
A resident's token says where they live (``sgg_code``), because only a resident of a borough may vote
in its participatory-budget elections: without ``--sgg-code`` a resident lives in Seongdong-gu (11200),
the borough of the demo; ``--no-borough`` mints the claim-less token a voting test needs refused.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from cg_shared.auth import BOROUGH_SCOPED, Role, mint_dev_token
from cg_shared.districts import DISTRICTS
from cg_shared.settings import DEFAULT_DEV_SECRET

cli = typer.Typer(add_completion=False, help=__doc__)

DEFAULT_RESIDENT_SGG = "11200"  # Seongdong-gu, the demo borough


@cli.command()
def token(
    role: Annotated[Role, typer.Option(help="Role claim")],
    sgg_code: Annotated[str | None, typer.Option("--sgg-code", help="Borough code, e.g. 11200")] = None,
    sub: Annotated[str | None, typer.Option(help="Subject (user id)")] = None,
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
    org: Annotated[list[str] | None, typer.Option(help="Organisation membership (repeatable)")] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds")] = 8 * 3600,
    no_borough: Annotated[
        bool, typer.Option("--no-borough", help="A resident without a borough claim (cannot vote)")
    ] = False,
) -> None:
    if no_borough and (role is not Role.RESIDENT or sgg_code):
        raise typer.BadParameter("--no-borough is only for a resident, without --sgg-code")
    if role is Role.RESIDENT and not sgg_code and not no_borough:
        sgg_code = DEFAULT_RESIDENT_SGG
        typer.echo(
            f"cg-dev-token: a resident of {sgg_code} ({DISTRICTS[sgg_code].name_en}); "
            "--sgg-code for another borough",
            err=True,
        )
    if role in BOROUGH_SCOPED and not sgg_code:
        raise typer.BadParameter(f"--sgg-code is required for {role.value}")
    if sgg_code is not None and (len(sgg_code) != 5 or not sgg_code.isdigit()):
        raise typer.BadParameter("--sgg-code must be a 5-digit borough code such as 11200")
    secret = os.environ.get("CG_JWT_SECRET", DEFAULT_DEV_SECRET)
    typer.echo(
        mint_dev_token(
            secret=secret,
            role=role.value,
            sgg_code=sgg_code,
            sub=sub,
            name=name,
            organisations=org,
            ttl_s=ttl,
            issuer=os.environ.get("CG_JWT_ISSUER"),
            audience=os.environ.get("CG_JWT_AUDIENCE"),
        )
    )


def main() -> None:
    cli()
