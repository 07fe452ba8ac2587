"""Reader and writer of the Pabulib ``.pb`` format (pabulib.org/format).

A file has three sections, each introduced by a line ``META``, ``PROJECTS`` or ``VOTES`` followed by a
header row; rows are ``;``-separated CSV (double-quoted fields allowed). META holds ``key;value`` pairs
(``budget``, ``vote_type``, ``rule``, ...). PROJECTS starts with ``project_id;cost`` and may carry ``votes``,
``score``, ``name``, ``category``, ``target``, ``selected`` and any other column. VOTES starts with
``voter_id`` and carries ``vote`` (comma-separated project ids: a set for approval, a ranking for ordinal)
and, for ``cumulative`` and ``scoring`` ballots, ``points`` (comma-separated, aligned with ``vote``).

Project and voter ids are strings. Costs, the budget and points must be integers (money is integral in the
platform; a ``12.0`` cost is accepted, ``12.5`` is rejected). Files may start with a UTF-8 BOM and use
Windows line ends; names are UTF-8 (Polish, French and Korean names round-trip unchanged).

:func:`parse` / :func:`load` return an :class:`Instance` and a :class:`Profile`; :func:`dumps` /
:func:`dump` write them back. ``parse(dumps(instance, profile))`` reproduces both (approval ballots are
written in PROJECTS order since they are sets).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from .model import BallotKind, Election

VoteType = Literal["approval", "cumulative", "scoring", "ordinal"]
_VOTE_TYPES: tuple[str, ...] = ("approval", "cumulative", "scoring", "ordinal")
_SECTIONS = ("meta", "projects", "votes")

ApprovalBallot = frozenset[str]
PointsBallot = dict[str, int]
OrdinalBallot = tuple[str, ...]
Ballot = ApprovalBallot | PointsBallot | OrdinalBallot


class PabulibError(ValueError):
    """The text is not a valid Pabulib file (the message names the line)."""


@dataclass(slots=True)
class Project:
    """One PROJECTS row. ``fields`` keeps every column except ``project_id`` and ``cost`` as text."""

    project_id: str
    cost: int
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.fields.get("name", "")

    @property
    def selected(self) -> bool | None:
        """The official outcome (``selected`` column): ``None`` when the file has no such column."""
        raw = self.fields.get("selected")
        if raw is None or raw.strip() == "" or raw.strip().lower() == "none":
            return None
        return raw.strip() not in ("0", "false", "False")

    @property
    def votes(self) -> int | None:
        raw = self.fields.get("votes")
        if raw is None or not raw.strip().lstrip("-").isdigit():
            return None
        return int(raw)


@dataclass(slots=True)
class Instance:
    """META and PROJECTS. ``projects`` keeps the file order (the ballot-paper order)."""

    meta: dict[str, str]
    projects: dict[str, Project]
    budget: int
    project_columns: list[str] = field(default_factory=lambda: ["project_id", "cost"])

    @property
    def vote_type(self) -> VoteType:
        return cast(VoteType, self.meta.get("vote_type", "approval"))

    @property
    def rule(self) -> str:
        return self.meta.get("rule", "")

    def official_selection(self) -> list[str] | None:
        """Ids with ``selected`` = 1 in PROJECTS order, or ``None`` if the file has no ``selected`` column."""
        if "selected" not in self.project_columns:
            return None
        return [pid for pid, p in self.projects.items() if p.selected]


@dataclass(slots=True)
class Profile:
    """VOTES: one ballot per voter, in file order.

    Approval ballots are ``frozenset`` of project ids, cumulative and score ballots ``dict`` id -> points
    (in the order written), ordinal ballots ``tuple`` of ids, most preferred first. ``voter_fields`` keeps
    the other columns (age, sex, district, ...) per voter.
    """

    vote_type: VoteType
    voter_ids: list[str]
    ballots: list[Ballot]
    voter_fields: list[dict[str, str]]
    vote_columns: list[str] = field(default_factory=lambda: ["voter_id", "vote"])

    def __len__(self) -> int:
        return len(self.ballots)

    def points(self) -> list[dict[str, int]]:
        """Ballots as ``{project id: points}`` (1 per approved or ranked project)."""
        if self.vote_type in ("cumulative", "scoring"):
            return [cast(PointsBallot, b) for b in self.ballots]
        return [dict.fromkeys(b, 1) for b in self.ballots]


def to_election(instance: Instance, profile: Profile) -> Election:
    """The neutral election of a parsed file (costs in PROJECTS order)."""
    kind: BallotKind = profile.vote_type
    return Election(
        budget=instance.budget,
        costs={pid: p.cost for pid, p in instance.projects.items()},
        ballots=profile.points(),
        kind=kind,
    )


# ------------------------------------------------------------------------------------------------ parse


def _integer(raw: str, what: str, line: int) -> int:
    text = raw.strip().replace(",", ".")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError as exc:
        raise PabulibError(f"line {line}: {what} {raw!r} is not a number") from exc
    if not value.is_integer():
        raise PabulibError(f"line {line}: {what} {raw!r} is not an integer amount")
    # only reached for texts like "12.0": exact because the value is integral
    whole, _, frac = text.partition(".")
    if frac.strip("0"):
        raise PabulibError(f"line {line}: {what} {raw!r} is not an integer amount")
    return int(whole or "0")


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    for row in reader:
        yield reader.line_num, row


def parse(text: str) -> tuple[Instance, Profile]:
    """Parse the text of a ``.pb`` file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    meta: dict[str, str] = {}
    projects: dict[str, Project] = {}
    project_columns: list[str] = []
    vote_columns: list[str] = []
    voter_ids: list[str] = []
    raw_votes: list[tuple[int, list[str]]] = []
    section = ""
    header: list[str] | None = None
    rows = _rows(text)
    for line, row in rows:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip().lower()
        if first in _SECTIONS and len(row) <= 2 and (len(row) == 1 or not row[1].strip()):
            section = first
            try:
                _, header_row = next(rows)
            except StopIteration:
                raise PabulibError(f"line {line}: section {first.upper()} has no header row") from None
            header = [h.strip() for h in header_row]
            if section == "projects":
                if header[:2] != ["project_id", "cost"]:
                    raise PabulibError(f"line {line + 1}: PROJECTS header must start with project_id;cost")
                project_columns = header
            elif section == "votes":
                if not header or header[0] != "voter_id" or "vote" not in header:
                    raise PabulibError(
                        f"line {line + 1}: VOTES header must start with voter_id and have vote"
                    )
                vote_columns = header
            continue
        if section == "meta":
            if len(row) < 2:
                raise PabulibError(f"line {line}: META rows are key;value")
            meta[row[0].strip()] = row[1].strip()
        elif section == "projects":
            assert header is not None
            if len(row) != len(header):
                raise PabulibError(f"line {line}: expected {len(header)} fields, found {len(row)}")
            pid = row[0].strip()
            if pid in projects:
                raise PabulibError(f"line {line}: duplicate project id {pid!r}")
            projects[pid] = Project(
                project_id=pid,
                cost=_integer(row[1], "cost", line),
                fields={header[i]: row[i].strip() for i in range(2, len(header))},
            )
        elif section == "votes":
            raw_votes.append((line, row))
        else:
            raise PabulibError(f"line {line}: data before the META section")
    if "budget" not in meta:
        raise PabulibError("META has no budget")
    vote_type = meta.get("vote_type", "approval")
    if vote_type == "choose-1":
        vote_type = "approval"
    if vote_type not in _VOTE_TYPES:
        raise PabulibError(f"unsupported vote_type {vote_type!r}")
    instance = Instance(
        meta=meta,
        projects=projects,
        budget=_integer(meta["budget"], "budget", 0),
        project_columns=project_columns or ["project_id", "cost"],
    )
    profile = _parse_votes(cast(VoteType, vote_type), vote_columns, raw_votes, projects, voter_ids)
    return instance, profile


def _parse_votes(
    vote_type: VoteType,
    columns: list[str],
    raw_votes: list[tuple[int, list[str]]],
    projects: dict[str, Project],
    voter_ids: list[str],
) -> Profile:
    if not raw_votes:
        return Profile(vote_type, voter_ids, [], [], columns or ["voter_id", "vote"])
    width = len(columns)
    vote_at = columns.index("vote")
    points_at = columns.index("points") if "points" in columns else -1
    if vote_type in ("cumulative", "scoring") and points_at < 0:
        raise PabulibError(f"{vote_type} VOTES need a points column")
    extra = [(i, name) for i, name in enumerate(columns) if i not in (0, vote_at, points_at)]
    known = projects.keys()
    ballots: list[Ballot] = []
    fields: list[dict[str, str]] = []
    strip = str.strip
    for line, row in raw_votes:
        if len(row) != width:
            raise PabulibError(f"line {line}: expected {width} fields, found {len(row)}")
        voter_ids.append(row[0].strip())
        ids = [x for x in map(strip, row[vote_at].split(",")) if x]
        if not known >= set(ids):
            unknown = sorted(set(ids) - set(known))
            raise PabulibError(f"line {line}: vote names unknown project(s) {unknown[:3]!r}")
        if vote_type == "approval":
            ballots.append(frozenset(ids))
        elif vote_type == "ordinal":
            # a project ranked twice keeps its first (best) position
            ballots.append(tuple(dict.fromkeys(ids)))
        else:
            pts = [x for x in map(strip, row[points_at].split(",")) if x]
            if len(pts) != len(ids):
                raise PabulibError(f"line {line}: {len(ids)} projects but {len(pts)} points")
            ballot: dict[str, int] = {}
            for pid, raw in zip(ids, pts, strict=True):
                # a project listed twice keeps its last points, as pabutools reads it
                ballot[pid] = int(raw) if raw.lstrip("-").isdigit() else _integer(raw, "points", line)
            ballots.append(ballot)
        fields.append({name: row[i].strip() for i, name in extra})
    seen: set[str] = set()
    for line_vid, vid in zip(raw_votes, voter_ids, strict=True):
        if vid in seen:
            raise PabulibError(f"line {line_vid[0]}: duplicate voter id {vid!r}")
        seen.add(vid)
    return Profile(vote_type, voter_ids, ballots, fields, columns)


def load(path: str | Path) -> tuple[Instance, Profile]:
    """Read and parse a ``.pb`` file (UTF-8, BOM tolerated)."""
    return parse(Path(path).read_text(encoding="utf-8-sig"))


# ------------------------------------------------------------------------------------------------ write


def dumps(instance: Instance, profile: Profile) -> str:
    """The ``.pb`` text of an instance and profile (``\\n`` line ends, minimal quoting)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    meta = dict(instance.meta)
    meta["budget"] = str(instance.budget)
    meta.setdefault("vote_type", profile.vote_type)
    for key, value in meta.items():
        writer.writerow([key, value])
    writer.writerow(["PROJECTS"])
    columns = list(instance.project_columns)
    for p in instance.projects.values():
        for key in p.fields:
            if key not in columns:
                columns.append(key)
    writer.writerow(columns)
    for p in instance.projects.values():
        writer.writerow([p.project_id, str(p.cost), *(p.fields.get(c, "") for c in columns[2:])])
    writer.writerow(["VOTES"])
    vcols = list(profile.vote_columns)
    if "vote" not in vcols:
        vcols.insert(1, "vote")
    if profile.vote_type in ("cumulative", "scoring") and "points" not in vcols:
        vcols.insert(vcols.index("vote") + 1, "points")
    writer.writerow(vcols)
    paper = {pid: i for i, pid in enumerate(instance.projects)}
    for vid, ballot, extra in zip(profile.voter_ids, profile.ballots, profile.voter_fields, strict=True):
        row: list[str] = []
        for col in vcols:
            if col == "voter_id":
                row.append(vid)
            elif col == "vote":
                if isinstance(ballot, frozenset):
                    row.append(",".join(sorted(ballot, key=lambda pid: paper.get(pid, len(paper)))))
                else:
                    row.append(",".join(ballot))
            elif col == "points":
                row.append(",".join(str(v) for v in ballot.values()) if isinstance(ballot, dict) else "")
            else:
                row.append(extra.get(col, ""))
        writer.writerow(row)
    return out.getvalue()


def dump(instance: Instance, profile: Profile, path: str | Path) -> None:
    """Write a ``.pb`` file (UTF-8, no BOM)."""
    Path(path).write_text(dumps(instance, profile), encoding="utf-8")
