"""``cg-budget pb-outcome`` as a process: rules from META, one-line errors, light imports; parser fuzzing;
exports accepted by the PyPI ``pabulib-checker``. None of these tests needs the shared data folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabulib.checker import Checker

from cg_budget.allocation import Election, PabulibError, dumps, greedy, parse, to_election
from cg_budget.allocation.commands import Rule, outcome_for_instance

BIN = Path(sys.executable).parent


def pb_text(
    *,
    budget: str = "100",
    rule: str = "greedy",
    costs: dict[str, str] | None = None,
    votes: list[str] | None = None,
    extra_meta: str = "",
) -> str:
    costs = costs or {"a": "60", "b": "50", "c": "30"}
    votes = votes or ["a", "a,b", "b,c", "a,c", "b"]
    lines = ["META", "key;value", f"budget;{budget}", "vote_type;approval", f"rule;{rule}"]
    lines += [row for row in extra_meta.splitlines() if row]
    lines += ["PROJECTS", "project_id;cost", *(f"{p};{c}" for p, c in costs.items())]
    lines += ["VOTES", "voter_id;vote", *(f"{n};{v}" for n, v in enumerate(votes, start=1))]
    return "\n".join(lines) + "\n"


def cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "cg-budget"), "pb-outcome", str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# ------------------------------------------------------------------------------------ rules from META


@pytest.mark.parametrize(
    ("rule", "meta", "expected"),
    [
        # support: a 3, b 3, c 2; order a (60), b (50), c (30); budget 100
        ("greedy", "", ["a", "c"]),  # b does not fit, c does
        ("greedy-no-skip", "", ["a"]),  # stops at b
        ("greedy-threshold", "min_project_score_threshold;3", ["a"]),  # c (2 votes) takes no part
        ("greedy-exclusive", "", ["a", "c"]),  # no exclusions given: greedy
    ],
)
def test_rule_auto_takes_the_meta_rule(tmp_path: Path, rule: str, meta: str, expected: list[str]) -> None:
    path = tmp_path / "e.pb"
    path.write_text(pb_text(rule=rule, extra_meta=meta), encoding="utf-8")
    result = cli(path, "--explain")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["selected"] == expected and doc["rule"] == rule


def test_greedy_exclusive_takes_the_exclusions_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "e.pb"
    path.write_text(pb_text(rule="greedy-exclusive", budget="200"), encoding="utf-8")
    assert json.loads(cli(path).stdout)["selected"] == ["a", "b", "c"]
    result = cli(path, "--exclusive", "a,b")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["selected"] == ["a", "c"]


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("greedy-custom", "refused: a city-specific greedy variant"),
        ("unknown", "refused: the rule that produced the official outcome is not known"),
        ("borda-count", "refused: not a rule of the Pabulib format"),
    ],
)
def test_rules_a_file_cannot_express_are_refused_in_one_line(tmp_path: Path, rule: str, reason: str) -> None:
    path = tmp_path / "e.pb"
    path.write_text(pb_text(rule=rule), encoding="utf-8")
    result = cli(path)
    assert result.returncode == 2 and result.stdout == ""
    assert reason in result.stderr and result.stderr.count("\n") == 1
    # an explicit rule still computes
    assert json.loads(cli(path, "--rule", "greedy").stdout)["selected"] == ["a", "c"]


def test_greedy_threshold_without_its_meta_key_is_refused() -> None:
    instance, profile = parse(pb_text(rule="greedy-threshold"))
    with pytest.raises(PabulibError, match="needs META min_project_score_threshold"):
        outcome_for_instance(instance, profile, Rule.AUTO)


def test_decimal_budget_and_costs_are_exact(tmp_path: Path) -> None:
    path = tmp_path / "e.pb"
    text = pb_text(budget="100.10", costs={"a": "60.05", "b": "50", "c": "40.05"})
    path.write_text(text, encoding="utf-8")
    doc = json.loads(cli(path, "--rule", "greedy").stdout)
    assert doc == {"selected": ["a", "c"], "cost": "100.10"}
    # one cent over: c no longer fits
    path.write_text(text.replace("budget;100.10", "budget;100.09"), encoding="utf-8")
    assert json.loads(cli(path, "--rule", "greedy").stdout) == {"selected": ["a"], "cost": "60.05"}


# ------------------------------------------------------------------------------------ one-line errors

GOOD = pb_text().encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (GOOD.replace(b"a;60", b"a;-60"), "line 8: cost '-60' is negative"),
        (GOOD.replace(b"budget;100", b"budget;-100"), "line 3: budget '-100' is negative"),
        (
            GOOD.replace(b"a;60", "a;6\u00e9".encode("latin-1")),
            "line 8: not UTF-8 text (byte 0xe9 at column 4)",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 3: binary data"),
        (
            GOOD.replace(b"\n", b"\r\r\n").replace(b"b;50", b"b;5x"),
            "line 9: cost '5x' is not a decimal number",
        ),
        (
            GOOD.replace(b"a;60", b"a;" + b"9" * 5000),
            "line 8: cost '999999999999999999999999'... (5,000 characters)",
        ),
        (GOOD.replace(b"4;a,c", b"4;a,z"), "line 16: vote names unknown project(s) 'z'"),
        (GOOD.replace(b"4;a,c", b"1;a,c"), "line 16: duplicate voter id '1'"),
        (GOOD.replace(b"c;30\n", b'c;"30\n'), "line 10"),
    ],
)
def test_malformed_files_fail_in_one_line_with_the_true_line(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "bad.pb"
    path.write_bytes(data)
    result = cli(path, "--rule", "greedy")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 300
    assert message in result.stderr


def test_missing_file_and_directory_fail_in_one_line(tmp_path: Path) -> None:
    for target in (tmp_path / "absent.pb", tmp_path):
        result = cli(target)
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = [GOOD, pb_text(rule="greedy-threshold", extra_meta="min_project_score_threshold;2").encode()]


@FUZZ
@given(
    seed=st.sampled_from(SEEDS),
    cuts=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 6), st.binary(max_size=8)), max_size=4),
)
def test_parser_fuzz_only_ever_raises_a_one_line_pabulib_error(
    seed: bytes, cuts: list[tuple[int, int, bytes]]
) -> None:
    data = bytearray(seed)
    for at, width, insert in cuts:
        at %= len(data) + 1
        data[at : at + width] = insert
    try:
        instance, profile = parse(bytes(data))
        for rule in (Rule.GREEDY, Rule.GREEDY_NO_SKIP, Rule.MES_ADD1):
            outcome_for_instance(instance, profile, rule)
    except PabulibError as exc:
        text = str(exc)
        assert "\n" not in text and len(text) < 300


@FUZZ
@given(data=st.binary(max_size=300))
def test_parser_fuzz_on_arbitrary_bytes(data: bytes) -> None:
    try:
        parse(b"META\nkey;value\n" + data)
    except PabulibError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 300


# ------------------------------------------------------------------------------------ startup


def test_pb_outcome_imports_no_web_database_or_settings_modules() -> None:
    probe = (
        "import sys\n"
        "sys.argv = ['cg-budget', 'pb-outcome', '--help']\n"
        "from cg_budget.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'sqlalchemy', 'typer', 'pydantic', 'uvicorn', 'starlette') or m == 'cg_budget.settings')\n"
        'print("HEAVY=" + ",".join(heavy))\n'
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="
    assert "usage: cg-budget pb-outcome" in result.stdout


def test_cg_budget_help_still_lists_every_command() -> None:
    result = subprocess.run([str(BIN / "cg-budget"), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("serve", "migrate", "pb-outcome"):
        assert command in result.stdout


# ------------------------------------------------------------------------------------ pabulib-checker


@st.composite
def platform_exports(draw: st.DrawFn) -> tuple[str, str]:
    """A Seoul-style election exported to .pb with its computed greedy-variant outcome."""
    n_projects = draw(st.integers(2, 6))
    costs = {f"p{i}": draw(st.integers(1, 50)) * 1_000_000 for i in range(n_projects)}
    n_voters = draw(st.integers(1, 12))
    ballots = [
        dict.fromkeys(draw(st.lists(st.sampled_from(list(costs)), unique=True, min_size=1)), 1)
        for _ in range(n_voters)
    ]
    # the checker wants every project within the budget and not all of them funded
    budget = draw(st.integers(max(costs.values()), sum(costs.values()) - 1))
    rule = draw(st.sampled_from(["greedy", "greedy-no-skip", "greedy-threshold"]))
    threshold = draw(st.integers(1, 3)) if rule == "greedy-threshold" else None
    election = Election(budget=budget, costs=costs, ballots=ballots)
    outcome = greedy(election, threshold=threshold, skip=rule != "greedy-no-skip")
    votes = election.scores()
    meta = [
        "META",
        "key;value",
        "description;성동구 주민참여예산",
        "country;South Korea",
        "unit;Seoul",
        "instance;2026",
        f"num_projects;{n_projects}",
        f"num_votes;{n_voters}",
        f"budget;{budget}",
        "vote_type;approval",
        f"rule;{rule}",
        "date_begin;01.05.2026",
        "date_end;31.05.2026",
        "language;ko",
        "currency;KRW",
    ]
    if threshold is not None:
        meta.append(f"min_project_score_threshold;{threshold}")
    projects = ["PROJECTS", "project_id;cost;votes;name;selected"]
    projects += [f"{p};{c};{votes[p]};사업 {p};{1 if p in outcome.selected else 0}" for p, c in costs.items()]
    voters = ["VOTES", "voter_id;vote", *(f"{n};{','.join(b)}" for n, b in enumerate(ballots, start=1))]
    instance, profile = parse("\n".join(meta + projects + voters) + "\n")
    return dumps(instance, profile), rule


def _checker_errors(text: str) -> dict[str, object]:
    report = Checker().process_files([text])
    assert report["metadata"]["processed"] == 1
    (entry,) = (v for k, v in report.items() if k not in ("metadata", "summary"))
    return entry["results"].get("errors", {})  # type: ignore[no-any-return]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(export=platform_exports())
def test_exports_pass_the_pabulib_checker(export: tuple[str, str]) -> None:
    text, rule = export
    # the checker recomputes the greedy variant from the votes column and checks our selected column
    assert _checker_errors(text) == {}, rule


def test_checker_catches_a_wrong_selected_column() -> None:
    text = pb_text()
    instance, profile = parse(text)
    election = to_election(instance, profile)
    assert greedy(election).selected == ("a", "c")
    bad = (
        text.replace("project_id;cost\n", "project_id;cost;votes;name;selected\n")
        .replace("a;60\n", "a;60;3;A;1\n")
        .replace("b;50\n", "b;50;3;B;1\n")
        .replace("c;30\n", "c;30;2;C;0\n")
    )
    meta = "country;Korea\nunit;Seoul\ninstance;2026\nnum_projects;3\nnum_votes;5\ndescription;x\n"
    bad = bad.replace("key;value\n", "key;value\n" + meta)
    assert "greedy rule not followed" in _checker_errors(bad)
