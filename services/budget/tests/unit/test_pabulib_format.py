"""Pabulib ``.pb`` reader/writer: the ten shared files, round trips, quoting, line ends, errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cg_budget.allocation import Instance, PabulibError, Profile, dumps, load, parse, to_election
from cg_shared.testing.shared_data import shared_file, shared_files

FILES = shared_files("pabulib", "*.pb")


def pb_file(stem: str) -> Path:
    return shared_file("pabulib", f"{stem}.pb")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem if isinstance(p, Path) else str(p))
def test_shared_file_matches_its_meta(path: Path) -> None:
    instance, profile = load(path)
    assert len(instance.projects) == int(instance.meta["num_projects"])
    assert len(profile) == int(instance.meta["num_votes"])
    assert instance.budget == Decimal(instance.meta["budget"])
    assert profile.vote_type == instance.meta["vote_type"].replace("choose-1", "approval")
    assert all(isinstance(p.cost, Decimal) and p.cost > 0 for p in instance.projects.values())
    # the votes column of PROJECTS counts the ballots naming the project
    counts = dict.fromkeys(instance.projects, 0)
    for ballot in profile.ballots:
        for pid in ballot:
            counts[pid] += 1
    # one Częstochowa ballot lists project 579 four times ("579,579,579,579;1,1,1,1"): the file's
    # votes column counts that ballot four times, the parser (like pabutools) keeps one entry
    quirks = {("Poland_Czestochowa_2020", "579"): 3}
    for pid, project in instance.projects.items():
        if project.votes is not None:
            assert project.votes == counts[pid] + quirks.get((path.stem, pid), 0), pid


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem if isinstance(p, Path) else str(p))
def test_round_trip_preserves_everything(path: Path) -> None:
    instance, profile = load(path)
    again_instance, again_profile = parse(dumps(instance, profile))
    assert again_instance == instance
    assert again_profile == profile
    # and the written text is a fixed point
    assert dumps(again_instance, again_profile) == dumps(instance, profile)


def test_typed_ballots_per_vote_type() -> None:
    _, approval = load(pb_file("Poland_Warszawa_2017_Mlynow"))
    assert all(isinstance(b, frozenset) for b in approval.ballots)
    assert approval.voter_fields[0].keys() == {"age", "sex", "voting_method"}
    _, cumulative = load(pb_file("France_Toulouse_2019"))
    first = cumulative.ballots[0]
    assert isinstance(first, dict)
    assert first == {"15": 2, "22": 2, "25": 2, "10": 1}


def test_official_selection_and_names() -> None:
    instance, _ = load(pb_file("Poland_Swiecie_2023"))
    assert instance.rule == "equalshares/add1"
    official = instance.official_selection()
    assert official is not None and official[:2] == ["c1", "c2"]
    assert instance.projects["c2"].name == "Dron z kamerą termowizyjną dla Gminy Świecie"
    toulouse, _ = load(pb_file("France_Toulouse_2019"))
    assert toulouse.official_selection() is None
    assert toulouse.projects["4"].selected is None


SAMPLE = (
    "\ufeffMETA\r\n"
    "key;value\r\n"
    'description;"서울 성동구; 참여예산"\r\n'
    "budget;100\r\n"
    "vote_type;ordinal\r\n"
    "PROJECTS\r\n"
    "project_id;cost;name;selected\r\n"
    'p1;40;"공원 ""쉼터"" 조성";1\r\n'
    "p2;70.0;도서관;0\r\n"
    "p3;30;Café;1\r\n"
    "\r\n"
    "VOTES\r\n"
    "voter_id;vote;age\r\n"
    "v1;p2,p1;30\r\n"
    "v2;p3;\r\n"
    "v3;p1, p3 ,p2;41\r\n"
)


def test_quoted_fields_crlf_bom_korean_and_ordinal() -> None:
    instance, profile = parse(SAMPLE)
    assert instance.meta["description"] == "서울 성동구; 참여예산"
    assert instance.projects["p1"].name == '공원 "쉼터" 조성'
    assert instance.projects["p2"].cost == 70
    assert profile.vote_type == "ordinal"
    assert profile.ballots == [("p2", "p1"), ("p3",), ("p1", "p3", "p2")]
    assert profile.voter_fields[1] == {"age": ""}
    election = to_election(instance, profile)
    assert election.kind == "ordinal"
    assert election.ballots[2] == {"p1": 1, "p3": 1, "p2": 1}
    again = parse(dumps(instance, profile))
    assert again == (instance, profile)
    assert '"공원 ""쉼터"" 조성"' in dumps(instance, profile)


def test_cumulative_duplicate_project_keeps_last_points_like_pabutools() -> None:
    text = "META\nkey;value\nbudget;10\nvote_type;cumulative\nPROJECTS\nproject_id;cost\na;5\nb;5\n"
    text += "VOTES\nvoter_id;vote;points\n1;a,a,b;1,3,2\n"
    _, profile = parse(text)
    assert profile.ballots == [{"a": 3, "b": 2}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("META\nkey;value\nvote_type;approval\nPROJECTS\nproject_id;cost\na;1\n", "no budget"),
        ("META\nkey;value\nbudget;5\nPROJECTS\nproject_id;cost\na;-1.5\n", "line 6: cost '-1.5' is negative"),
        ("META\nkey;value\nbudget;-5\nPROJECTS\nproject_id;cost\na;1\n", "line 3: budget '-5' is negative"),
        ("META\nkey;value\nbudget;5\nPROJECTS\nproject_id;cost\na;x\n", "line 6: cost 'x' is not a decimal"),
        ("META\nkey;value\nbudget;5\nPROJECTS\nproject_id;cost\na;1\na;2\n", "duplicate project"),
        ("META\nkey;value\nbudget;5\nPROJECTS\nid;cost\na;1\n", "project_id;cost"),
        ("META\nkey;value\nbudget;5\nvote_type;secret\nPROJECTS\nproject_id;cost\na;1\n", "vote_type"),
        (
            "META\nkey;value\nbudget;5\nPROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\n1;b\n",
            "unknown project",
        ),
        (
            "META\nkey;value\nbudget;5\nPROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\n1;a\n1;a\n",
            "duplicate voter",
        ),
        (
            "META\nkey;value\nbudget;5\nvote_type;cumulative\nPROJECTS\nproject_id;cost\na;1\n"
            "VOTES\nvoter_id;vote;points\n1;a;1,2\n",
            "points",
        ),
        ("key;value\nbudget;5\n", "before the META"),
    ],
)
def test_invalid_files_are_rejected_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(PabulibError, match=message):
        parse(text)


def test_empty_votes_section_gives_an_empty_profile() -> None:
    instance, profile = parse("META\nkey;value\nbudget;5\nPROJECTS\nproject_id;cost\na;1\n")
    assert isinstance(instance, Instance) and isinstance(profile, Profile)
    assert len(profile) == 0 and to_election(instance, profile).ballots == []


# the checker takes minutes on large files and on equal-shares files (it recomputes MES+add1 with
# pabutools): the small greedy-family files cover every vote type and greedy rule
SMALL = [
    p
    for p in FILES
    if not isinstance(p, Path)
    or (p.stat().st_size < 100_000 and "rule;equalshares" not in p.read_text(encoding="utf-8-sig")[:4000])
]


@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.stem if isinstance(p, Path) else str(p))
def test_exports_of_real_files_get_the_checker_verdict_of_the_original(path: Path) -> None:
    # pabulib-checker (PyPI) on our export and on the original file: same errors (most have none)
    from pabulib.checker import Checker

    def errors(text: str) -> object:
        report = Checker().process_files([text])
        (entry,) = (v for k, v in report.items() if k not in ("metadata", "summary"))
        return entry["results"].get("errors", {})

    instance, profile = load(path)
    assert errors(dumps(instance, profile)) == errors(path.read_text(encoding="utf-8-sig"))
