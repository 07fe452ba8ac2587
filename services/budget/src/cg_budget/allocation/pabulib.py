"""Reader and writer of the Pabulib ``.pb`` format (pabulib.org/format).

A file has three sections, each introduced by a line ``META``, ``PROJECTS`` or ``VOTES`` followed by a
header row; rows are ``;``-separated CSV (double-quoted fields allowed). META holds ``key;value`` pairs
(``budget``, ``vote_type``, ``rule``, ...). PROJECTS starts with ``project_id;cost`` and may carry ``votes``,
``score``, ``name``, ``category``, ``target``, ``selected`` and any other column. VOTES starts with
``voter_id`` and carries ``vote`` (comma-separated project ids: a set for approval, a ranking for ordinal)
and, for ``cumulative`` and ``scoring`` ballots (and ordinal ballots that give position points),
``points`` (comma-separated, aligned with ``vote``).

Money is exact: costs and the budget are :class:`decimal.Decimal` values read digit for digit
(``1647263.73`` stays ``1647263.73``; a decimal comma is accepted). Negative amounts, amounts with more
than :data:`MAX_DIGITS` digits and anything that is not a plain decimal number are refused. Points are
integers.

Reading streams: :func:`load` reads the file line by line and keeps one object per distinct ballot
(``keep_voters=False`` also drops voter ids and the other voter columns, for computing an outcome), so a
file of millions of ballots fits in a few hundred megabytes. Errors are :class:`PabulibError` with a
one-line message naming the physical line (lines end at ``\\n``; ``\\r`` before it is part of the line
end, so ``\\r\\r\\n`` ends one line). Text must be UTF-8 (a BOM is tolerated); binary data is refused.

:func:`parse` / :func:`load` return an :class:`Instance` and a :class:`Profile`; :func:`dumps` /
:func:`dump` write them back. ``parse(dumps(instance, profile))`` reproduces both (approval ballots are
written in PROJECTS order since they are sets).
"""

from __future__ import annotations

import csv
import io
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, Literal, cast

from .model import BallotKind, Election

VoteType = Literal["approval", "cumulative", "scoring", "ordinal"]
_VOTE_TYPES: tuple[str, ...] = ("approval", "cumulative", "scoring", "ordinal")
_SECTIONS = ("meta", "projects", "votes")

#: the most digits an amount may have (a trillion with 12 decimal places fits)
MAX_DIGITS = 30
_AMOUNT = re.compile(r"\d+(?:[.,]\d+)?")
_POINTS = re.compile(r"[+-]?\d{1,18}")

ApprovalBallot = frozenset[str]
PointsBallot = dict[str, int]
OrdinalBallot = tuple[str, ...]
Ballot = ApprovalBallot | PointsBallot | OrdinalBallot

_NO_FIELDS: dict[str, str] = {}
_HEAD = 4096  # bytes looked at for binary data before parsing


class PabulibError(ValueError):
    """The text is not a valid Pabulib file (a one-line message naming the line)."""


def _shown(raw: str, limit: int = 24) -> str:
    """A bounded rendering of a raw field for error messages."""
    text = raw.strip()
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


@dataclass(slots=True)
class Project:
    """One PROJECTS row. ``fields`` keeps every column except ``project_id`` and ``cost`` as text."""

    project_id: str
    cost: Decimal
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
        return _count(self.fields.get("votes"))

    @property
    def score(self) -> int | None:
        return _count(self.fields.get("score"))


def _count(raw: str | None) -> int | None:
    if raw is None or not _POINTS.fullmatch(raw.strip()):
        return None
    return int(raw)


@dataclass(slots=True)
class Instance:
    """META and PROJECTS. ``projects`` keeps the file order (the ballot-paper order)."""

    meta: dict[str, str]
    projects: dict[str, Project]
    budget: Decimal
    project_columns: list[str] = field(default_factory=lambda: ["project_id", "cost"])

    @property
    def vote_type(self) -> VoteType:
        kind = self.meta.get("vote_type", "approval")
        return cast(VoteType, "approval" if kind == "choose-1" else kind)

    @property
    def rule(self) -> str:
        return self.meta.get("rule", "").strip()

    def official_selection(self) -> list[str] | None:
        """Ids with ``selected`` = 1 in PROJECTS order, or ``None`` if the file has no ``selected`` column."""
        if "selected" not in self.project_columns:
            return None
        return [pid for pid, p in self.projects.items() if p.selected]


@dataclass(slots=True)
class Profile:
    """VOTES: one ballot per voter, in file order.

    Approval ballots are ``frozenset`` of project ids, cumulative and score ballots ``dict`` id -> points
    (in the order written), ordinal ballots ``tuple`` of ids, most preferred first, or — when the file
    gives position points — ``dict`` id -> points in ranking order. Identical ballots are one shared
    object. ``voter_fields`` keeps the other columns (age, sex, district, ...) per voter. Profiles read
    with ``keep_voters=False`` have empty ``voter_ids`` and ``voter_fields``.
    """

    vote_type: VoteType
    voter_ids: list[str]
    ballots: list[Ballot]
    voter_fields: list[dict[str, str]]
    vote_columns: list[str] = field(default_factory=lambda: ["voter_id", "vote"])

    def __len__(self) -> int:
        return len(self.ballots)

    def points(self) -> list[dict[str, int]]:
        """Ballots as ``{project id: points}`` (1 per approved or ranked project without points)."""
        cache: dict[int, dict[str, int]] = {}
        out: list[dict[str, int]] = []
        for b in self.ballots:
            if isinstance(b, dict):
                out.append(b)
                continue
            known = cache.get(id(b))
            if known is None:
                known = cache[id(b)] = dict.fromkeys(b, 1)
            out.append(known)
        return out


# ------------------------------------------------------------------------------------------------ money


def parse_amount(raw: str, what: str, line: int) -> Decimal:
    """An exact non-negative amount (``12``, ``12.50``, ``12,50``); a one-line error otherwise."""
    text = raw.strip()
    if not _AMOUNT.fullmatch(text):
        if text.startswith("-") and _AMOUNT.fullmatch(text[1:]):
            raise PabulibError(f"line {line}: {what} {_shown(text)} is negative")
        raise PabulibError(f"line {line}: {what} {_shown(text)} is not a decimal number")
    digits = len(text) - (1 if len(text) > 1 and not text.isdigit() else 0)
    if digits > MAX_DIGITS:
        raise PabulibError(f"line {line}: {what} {_shown(text)} has more than {MAX_DIGITS} digits")
    return Decimal(text.replace(",", "."))


def money_scale(amounts: Iterable[Decimal]) -> int:
    """The fewest decimal places that write every amount exactly (``70.0`` needs none)."""
    scale = 0
    for value in amounts:
        if value != value.to_integral_value():
            exponent = value.normalize().as_tuple().exponent
            assert isinstance(exponent, int)
            scale = max(scale, -exponent)
    return scale


def to_units(value: Decimal, scale: int) -> int:
    """``value * 10 ** scale`` as an exact integer."""
    return int(value.scaleb(scale))


# ------------------------------------------------------------------------------------------------ election


def ordinal_position_points(instance: Instance, profile: Profile) -> list[dict[str, int]] | None:
    """Position points of ordinal ballots that carry none, if the PROJECTS ``score`` column gives them.

    Cities that rank by position (Kraków: 3 points for the first choice, 2 for the second, 1 for the
    third) publish each project's points as ``score``. The points are ``L, L-1, ..., 1`` with ``L`` the
    META ``max_length`` (else the longest ballot); they are used only when their totals equal every
    project's ``score``. ``None`` when the file has no ``score`` column (ballots then count 1 each);
    a one-line :class:`PabulibError` when the column follows no such scheme.
    """
    if "score" not in instance.project_columns:
        return None
    longest = max((len(b) for b in profile.ballots), default=0)
    raw_max = instance.meta.get("max_length", "").strip()
    length = int(raw_max) if raw_max.isdigit() and int(raw_max) >= longest else longest
    cache: dict[int, dict[str, int]] = {}
    ballots: list[dict[str, int]] = []
    totals = dict.fromkeys(instance.projects, 0)
    for b in profile.ballots:
        known = cache.get(id(b))
        if known is None:
            known = cache[id(b)] = {pid: length - i for i, pid in enumerate(b)}
        ballots.append(known)
        for pid, pts in known.items():
            totals[pid] += pts
    for pid, project in instance.projects.items():
        if project.score is not None and project.score != totals[pid]:
            raise PabulibError(
                f"ordinal ballots without points: the score of project {pid!r} ({project.score:,}) is not "
                f"the total of position points {length}..1 ({totals[pid]:,}); give a points column in VOTES"
            )
    return ballots


def to_election(instance: Instance, profile: Profile) -> Election:
    """The neutral election of a parsed file (costs in PROJECTS order, money in exact integer units).

    Ordinal ballots weigh each ranked project by its position points when the file gives them (a
    ``points`` column in VOTES, or a ``score`` column in PROJECTS, see :func:`ordinal_position_points`);
    greedy then ranks by points, while the Method of Equal Shares only uses who supports what.
    """
    kind: BallotKind = profile.vote_type
    scale = money_scale([instance.budget, *(p.cost for p in instance.projects.values())])
    ballots: list[dict[str, int]] | None = None
    if kind == "ordinal" and not any(isinstance(b, dict) for b in profile.ballots[:1]):
        ballots = ordinal_position_points(instance, profile)
    return Election(
        budget=to_units(instance.budget, scale),
        costs={pid: to_units(p.cost, scale) for pid, p in instance.projects.items()},
        ballots=ballots if ballots is not None else profile.points(),
        kind=kind,
        scale=scale,
    )


# ------------------------------------------------------------------------------------------------ parse


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Decoded physical lines (``\\n``-terminated, trailing ``\\r`` removed), with one-line errors."""
    for number, raw in enumerate(chunks, start=1):
        if b"\0" in raw:
            raise PabulibError(f"line {number}: binary data (a NUL byte); a .pb file is UTF-8 text")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PabulibError(
                f"line {number}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
            ) from None
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        yield text.rstrip("\r\n") + "\n"


class _Rows:
    """``;``-separated rows with the physical line each starts on."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._reader = csv.reader(self._counted(), delimiter=";", quotechar='"', strict=False)
        self.line = 0  # physical line of the last line read
        self._start = 1

    def _counted(self) -> Iterator[str]:
        for text in self._lines:
            self.line += 1
            yield text

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return self

    def __next__(self) -> tuple[int, list[str]]:
        start = self.line + 1
        try:
            row = next(self._reader)
        except csv.Error as exc:
            raise PabulibError(f"line {start}: {exc}") from None
        return start, row


class _Parser:
    def __init__(self, *, keep_voters: bool) -> None:
        self.keep_voters = keep_voters
        self.meta: dict[str, str] = {}
        self.meta_lines: dict[str, int] = {}
        self.projects: dict[str, Project] = {}
        self.project_columns: list[str] = []
        self.vote_columns: list[str] = []
        self.voter_ids: list[str] = []
        self.voter_fields: list[dict[str, str]] = []
        self.ballots: list[Ballot] = []
        self._interned: dict[object, Ballot] = {}
        self._numeric_ids = array("q")
        self._numeric_lines = array("q")
        self._other_ids: set[str] = set()
        self._increasing = True
        self._last_id = -1
        self.vote_type: VoteType = "approval"

    def run(self, lines: Iterator[str]) -> tuple[Instance, Profile]:
        rows = _Rows(lines)
        section = ""
        header: list[str] = []
        votes = None
        for line, row in rows:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            first = row[0].strip().lower()
            if first in _SECTIONS and (len(row) == 1 or not "".join(row[1:]).strip()):
                section = first
                try:
                    hline, header_row = next(rows)
                except StopIteration:
                    raise PabulibError(f"line {line}: section {first.upper()} has no header row") from None
                header = [h.strip() for h in header_row]
                if section == "projects":
                    if header[:2] != ["project_id", "cost"]:
                        raise PabulibError(f"line {hline}: PROJECTS header must start with project_id;cost")
                    self.project_columns = header
                elif section == "votes":
                    if not header or header[0] != "voter_id" or "vote" not in header:
                        raise PabulibError(
                            f"line {hline}: VOTES header must start with voter_id and have vote"
                        )
                    self.vote_columns = header
                    votes = self._vote_reader(header, hline)
                continue
            if section == "meta":
                if len(row) < 2:
                    raise PabulibError(f"line {line}: META rows are key;value")
                key = row[0].strip()
                self.meta[key] = row[1].strip()
                self.meta_lines[key] = line
            elif section == "projects":
                self._project(line, row, header)
            elif section == "votes":
                assert votes is not None
                votes(line, row)
            else:
                raise PabulibError(f"line {line}: data before the META section")
        if "budget" not in self.meta:
            raise PabulibError("META has no budget")
        self._check_voter_ids()
        instance = Instance(
            meta=self.meta,
            projects=self.projects,
            budget=parse_amount(self.meta["budget"], "budget", self.meta_lines["budget"]),
            project_columns=self.project_columns or ["project_id", "cost"],
        )
        self._meta_vote_type()  # files without VOTES still need a valid vote_type
        profile = Profile(
            self.vote_type,
            self.voter_ids,
            self.ballots,
            self.voter_fields,
            self.vote_columns or ["voter_id", "vote"],
        )
        return instance, profile

    def _meta_vote_type(self) -> VoteType:
        raw = self.meta.get("vote_type", "approval").strip()
        kind = "approval" if raw == "choose-1" else raw
        if kind not in _VOTE_TYPES:
            line = self.meta_lines.get("vote_type", 0)
            raise PabulibError(f"line {line}: unsupported vote_type {_shown(raw)}")
        self.vote_type = cast(VoteType, kind)
        return self.vote_type

    def _project(self, line: int, row: list[str], header: list[str]) -> None:
        if len(row) != len(header):
            raise PabulibError(f"line {line}: expected {len(header)} fields, found {len(row)}")
        pid = row[0].strip()
        if not pid:
            raise PabulibError(f"line {line}: empty project_id")
        if pid in self.projects:
            raise PabulibError(f"line {line}: duplicate project id {_shown(pid)}")
        self.projects[pid] = Project(
            project_id=pid,
            cost=parse_amount(row[1], "cost", line),
            fields={header[i]: row[i].strip() for i in range(2, len(header))},
        )

    def _vote_reader(self, columns: list[str], header_line: int):  # type: ignore[no-untyped-def]
        vote_type = self._meta_vote_type()
        width = len(columns)
        vote_at = columns.index("vote")
        points_at = columns.index("points") if "points" in columns else -1
        if vote_type in ("cumulative", "scoring") and points_at < 0:
            raise PabulibError(f"line {header_line}: {vote_type} VOTES need a points column")
        extra = [(i, name) for i, name in enumerate(columns) if i not in (0, vote_at, points_at)]
        known = self.projects.keys()
        interned = self._interned
        ballots = self.ballots
        keep = self.keep_voters
        with_points = points_at >= 0 and vote_type != "approval"
        strip = str.strip

        def read(line: int, row: list[str]) -> None:
            if len(row) != width:
                raise PabulibError(f"line {line}: expected {width} fields, found {len(row)}")
            vid = row[0].strip()
            if not vid:
                raise PabulibError(f"line {line}: empty voter_id")
            self._voter_id(vid, line)
            ids = [x for x in map(strip, row[vote_at].split(",")) if x]
            if not known >= set(ids):
                unknown = sorted(set(ids) - set(known))
                raise PabulibError(
                    f"line {line}: vote names unknown project(s) {_shown(','.join(unknown[:3]))}"
                )
            key: object
            if with_points:
                pts = [x for x in map(strip, row[points_at].split(",")) if x]
                if len(pts) != len(ids):
                    raise PabulibError(f"line {line}: {len(ids)} projects but {len(pts)} points")
                ballot: dict[str, int] = {}
                for pid, raw in zip(ids, pts, strict=True):
                    if not _POINTS.fullmatch(raw):
                        raise PabulibError(f"line {line}: points {_shown(raw)} are not an integer")
                    value = int(raw)
                    if value < 0 and vote_type != "scoring":
                        raise PabulibError(f"line {line}: points {value} are negative")
                    if vote_type == "ordinal" and pid in ballot:
                        continue  # a project ranked twice keeps its first (best) position
                    # a cumulative project listed twice keeps its last points, as pabutools reads it
                    ballot[pid] = value
                key = tuple(ballot.items())
                found = interned.get(key)
                if found is None:
                    found = interned[key] = ballot
            elif vote_type == "ordinal":
                # a project ranked twice keeps its first (best) position
                key = ranking = tuple(dict.fromkeys(ids))
                found = interned.get(("o", key))
                if found is None:
                    found = interned[("o", key)] = ranking
            else:
                key = approved = frozenset(ids)
                found = interned.get(key)
                if found is None:
                    found = interned[key] = approved
            ballots.append(found)
            if keep:
                self.voter_ids.append(vid)
                self.voter_fields.append({name: row[i].strip() for i, name in extra} if extra else _NO_FIELDS)

        return read

    def _voter_id(self, vid: str, line: int) -> None:
        # Duplicate ids are found without keeping every id: numeric ids go to a compact array (and need
        # no check at all while they only increase, as in most files); others go to a set.
        if vid.isdigit() and len(vid) < 18 and (vid == "0" or vid[0] != "0"):
            value = int(vid)
            if value <= self._last_id:
                self._increasing = False
            self._last_id = value
            self._numeric_ids.append(value)
            self._numeric_lines.append(line)
        else:
            if vid in self._other_ids:
                raise PabulibError(f"line {line}: duplicate voter id {_shown(vid)}")
            self._other_ids.add(vid)

    def _check_voter_ids(self) -> None:
        ids = self._numeric_ids
        if self._increasing or len(set(ids)) == len(ids):
            return
        seen: set[int] = set()
        for value, line in zip(ids, self._numeric_lines, strict=True):
            if value in seen:
                raise PabulibError(f"line {line}: duplicate voter id '{value}'")
            seen.add(value)


def _parse(chunks: Iterable[bytes], *, keep_voters: bool, head: bytes = b"") -> tuple[Instance, Profile]:
    if b"\0" in head:
        # binary data is named as such even when its first bytes are not UTF-8 either
        line = head[: head.index(b"\0")].count(b"\n") + 1
        raise PabulibError(f"line {line}: binary data (a NUL byte); a .pb file is UTF-8 text")
    return _Parser(keep_voters=keep_voters).run(_lines(chunks))


def parse(text: str | bytes, *, keep_voters: bool = True) -> tuple[Instance, Profile]:
    """Parse the text (or the raw bytes) of a ``.pb`` file."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return _parse(io.BytesIO(data), keep_voters=keep_voters, head=data[:_HEAD])


def load(path: str | Path, *, keep_voters: bool = True) -> tuple[Instance, Profile]:
    """Read and parse a ``.pb`` file, streaming (UTF-8, BOM tolerated)."""
    with open(path, "rb") as handle:
        return read(handle, keep_voters=keep_voters)


def read(handle: BinaryIO, *, keep_voters: bool = True) -> tuple[Instance, Profile]:
    """Parse a ``.pb`` file from a binary stream, line by line."""
    peek = getattr(handle, "peek", None)
    head = peek(_HEAD)[:_HEAD] if peek is not None else b""
    return _parse(handle, keep_voters=keep_voters, head=head)


# ------------------------------------------------------------------------------------------------ write


def dumps(instance: Instance, profile: Profile) -> str:
    """The ``.pb`` text of an instance and profile (``\\n`` line ends, minimal quoting)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    meta = dict(instance.meta)
    meta["budget"] = format(instance.budget, "f")
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
        writer.writerow([p.project_id, format(p.cost, "f"), *(p.fields.get(c, "") for c in columns[2:])])
    writer.writerow(["VOTES"])
    vcols = list(profile.vote_columns)
    if "vote" not in vcols:
        vcols.insert(1, "vote")
    has_points = profile.vote_type in ("cumulative", "scoring") or any(
        isinstance(b, dict) for b in profile.ballots[:1]
    )
    if has_points and "points" not in vcols:
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
