"""Pure rules of the budget service: ballots, the grant formula, program codes, CSV safety, webhook signing."""

from __future__ import annotations

import pytest

from cg_budget.budget_requests import program_codes as pc
from cg_budget.elections.ballot_rules import BallotRules, BallotType, as_points, check_ballot
from cg_budget.envelopes.formula import GrantFormula, compute_grant
from cg_budget.integration.parsing import parse_csv, validate_rows
from cg_budget.integration.schemas import ImportMode
from cg_budget.webhooks import signing
from cg_budget.webhooks.delivery import backoff_delay
from cg_budget.webhooks.service import validate_url
from cg_shared.csvsafe import csv_text
from cg_shared.csvsafe import neutralise as neutralise_cell
from cg_shared.http import Unprocessable

KEYS = ("a", "b", "c", "d")


def rules(kind: BallotType, **kw: int | None) -> BallotRules:
    return BallotRules(ballot_type=kind, project_keys=KEYS, **kw)  # type: ignore[arg-type]


def test_approval_ballots() -> None:
    approval = rules(BallotType.APPROVAL, max_length=2)
    assert check_ballot(approval, ["a", "b"], None) == []
    assert check_ballot(approval, ["a", "b", "c"], None) == ["choose at most 2 project(s); got 3"]
    assert check_ballot(approval, [], None) == ["choose at least 1 project(s)"]
    assert check_ballot(approval, ["a", "a"], None) == ["a project appears more than once"]
    assert check_ballot(approval, ["z"], None) == ["unknown projects: z"]
    assert check_ballot(approval, ["a"], [1]) == ["approval ballots carry no points"]
    assert as_points(BallotType.APPROVAL, ["a", "c"], None) == {"a": 1, "c": 1}


def test_cumulative_and_ordinal_ballots() -> None:
    cumulative = rules(BallotType.CUMULATIVE, max_points_total=5, max_points_per_project=3)
    assert check_ballot(cumulative, ["a", "b"], [3, 2]) == []
    assert check_ballot(cumulative, ["a", "b"], [3, 3]) == ["at most 5 points in total; got 6"]
    assert check_ballot(cumulative, ["a"], [4]) == ["at most 3 points per project"]
    assert check_ballot(cumulative, ["a"], [0]) == ["points must be at least 1"]
    assert check_ballot(cumulative, ["a", "b"], [1]) == [
        "points must be given for every chosen project, in the same order"
    ]
    assert as_points(BallotType.CUMULATIVE, ["a", "b"], [3, 2]) == {"a": 3, "b": 2}
    ordinal = rules(BallotType.ORDINAL, max_length=3, min_length=2)
    assert check_ballot(ordinal, ["c", "a"], None) == []
    assert check_ballot(ordinal, ["c"], None) == ["choose at least 2 project(s)"]
    assert check_ballot(ordinal, ["a", "b", "c", "d"], None) == ["rank at most 3 project(s); got 4"]


def test_grant_formula_is_integer_and_configurable() -> None:
    formula = GrantFormula(
        base_krw=200_000_000, per_resident_krw=500, grade_bonus_krw={"가": 500_000_000, "나": 250_000_000}
    )
    ga = compute_grant(formula, sgg_code="11200", population=308_519, grade="가")
    assert ga.total_krw == 200_000_000 + 154_259_500 + 500_000_000
    assert compute_grant(formula, sgg_code="11200", population=308_519, grade="다").grade_bonus_krw == 0
    assert compute_grant(formula, sgg_code="11200", population=308_519, grade=None).total_krw == 354_259_500
    with pytest.raises(ValueError, match="unknown grade"):
        compute_grant(formula, sgg_code="11200", population=1, grade="A")
    with pytest.raises(ValueError, match="unknown grades"):
        GrantFormula(base_krw=0, per_resident_krw=0, grade_bonus_krw={"A": 1})


def test_program_codes() -> None:
    good = {
        "account": "일반회계",
        "field": "080",
        "sector": "084",
        "policy_program": "p",
        "unit_program": "u",
        "detail_program": "d",
        "object_code": "307-02",
    }
    assert pc.check_codes(good, required=pc.PROGRAM_LEVELS) == []
    assert len(pc.FIELDS) == 14
    issues = pc.check_codes({**good, "field": "081"})
    assert [i.code for i in issues] == ["field"]
    assert [i.code for i in pc.check_codes({**good, "sector": "011"})] == ["sector"]
    assert [i.code for i in pc.check_codes({**good, "object_code": "30702"})] == ["object_code"]
    assert [i.code for i in pc.check_codes({**good, "detail_program": ""}, required=pc.PROGRAM_LEVELS)] == [
        "detail_program"
    ]
    assert pc.program_key(good) == pc.program_key({**good, "account": " 일반회계 "})
    assert pc.program_key(good) != pc.program_key({**good, "object_code": "201-01"})
    # A program-level request collects figures at any object code; other programs never match.
    request = {**good, "object_code": None}
    assert pc.matches(request, {**good, "object_code": "201-01"})
    assert not pc.matches(request, {**good, "detail_program": "other"})
    assert not pc.matches({}, good)


def test_import_rows_are_validated_row_by_row() -> None:
    text = (
        "account,field,sector,policy_program,unit_program,detail_program,object_code,amount_krw\n"
        '일반회계,080,084,p,u,d1,,"1,000"\n'
        "일반회계,080,084,p,u,d1,,5\n"
        "일반회계,080,085x,p,u,d2,,5\n"
        "일반회계,080,084,p,u,d3,,-5\n"
    )
    rows, parse_errors = parse_csv(text)
    assert parse_errors == []
    valid, errors = validate_rows(rows, mode=ImportMode.REPLACE)
    assert [v.amount for v in valid] == [1000]
    assert [e.field for e in errors] == ["row 2: program code", "row 3: sector", "row 4: amount_krw"]
    valid, errors = validate_rows(rows[:2], mode=ImportMode.ADD)
    assert [v.amount for v in valid] == [1000, 5] and errors == []
    with pytest.raises(Unprocessable):
        parse_csv("account,amount_krw\nx,1\n")


def test_csv_cells_are_neutralised() -> None:
    for dangerous in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_cell(dangerous) == "'" + dangerous
    assert neutralise_cell("성동구") == "성동구"
    assert neutralise_cell(-5) == -5  # numbers stay numbers
    out = csv_text(["title", "amount"], [['=HYPERLINK("x")', 10], [None, -3]])
    assert out.startswith("\ufefftitle,amount\r\n")
    assert "'=HYPERLINK" in out and ",-3" in out


def test_standard_webhooks_signature_vector() -> None:
    # The example from the Standard Webhooks specification.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    sig = signing.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    headers = signing.headers_for(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert signing.verify(secret, headers, body, now=1614265330)
    assert not signing.verify(secret, headers, body + b" ", now=1614265330)
    assert not signing.verify(secret, headers, body, now=1614265330 + 3600)
    generated = signing.generate_secret()
    assert len(signing.secret_key(generated)) == 32
    with pytest.raises(ValueError):
        signing.secret_key("whsec_short")


def test_backoff_and_url_rules() -> None:
    assert [backoff_delay(n, base_s=5, max_s=60) for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 40, 60]
    assert validate_url("https://gu.example.kr/hook", block_private=True)
    for bad in ("ftp://x/y", "file:///etc/passwd", "https://user:pw@x.kr/", "http:///nohost"):
        with pytest.raises(Unprocessable):
            validate_url(bad, block_private=False)
    assert validate_url("http://127.0.0.1:9000/h", block_private=False)
    for private in (
        "http://127.0.0.1/h",
        "http://10.1.2.3/h",
        "http://localhost/h",
        "http://[::1]/h",
        "http://169.254.169.254/",
    ):
        with pytest.raises(Unprocessable):
            validate_url(private, block_private=True)


def test_cli_has_the_pb_outcome_command() -> None:
    import json

    from typer.testing import CliRunner

    from cg_budget.allocation import load
    from cg_budget.cli import app
    from cg_shared.testing.shared_data import shared_file

    path = shared_file("pabulib", "Poland_Warszawa_2019_Chomiczowka.pb")
    result = CliRunner().invoke(app, ["pb-outcome", str(path), "--rule", "greedy"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    instance, _ = load(path)
    assert doc["selected"] == instance.official_selection()
    assert doc["cost"] == sum(instance.projects[p].cost for p in doc["selected"])
