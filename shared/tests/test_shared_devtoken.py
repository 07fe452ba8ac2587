"""``cg-dev-token``: the README's resident token says where the resident lives, so it can vote."""

from __future__ import annotations

import jwt
from typer.testing import CliRunner

from cg_shared.devtoken import DEFAULT_RESIDENT_SGG, cli
from cg_shared.settings import DEFAULT_DEV_SECRET


def _claims(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, list(args), env={"CG_JWT_SECRET": DEFAULT_DEV_SECRET})
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    return dict(jwt.decode(token, DEFAULT_DEV_SECRET, algorithms=["HS256"], options={"verify_aud": False}))


def test_a_resident_lives_in_seongdong_by_default_and_elsewhere_on_request() -> None:
    assert DEFAULT_RESIDENT_SGG == "11200"
    claims = _claims("--role", "resident")
    assert claims["role"] == "resident" and claims["sgg_code"] == "11200"
    assert _claims("--role", "resident", "--sgg-code", "11680")["sgg_code"] == "11680"
    assert "sgg_code" not in _claims("--role", "resident", "--no-borough")
    assert "sgg_code" not in _claims("--role", "smg_admin")


def test_borough_roles_still_need_a_borough_and_no_borough_is_only_for_residents() -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["--role", "borough_officer"]).exit_code != 0
    assert runner.invoke(cli, ["--role", "borough_officer", "--no-borough"]).exit_code != 0
    assert runner.invoke(cli, ["--role", "resident", "--sgg-code", "11200", "--no-borough"]).exit_code != 0
