"""A borough's collaborative-governance year as a client of the four public REST APIs.

Everything here goes through HTTP exactly as a frontend app or borough IT would; the services meet
only through their events, so each step that depends on another service *polls* the public read API
with a deadline until the event has had its effect (never a blind sleep).

The cycle (DESIGN §4, flows 1–3): the registry knows the borough's projects → the committee is
established with a compliant membership → residents submit proposals → the annual plan is drafted
with items, deliberation records and links to existing projects → the plan is submitted → the
committee puts it on its next meeting's agenda → a meeting with quorum votes by name, a member
affiliated with a partner organisation recused → the valid decision adopts the plan → budget opens a
request per item → a participatory election (approval ballots, Method of Equal Shares) → the
allocation is finalised → planning marks the items funded and the registry records the funding lines
and registers the bottom-up items as projects. :meth:`CgYear.run_failed_quorum` is the other path: the
meeting lacks a quorum, the decision is invalid and the plan goes back to REVISION.

The library is re-runnable against one long-lived system (``make run``): titles carry a run suffix, an
existing committee of the borough is reused, and the plan takes the first fiscal year that the
borough's master plans and budget cycles leave free.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeVar

import httpx

from cg_shared.auth import mint_dev_token
from cg_shared.clock import now_utc, today_seoul
from cg_shared.districts import DISTRICTS
from cg_shared.settings import DEFAULT_DEV_SECRET
from cg_shared.testing.helpers import eventually

Json = dict[str, Any]
T = TypeVar("T")

SERVICES = ("registry", "committee", "planning", "budget")
DEFAULT_PORTS = {"registry": 8001, "committee": 8002, "planning": 8003, "budget": 8004}
MASTER_TERM_YEARS = 3
FIRST_MASTER_TERM = 2017  # Seoul's master plans ran 2017–2019, 2020–2022, …: new ones keep that grid
SEOUL = timedelta(hours=9)
BUDGET_STATES_BEFORE_ALLOCATION = ("OPEN", "REQUESTS", "ALLOCATION")


# --- where the services are, and who calls them --------------------------------------------------


@dataclass(frozen=True)
class ServiceUrls:
    registry: str
    committee: str
    planning: str
    budget: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServiceUrls:
        """``CG_<SERVICE>_URL``, else ``http://127.0.0.1:<CG_<SERVICE>_PORT or the default port>``."""
        source = os.environ if env is None else env
        urls: dict[str, str] = {}
        for name in SERVICES:
            explicit = source.get(f"CG_{name.upper()}_URL")
            port = source.get(f"CG_{name.upper()}_PORT", str(DEFAULT_PORTS[name]))
            urls[name] = (explicit or f"http://127.0.0.1:{port}").rstrip("/")
        return cls(**urls)

    def of(self, service: str) -> str:
        url: str = getattr(self, service)
        return url


class ApiError(RuntimeError):
    """A call answered with an unexpected status; carries the problem+json body."""

    def __init__(self, service: str, method: str, path: str, status: int, body: Any) -> None:
        self.service, self.method, self.path, self.status, self.body = service, method, path, status, body
        detail = body.get("detail") if isinstance(body, dict) else None
        errors = body.get("errors") if isinstance(body, dict) else None
        text = f"{service} {method} {path} → {status}: {detail or body}"
        if errors:
            text += f" {errors}"
        super().__init__(text)


class Tokens:
    """Development bearer tokens (HS256 with the shared dev secret, as ``cg-dev-token`` mints them)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def headers(
        self,
        role: str,
        sgg_code: str | None = None,
        *,
        sub: str | None = None,
        name: str | None = None,
        organisations: Sequence[str] | None = None,
    ) -> dict[str, str]:
        token = mint_dev_token(
            secret=self.secret,
            role=role,
            sgg_code=sgg_code,
            sub=sub,
            name=name,
            organisations=list(organisations) if organisations else None,
        )
        return {"Authorization": f"Bearer {token}"}

    def officer(self, sgg_code: str) -> dict[str, str]:
        return self.headers("borough_officer", sgg_code, sub=f"officer-{sgg_code}", name="협치정책과 주무관")

    def secretary(self, sgg_code: str) -> dict[str, str]:
        return self.headers("committee_secretary", sgg_code, sub=f"secretary-{sgg_code}", name="위원회 간사")

    def resident(
        self, sub: str, sgg_code: str | None = None, organisations: Sequence[str] | None = None
    ) -> dict[str, str]:
        return self.headers("resident", sgg_code, sub=sub, organisations=organisations)


class CgApi:
    """Four HTTP clients, one per service, plus the dev tokens. Use as an async context manager."""

    def __init__(
        self,
        urls: ServiceUrls,
        *,
        secret: str | None = None,
        timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.urls = urls
        self.tokens = Tokens(secret or os.environ.get("CG_JWT_SECRET") or DEFAULT_DEV_SECRET)
        self._clients = {
            name: httpx.AsyncClient(base_url=urls.of(name), timeout=timeout_s, transport=transport)
            for name in SERVICES
        }

    async def __aenter__(self) -> CgApi:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    def link(self, service: str, path: str) -> str:
        """The public URL of a resource, for people to open."""
        return self.urls.of(service) + path

    async def request(
        self,
        service: str,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        ok: Sequence[int] = (),
    ) -> httpx.Response:
        """Send one request; any 2xx (or a status listed in ``ok``) is success, the rest an ApiError."""
        response = await self._clients[service].request(
            method, path, headers=dict(headers or {}), json=json, params=dict(params or {})
        )
        if not (200 <= response.status_code < 300 or response.status_code in ok):
            try:
                body: Any = response.json()
            except ValueError:
                body = response.text
            raise ApiError(service, method, path, response.status_code, body)
        return response

    async def get(self, service: str, path: str, **params: Any) -> Any:
        return (await self.request(service, "GET", path, params=params)).json()

    async def get_or_none(self, service: str, path: str) -> Any:
        response = await self.request(service, "GET", path, ok=(404,))
        return None if response.status_code == 404 else response.json()

    async def post(
        self, service: str, path: str, body: Any = None, *, headers: Mapping[str, str] | None = None
    ) -> Any:
        return (await self.request(service, "POST", path, headers=headers, json=body)).json()

    async def write(
        self,
        service: str,
        method: str,
        path: str,
        body: Any,
        *,
        headers: Mapping[str, str],
        etag_from: str | None = None,
    ) -> Any:
        """PUT/PATCH (or POST) with ``If-Match`` taken from a fresh GET of ``etag_from`` (default: path)."""
        current = await self.request(service, "GET", etag_from or path)
        etag = current.headers.get("ETag")
        sent = {**headers, **({"If-Match": etag} if etag else {})}
        return (await self.request(service, method, path, headers=sent, json=body)).json()

    async def collect(self, service: str, path: str, **params: Any) -> list[Json]:
        """Every item of a paged list (``{"items": [...], "next_cursor": ...}``)."""
        items: list[Json] = []
        cursor: str | None = None
        while True:
            query = {"limit": 500, **params, **({"cursor": cursor} if cursor else {})}
            page = await self.get(service, path, **query)
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items


async def wait_for(
    probe: Callable[[], Awaitable[T]],
    *,
    until: Callable[[T], bool] = bool,
    what: str,
    timeout_s: float,
) -> T:
    """Poll a public read until an event's effect shows, with a deadline (AssertionError after it)."""
    return await eventually(probe, until=until, timeout_s=timeout_s, interval_s=0.2, what=what)


# --- narration -------------------------------------------------------------------------------


class Narrator(Protocol):
    def step(self, title: str) -> None:
        """A new step of the cycle begins."""

    def say(self, text: str) -> None:
        """One plain-language line about what happened, with the numbers."""


class RecordingNarrator:
    """Keeps the story in memory with the seconds since the start (tests print it when a step fails)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._started = time.monotonic()

    def _at(self) -> str:
        return f"[{time.monotonic() - self._started:6.1f}s]"

    def step(self, title: str) -> None:
        self.lines.append(f"{self._at()} == {title}")

    def say(self, text: str) -> None:
        self.lines.append(f"{self._at()}    {text}")


def won(amount: int) -> str:
    """Integer won for people: ₩120,000,000."""
    return f"₩{amount:,}"


def share_text(fraction: str | None) -> str:
    """An exact share the budget service reports as text ("30000000" or "1000/3") in won."""
    if not fraction:
        return "—"
    num, _, den = fraction.partition("/")
    return won(int(num) // int(den or 1)) if num.isdigit() and (not den or den.isdigit()) else fraction


def seoul_time(moment: str) -> str:
    return (datetime.fromisoformat(moment) + SEOUL).strftime("%Y-%m-%d %H:%M (Seoul)")


# --- the people and the plan content of the scenario -------------------------------------------


@dataclass(frozen=True)
class MemberSpec:
    name_ko: str
    name_en: str
    seat_kind: str
    position_title: str = ""
    affiliations: tuple[str, ...] = ()


# The people, places and organisations below are Seongdong-gu's (its 2017 ordinance: 30 members = 21
# civilians, 2 of them by open call, 2 councillors, 7 officials); other boroughs get the same roster
# with their own name in titles and no dong names.
SCENARIO_BOROUGH = "11200"

# The organisation one civilian member belongs to and the youth-space item partners with: that member
# must be recused from the vote on the plan.
RECUSAL_ORGANISATION = "성수동마을협동조합"

CIVILIANS: tuple[MemberSpec, ...] = tuple(
    MemberSpec(ko, en, "civilian_appointed", "위원", (org,) if org else ())
    for ko, en, org in (
        ("김민지", "Kim Minji", RECUSAL_ORGANISATION),
        ("이서준", "Lee Seojun", "성동구 사회적경제지원센터"),
        ("박지우", "Park Jiwoo", "금호동 주민자치회"),
        ("최하은", "Choi Haeun", "옥수동 마을공동체"),
        ("정도윤", "Jung Doyun", "마장동 상인회"),
        ("강서연", "Kang Seoyeon", "사근동 돌봄협동조합"),
        ("조예준", "Cho Yejun", "응봉동 환경모임"),
        ("윤지아", "Yoon Jia", "송정동 주민자치회"),
        ("장시우", "Jang Siwoo", "성동 장애인자립생활센터"),
        ("임수아", "Lim Sua", "성동 여성인력개발센터"),
        ("한주원", "Han Juwon", "성동 노인복지관"),
        ("오지호", "Oh Jiho", "성동문화재단"),
        ("서하린", "Seo Harin", "서울숲 시민모임"),
        ("신은우", "Shin Eunwoo", "성동 청소년수련관"),
        ("권유나", "Kwon Yuna", "성수 소셜벤처 협의회"),
        ("황민재", "Hwang Minjae", "성동 다문화가족지원센터"),
        ("안채원", "Ahn Chaewon", "행당 청년협동조합"),
        ("송건우", "Song Geonwoo", "성동 자원봉사센터"),
        ("류다인", "Ryu Dain", ""),
    )
)
OPEN_CALL: tuple[MemberSpec, ...] = (
    MemberSpec("정다은", "Jeong Daeun", "civilian_open_call", "공개모집 위원", ("행당동 작은도서관",)),
    MemberSpec("문태양", "Moon Taeyang", "civilian_open_call", "공개모집 위원", ("성수2가3동 주민",)),
)
COUNCILLORS: tuple[MemberSpec, ...] = (
    MemberSpec("배정훈", "Bae Junghoon", "councillor", "성동구의회 의원", ("성동구의회",)),
    MemberSpec("노미경", "Noh Mikyung", "councillor", "성동구의회 의원", ("성동구의회",)),
)
OFFICIALS: tuple[MemberSpec, ...] = tuple(
    MemberSpec(ko, en, "official", title, ("성동구청",))
    for ko, en, title in (
        ("정원호", "Jung Wonho", "성동구청장"),
        ("홍성민", "Hong Sungmin", "부구청장"),
        ("유재석", "Yoo Jaeseok", "기획예산과장"),
        ("김나래", "Kim Narae", "자치행정과장"),
        ("이동훈", "Lee Donghoon", "마을공동체과장"),
        ("박소영", "Park Soyoung", "청년정책과장"),
        ("최진혁", "Choi Jinhyuk", "복지정책과장"),
    )
)


@dataclass(frozen=True)
class DeliberationSpec:
    kind: str
    participants: int
    summary: str
    change_summary: str | None = None  # set: the input changed the item (recorded feedback)


@dataclass(frozen=True)
class ItemSpec:
    key: str
    title_ko: str
    title_en: str
    description: str
    origin: str
    policy_field: str
    dong: str | None
    department: str
    partners: tuple[str, ...]
    target_groups: tuple[str, ...]
    amount_krw: int
    kpi: tuple[str, str, float]
    deliberations: tuple[DeliberationSpec, ...]


@dataclass(frozen=True)
class ProposalSpec:
    key: str
    title: str
    problem: str
    idea: str
    dong: str
    cost_krw: int
    target_group: str
    decision: str  # accept | merge | reject
    item_key: str | None = None  # accept: the item it becomes; merge: the item it joins
    organisation: str | None = None  # a civic group's proposal
    reason: str | None = None


ITEMS: dict[str, ItemSpec] = {
    spec.key: spec
    for spec in (
        ItemSpec(
            key="youth_space",
            title_ko="성수동 청년 공유공간 조성",
            title_en="Seongsu youth shared space",
            description="빈 점포를 청년 협의체가 운영하는 공유공간으로 전환",
            origin="resident",
            policy_field="youth",
            dong="성수1가1동",
            department="청년정책과",
            partners=(RECUSAL_ORGANISATION, "성동청년센터"),
            target_groups=("청년",),
            amount_krw=120_000_000,
            kpi=("공간 이용 청년 수", "명", 1200),
            deliberations=(
                DeliberationSpec(
                    "forum",
                    48,
                    "성수1가1동 주민포럼: 운영 주체를 청년 협의체로 하자는 의견 다수",
                    "운영 주체를 구청 직영에서 청년 협의체 위탁으로 변경",
                ),
                DeliberationSpec("working_group", 12, "청년 분과 3회 회의: 운영 규칙과 예산 공동 작성"),
            ),
        ),
        ItemSpec(
            key="care",
            title_ko="왕십리 어르신 마을돌봄 네트워크",
            title_en="Wangsimni neighbourhood care network for older residents",
            description="이웃 돌봄 활동가가 홀로 사는 어르신을 정기 방문",
            origin="resident",
            policy_field="care",
            dong="왕십리도선동",
            department="어르신복지과",
            partners=("왕십리도선동 돌봄이웃",),
            target_groups=("어르신",),
            amount_krw=80_000_000,
            kpi=("정기 방문 어르신 수", "명", 300),
            deliberations=(
                DeliberationSpec("survey", 230, "홀로 사는 어르신 가구 설문 (응답 230명)"),
                DeliberationSpec(
                    "forum",
                    35,
                    "돌봄 포럼: 방문 주기를 월 1회에서 주 1회로 늘리자는 제안",
                    "방문 주기를 주 1회로 변경하고 활동가 수당 반영",
                ),
            ),
        ),
        ItemSpec(
            key="garden",
            title_ko="용답동 골목 정원 가꾸기",
            title_en="Yongdap alley gardens",
            description="골목 자투리땅을 주민이 함께 가꾸는 정원으로",
            origin="civic_group",
            policy_field="environment",
            dong="용답동",
            department="공원녹지과",
            partners=("용답동 마을정원 모임",),
            target_groups=("주민",),
            amount_krw=60_000_000,
            kpi=("조성 정원 수", "곳", 12),
            deliberations=(DeliberationSpec("workshop", 22, "골목 정원 디자인 워크숍"),),
        ),
        ItemSpec(
            key="academy",
            title_ko="성동 협치 아카데미",
            title_en="Seongdong collaborative-governance academy",
            description="주민·공무원 협치 역량 교육 (기존 사업과 연계)",
            origin="department",
            policy_field="resident_autonomy",
            dong=None,
            department="협치정책과",
            partners=(),
            target_groups=("주민", "공무원"),
            amount_krw=50_000_000,
            kpi=("수료 인원", "명", 150),
            deliberations=(DeliberationSpec("department_review", 6, "관련 부서 검토 회의"),),
        ),
    )
}
DEPARTMENT_ITEM = "academy"  # typed in by the department, linked to an existing registry project

PROPOSALS: tuple[ProposalSpec, ...] = (
    ProposalSpec(
        key="youth_space",
        title="성수동 빈 점포를 청년 공유공간으로",
        problem="청년이 모일 공간이 없다",
        idea="빈 점포를 임대해 청년 협의체가 운영",
        dong="성수1가1동",
        cost_krw=120_000_000,
        target_group="청년",
        decision="accept",
        item_key="youth_space",
    ),
    ProposalSpec(
        key="youth_cafe",
        title="성수동 청년 커뮤니티 카페",
        problem="청년 모임을 할 곳이 카페뿐이다",
        idea="청년이 운영하는 커뮤니티 카페",
        dong="성수2가1동",
        cost_krw=70_000_000,
        target_group="청년",
        decision="merge",
        item_key="youth_space",
        reason="같은 청년 공간 제안과 통합",
    ),
    ProposalSpec(
        key="care",
        title="홀로 사는 어르신을 이웃이 돌봐요",
        problem="홀로 사는 어르신의 고립",
        idea="이웃 돌봄 활동가의 정기 방문",
        dong="왕십리도선동",
        cost_krw=80_000_000,
        target_group="어르신",
        decision="accept",
        item_key="care",
    ),
    ProposalSpec(
        key="garden",
        title="용답동 골목을 정원으로",
        problem="골목 자투리땅에 쓰레기가 쌓인다",
        idea="주민이 함께 가꾸는 골목 정원",
        dong="용답동",
        cost_krw=60_000_000,
        target_group="주민",
        decision="accept",
        item_key="garden",
        organisation="용답동 마을정원 모임",
    ),
    ProposalSpec(
        key="fountain",
        title="구청 앞 광장에 음악 분수",
        problem="광장이 밋밋하다",
        idea="음악 분수 설치",
        dong="행당1동",
        cost_krw=900_000_000,
        target_group="주민",
        decision="reject",
        reason="시설 공사는 협치사업이 아니어서 일반 시설예산 검토로 안내했습니다",
    ),
)

# Ten residents' approval ballots (item keys). Support: youth space 7, care 6, academy 5, garden 2.
# With a ₩300M envelope each voter holds ₩30M under the Method of Equal Shares: the youth space, the
# care network and the academy are bought (₩250M); the garden's two supporters cannot pay ₩60M.
BALLOTS: tuple[tuple[str, ...], ...] = (
    ("youth_space", "care"),
    ("youth_space", "care"),
    ("youth_space", "care"),
    ("youth_space", "academy"),
    ("youth_space", "academy"),
    ("youth_space", "academy"),
    ("youth_space", "academy"),
    ("care", "academy"),
    ("care", "garden"),
    ("care", "garden"),
)
ENVELOPE_KRW = 300_000_000
ELECTION_RULE = "mes"
ADOPTION_STEPS = 8  # narrator.step() calls in CgYear.run_adoption_cycle (for progress displays)


# --- what each step hands to the next ----------------------------------------------------------


@dataclass
class RegistrySnapshot:
    city: Json
    borough: Json
    borough_projects: int


@dataclass
class CommitteeSetup:
    committee: Json
    created: bool
    seated: list[Json]
    composition: Json
    recusal_member: Json
    recusal_organisation: str
    open_call_applications: int = 0


@dataclass
class PlanDraft:
    master_plan: Json
    plan: Json
    fiscal_year: int
    items: dict[str, Json]
    proposals: dict[str, Json]
    deliberations: int
    participants: int


@dataclass
class Placement:
    meeting: Json
    agenda_item: Json


@dataclass
class Vote:
    meeting: Json
    agenda_item: Json
    attendance: Json
    decision: Json
    present: int
    yes: int
    no: int
    abstain: int


@dataclass
class Funding:
    requests: dict[str, Json]
    cycle: Json
    envelope: Json
    election: Json
    outcome: Json
    allocation: Json
    ballots: int


@dataclass
class CycleReport:
    sgg_code: str
    run_id: str
    registry_before: RegistrySnapshot
    linked_project_before: Json
    committee: CommitteeSetup
    plan: PlanDraft
    vote: Vote
    plan_after_vote: Json
    funding: Funding
    funded_items: dict[str, Json]
    new_projects: dict[str, Json]
    linked_project_after: Json
    assessments: dict[str, Json]
    registry_after: RegistrySnapshot
    committee_metrics: Json
    plan_metrics: Json
    proposal_followed: Json | None = None  # a resident's proposal as they see it in /v1/proposals/mine
    links: dict[str, str] = field(default_factory=dict)

    @property
    def allocated_krw(self) -> int:
        total: int = self.funding.allocation["total_krw"]
        return total

    @property
    def funded_keys(self) -> list[str]:
        by_request = {r["id"]: key for key, r in self.funding.requests.items()}
        return [by_request[line["request_id"]] for line in self.funding.allocation["lines"]]


@dataclass
class FailedQuorumReport:
    sgg_code: str
    run_id: str
    registry_before: RegistrySnapshot
    plan: PlanDraft
    vote: Vote
    plan_after_vote: Json
    budget_requests: list[Json]
    registry_projects_for_items: list[Json]
    registry_after: RegistrySnapshot
    links: dict[str, str] = field(default_factory=dict)


# --- the cycle ---------------------------------------------------------------------------------


def seoul_today() -> date:
    return today_seoul()


def master_start_for(year: int) -> int:
    return FIRST_MASTER_TERM + MASTER_TERM_YEARS * ((year - FIRST_MASTER_TERM) // MASTER_TERM_YEARS)


class CgYear:
    """One borough's CG year through the public APIs. Each method is one step; ``run_*`` chain them."""

    def __init__(
        self,
        api: CgApi,
        *,
        sgg_code: str = "11200",
        run_id: str | None = None,
        narrator: Narrator | None = None,
        timeout_s: float = 90.0,
    ) -> None:
        if sgg_code not in DISTRICTS:
            raise ValueError(f"unknown borough {sgg_code}")
        self.api = api
        self.sgg = sgg_code
        self.district = DISTRICTS[sgg_code]
        self.run_id = run_id or uuid.uuid4().hex[:6]
        self.narrator: Narrator = narrator or RecordingNarrator()
        self.timeout_s = timeout_s
        self.officer = api.tokens.officer(sgg_code)
        self.secretary = api.tokens.secretary(sgg_code)
        self.proposers: dict[str, dict[str, str]] = {}  # proposal id → its resident's headers

    # -- helpers

    def _say(self, text: str) -> None:
        self.narrator.say(text)

    def _tag(self, title: str) -> str:
        return f"{title} [{self.run_id}]"

    def _local(self, text: str) -> str:
        """The roster and plan are written for Seongdong; elsewhere its name becomes the borough's."""
        if self.sgg == SCENARIO_BOROUGH:
            return text
        return text.replace("성동구", self.district.name_ko).replace("성동", self.district.name_ko[:-1])

    # -- 1. registry

    async def registry_snapshot(self) -> RegistrySnapshot:
        city = await self.api.get("registry", "/v1/stats/summary")
        borough = await self.api.get("registry", "/v1/stats/summary", sgg_code=self.sgg)
        return RegistrySnapshot(city=city, borough=borough, borough_projects=borough["project_count"])

    async def registry_baseline(self) -> tuple[RegistrySnapshot, Json]:
        """The registry's figures now, and an existing project of the borough to link the plan to
        (one that planning's read model already knows, so the link validates)."""
        self.narrator.step("The registry knows the borough's CG projects")
        page = await wait_for(
            lambda: self.api.get("registry", "/v1/projects", sgg_code=self.sgg, limit=100),
            until=lambda p: bool(p["items"]),
            what=f"registry projects of {self.sgg} (is the registry seeded?)",
            timeout_s=self.timeout_s,
        )
        snapshot = await self.registry_snapshot()
        candidates = [p for p in page["items"] if not p.get("plan_item_id")] or page["items"]
        candidates.sort(key=lambda p: (p["origin"] != "department", p["status"] != "active", p["code"]))
        project = candidates[0]
        await wait_for(
            lambda: self.api.get_or_none("planning", f"/v1/registry-projects/{project['id']}"),
            until=lambda p: p is not None,
            what=f"planning's read model to know registry project {project['code']}",
            timeout_s=self.timeout_s * 2,
        )
        tokenism = snapshot.borough["tokenism"]
        self._say(
            f"{self.district.name_en} ({self.district.name_ko}, {self.sgg}) has {snapshot.borough_projects} CG "
            f"projects worth {won(snapshot.borough['total_krw'])}; Seoul-wide "
            f"{snapshot.city['project_count']:,} projects, {won(snapshot.city['total_krw'])}."
        )
        self._say(
            f"Tokenism in the borough: {tokenism['tokenism_risk_count']} of {tokenism['assessed_count']} "
            f"assessed projects at risk, {tokenism['public_led_count']} public-led."
        )
        self._say(
            f"The department's item will continue project {project['code']} “{project['title_ko']}”, "
            "which planning already knows from the registry's events."
        )
        return snapshot, project

    # -- 2. committee

    async def ensure_committee(self) -> CommitteeSetup:
        """The borough's committee: reused when it exists, else established with a compliant roster
        (21 civilians of whom 2 by open call, 2 councillors, 7 officials, a civilian co-chair)."""
        self.narrator.step("The borough's CG committee (민관협치위원회)")
        existing = await self.api.get("committee", "/v1/committees", sgg_code=self.sgg)
        created = not existing["items"]
        applications = 0
        if created:
            committee = await self.api.post(
                "committee",
                "/v1/committees",
                {
                    "sgg_code": self.sgg,
                    "name_ko": f"{self.district.name_ko} 민관협치위원회",
                    "name_en": f"{self.district.name_en} Collaborative Governance Committee",
                    "established_on": (seoul_today() - timedelta(days=30)).isoformat(),
                    "ordinance_reference": f"{self.district.name_ko} 민관협치 활성화 기본조례",
                },
                headers=self.officer,
            )
            applications = await self._appoint_roster(committee["id"])
        else:
            committee = existing["items"][0]
            self._say(f"The committee “{committee['name_ko']}” already exists: it is reused.")
        seated = await self.api.get(
            "committee", f"/v1/committees/{committee['id']}/members", status="seated", limit=500
        )
        members: list[Json] = seated["items"] if isinstance(seated, dict) else seated
        composition = await self.api.get("committee", f"/v1/committees/{committee['id']}/composition")
        recusal = self._pick_recusal_member(members)
        kinds = composition["by_seat_kind"]
        co_chairs = ", ".join(f"{m['name_ko']} ({m['seat_kind']})" for m in composition["co_chairs"])
        self._say(
            f"{composition['seated_count']} members seated: "
            + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()) if count)
            + f"; civilians {composition['civilian_count']} = {composition['civilian_share']:.0%}; "
            f"co-chairs {co_chairs or 'none'}; compliant with the ordinance: {composition['compliant']}."
        )
        if applications:
            self._say(
                f"{applications} residents answered the open call and were appointed to open-call seats."
            )
        return CommitteeSetup(
            committee=committee,
            created=created,
            seated=members,
            composition=composition,
            recusal_member=recusal,
            recusal_organisation=recusal["affiliations"][0],
            open_call_applications=applications,
        )

    async def _appoint_roster(self, committee_id: str) -> int:
        # Civilians first: the civilian-majority rule refuses a non-civilian seat that would break it.
        appointed: dict[str, Json] = {}
        for spec in CIVILIANS:
            appointed[spec.name_ko] = await self._appoint(committee_id, spec)
        applications = 0
        for number, spec in enumerate(OPEN_CALL, start=1):
            resident = self.api.tokens.resident(f"applicant-{self.sgg}-{number}", self.sgg)
            application = await self.api.post(
                "committee",
                f"/v1/committees/{committee_id}/applications",
                {
                    "name_ko": spec.name_ko,
                    "name_en": spec.name_en,
                    "affiliations": [self._local(a) for a in spec.affiliations],
                    "statement": "마을 의제를 함께 만들고 싶습니다.",
                },
                headers=resident,
            )
            await self.api.post(
                "committee", f"/v1/applications/{application['id']}/shortlist", headers=self.secretary
            )
            member = await self.api.post(
                "committee", f"/v1/applications/{application['id']}/appointment", {}, headers=self.secretary
            )
            appointed[spec.name_ko] = member
            applications += 1
        for spec in COUNCILLORS + OFFICIALS:
            appointed[spec.name_ko] = await self._appoint(committee_id, spec)
        civilian_chair = appointed[CIVILIANS[1].name_ko]
        mayor = appointed[OFFICIALS[0].name_ko]
        await self.api.write(
            "committee",
            "PUT",
            f"/v1/committees/{committee_id}/co-chairs",
            {"member_ids": [civilian_chair["id"], mayor["id"]]},
            headers=self.secretary,
            etag_from=f"/v1/committees/{committee_id}",
        )
        self._say(
            f"Established with {len(appointed)} members; co-chairs {civilian_chair['name_ko']} (civilian) "
            f"and {mayor['name_ko']} ({mayor['position_title']})."
        )
        return applications

    async def _appoint(self, committee_id: str, spec: MemberSpec) -> Json:
        member: Json = await self.api.post(
            "committee",
            f"/v1/committees/{committee_id}/members",
            {
                "name_ko": spec.name_ko,
                "name_en": spec.name_en,
                "seat_kind": spec.seat_kind,
                "position_title": self._local(spec.position_title),
                "affiliations": [self._local(a) for a in spec.affiliations],
            },
            headers=self.secretary,
        )
        return member

    @staticmethod
    def _pick_recusal_member(members: list[Json]) -> Json:
        """A seated civilian with an affiliation (not a co-chair when avoidable): the plan's youth item
        partners with that organisation, so this member must not vote on the plan."""
        civilians = [m for m in members if m["civilian"] and m["affiliations"]]
        if not civilians:
            raise RuntimeError("the committee has no seated civilian with an affiliation to recuse")
        preferred = [m for m in civilians if m["affiliations"][0] == RECUSAL_ORGANISATION]
        ordinary = [m for m in civilians if not m["is_co_chair"]]
        return (preferred or ordinary or civilians)[0]

    # -- 3. plan

    async def choose_fiscal_year(self) -> tuple[int, Json | None]:
        """The first year from next year on that has no annual plan in the borough and whose budget
        cycle (if any) can still allocate; returns it with the master plan covering it (or None)."""
        plans = await self.api.collect("planning", "/v1/plans", sgg_code=self.sgg)
        masters = [p for p in plans if p["kind"] == "master"]
        taken = {p["fiscal_year"] for p in plans if p["kind"] == "annual"}
        cycles = await self.api.collect("budget", "/v1/cycles", sgg_code=self.sgg)
        closed = {c["fiscal_year"] for c in cycles if c["status"] not in BUDGET_STATES_BEFORE_ALLOCATION}
        for year in range(seoul_today().year + 1, 2101):
            if year in taken or year in closed:
                continue
            master = next((m for m in masters if m["term_start_year"] <= year <= m["term_end_year"]), None)
            if master is not None or self._free_master_start(masters, year) is not None:
                return year, master
        raise RuntimeError(f"no fiscal year left for a new annual plan in {self.sgg}")

    @staticmethod
    def _free_master_start(masters: list[Json], year: int) -> int | None:
        for start in (master_start_for(year), year, year - 1, year - 2):
            end = start + MASTER_TERM_YEARS - 1
            if start <= year <= end and not any(
                m["term_start_year"] <= end and m["term_end_year"] >= start for m in masters
            ):
                return start
        return None

    async def draft_plan(
        self,
        *,
        link_project: Json | None,
        recusal_organisation: str,
        item_keys: Sequence[str] = tuple(ITEMS),
    ) -> PlanDraft:
        """Master + annual plan, residents' proposals screened into items, the department's item linked
        to an existing project, deliberation records for every item, and the plan in DRAFTING."""
        self.narrator.step("Residents propose; the annual plan is drafted with deliberation")
        year, master = await self.choose_fiscal_year()
        if master is None:
            plans = await self.api.collect("planning", "/v1/plans", sgg_code=self.sgg, kind="master")
            start = self._free_master_start(plans, year)
            assert start is not None
            master = await self.api.post(
                "planning",
                "/v1/plans",
                {
                    "sgg_code": self.sgg,
                    "kind": "master",
                    "title_ko": f"{self.district.name_ko} 민관협치 활성화 기본계획 {start}-{start + 2}",
                    "title_en": f"{self.district.name_en} CG master plan {start}-{start + 2}",
                    "term_start_year": start,
                    "themes": ["마을공동체", "청년", "돌봄"],
                    "goals": ["주민 제안 의제 비율 50% 이상"],
                    "coordinator": {"name": "김협치", "organisation": f"{self.district.name_ko} 협치지원단"},
                },
                headers=self.officer,
            )
            self._say(f"Master plan {start}–{start + 2} created.")
        plan = await self.api.post(
            "planning",
            "/v1/plans",
            {
                "sgg_code": self.sgg,
                "kind": "annual",
                "master_plan_id": master["id"],
                "fiscal_year": year,
                "title_ko": self._tag(f"{year} {self.district.name_ko} 지역사회혁신계획 실행계획"),
                "title_en": self._tag(f"{year} {self.district.name_en} local CG innovation plan"),
                "coordinator": {"name": "김협치", "organisation": f"{self.district.name_ko} 협치지원단"},
            },
            headers=self.officer,
        )
        self._say(f"Annual plan for fiscal year {year} opened for proposals (state {plan['state']}).")

        items: dict[str, Json] = {}
        proposals: dict[str, Json] = {}
        wanted = [p for p in PROPOSALS if p.item_key is None or p.item_key in item_keys]
        for number, spec in enumerate(wanted, start=1):
            proposals[spec.key] = await self._propose(spec, plan["id"], number)
        for spec in wanted:
            if spec.decision == "accept" and spec.item_key:
                item_spec = ITEMS[spec.item_key]
                screened = await self._screen(
                    proposals[spec.key],
                    {
                        "decision": "accept",
                        "plan_id": plan["id"],
                        "item": self._item_body(item_spec, year, recusal_organisation, link_project),
                    },
                )
                items[spec.item_key] = await self.api.get("planning", f"/v1/items/{screened['item_id']}")
        for spec in wanted:
            if spec.decision == "merge" and spec.item_key in items:
                await self._screen(
                    proposals[spec.key],
                    {"decision": "merge", "item_id": items[spec.item_key]["id"], "reason": spec.reason},
                )
            elif spec.decision == "reject":
                await self._screen(proposals[spec.key], {"decision": "reject", "reason": spec.reason})
        accepted = sum(1 for s in wanted if s.decision == "accept")
        merged = sum(1 for s in wanted if s.decision == "merge")
        self._say(
            f"{len(wanted)} resident proposals received: "
            + ", ".join(
                text
                for count, text in (
                    (accepted, f"{accepted} accepted as plan items"),
                    (merged, f"{merged} merged into an item with the same aim"),
                    (
                        len(wanted) - accepted - merged,
                        f"{len(wanted) - accepted - merged} rejected with a reason",
                    ),
                )
                if count
            )
            + "."
        )
        for key in item_keys:
            if key in items:
                continue
            item_spec = ITEMS[key]
            items[key] = await self.api.post(
                "planning",
                f"/v1/plans/{plan['id']}/items",
                self._item_body(item_spec, year, recusal_organisation, link_project),
                headers=self.officer,
            )
            if item_spec.origin == "department" and link_project is not None:
                self._say(
                    f"The department added “{item_spec.title_ko}” ({won(item_spec.amount_krw)}), linked to "
                    f"registry project {link_project['code']} instead of starting a duplicate."
                )
        events = participants = 0
        for key in item_keys:
            for d in ITEMS[key].deliberations:
                await self.api.post(
                    "planning",
                    f"/v1/items/{items[key]['id']}/deliberations",
                    {
                        "kind": d.kind,
                        "held_on": (seoul_today() - timedelta(days=20)).isoformat(),
                        "participants_count": d.participants,
                        "summary": d.summary,
                        "changed_item": d.change_summary is not None,
                        "change_summary": d.change_summary,
                    },
                    headers=self.officer,
                )
                events += 1
                participants += d.participants
        changed = sum(1 for k in item_keys if any(d.change_summary for d in ITEMS[k].deliberations))
        kinds = sorted({d.kind.replace("_", " ") for k in item_keys for d in ITEMS[k].deliberations})
        self._say(
            f"{events} deliberation events ({', '.join(kinds)}) with {participants} participants; "
            f"residents' input changed {changed} of {len(item_keys)} items."
        )
        for to, reason in (("DELIBERATION", "주민 제안 접수 마감"), ("DRAFTING", "분과 숙의 완료")):
            plan = await self.api.write(
                "planning",
                "POST",
                f"/v1/plans/{plan['id']}/transitions",
                {"to": to, "reason": reason},
                headers=self.officer,
                etag_from=f"/v1/plans/{plan['id']}",
            )
        total = sum(ITEMS[k].amount_krw for k in item_keys)
        self._say(f"The plan has {len(items)} items asking {won(total)} for {year}; state {plan['state']}.")
        return PlanDraft(
            master_plan=master,
            plan=plan,
            fiscal_year=year,
            items={k: items[k] for k in item_keys},
            proposals=proposals,
            deliberations=events,
            participants=participants,
        )

    async def _propose(self, spec: ProposalSpec, plan_id: str, number: int) -> Json:
        orgs = [spec.organisation] if spec.organisation else None
        resident = self.api.tokens.resident(f"resident-{self.run_id}-p{number}", self.sgg, orgs)
        body: Json = {
            "sgg_code": self.sgg,
            "plan_id": plan_id,
            "title": self._tag(spec.title),
            "problem": spec.problem,
            "idea": spec.idea,
            "dong": spec.dong if self.sgg == SCENARIO_BOROUGH else self.district.name_ko,
            "estimated_cost_krw": spec.cost_krw,
            "target_group": spec.target_group,
            "contact": "010-0000-0000",
        }
        if spec.organisation:
            body["organisation"] = spec.organisation
        proposal: Json = await self.api.post("planning", "/v1/proposals", body, headers=resident)
        self.proposers[proposal["id"]] = resident
        return proposal

    async def _screen(self, proposal: Json, body: Json) -> Json:
        screened: Json = await self.api.post(
            "planning", f"/v1/proposals/{proposal['id']}/screening", body, headers=self.officer
        )
        return screened

    def _item_body(self, spec: ItemSpec, year: int, recusal_org: str, link: Json | None) -> Json:
        partners = [recusal_org if p == RECUSAL_ORGANISATION else self._local(p) for p in spec.partners]
        name, unit, target = spec.kpi
        body: Json = {
            "title_ko": self._tag(spec.title_ko),
            "title_en": self._tag(spec.title_en),
            "description": spec.description,
            "origin": spec.origin,
            "policy_field": spec.policy_field,
            "responsible_department": spec.department,
            "partner_organisations": partners,
            "target_groups": list(spec.target_groups),
            "requested_budget": [{"fiscal_year": year, "amount_krw": spec.amount_krw}],
            "program_codes": {"account": "일반회계", "field": "080", "sector": "084"},
            "kpis": [{"name": name, "unit": unit, "target": target}],
        }
        if spec.dong and self.sgg == SCENARIO_BOROUGH:
            body["dong"] = spec.dong
        if spec.origin == "department" and link is not None:
            body["linked_project_ids"] = [link["id"]]
        return body

    # -- 4. committee review

    async def put_on_agenda(self, committee: CommitteeSetup, draft: PlanDraft) -> Placement:
        """Schedule the next meeting (or take the one already scheduled), submit the plan and wait until
        the committee has put it on that meeting's agenda."""
        self.narrator.step("The plan goes to the committee")
        committee_id = committee.committee["id"]
        soon = now_utc() + timedelta(minutes=2)
        upcoming = [
            m
            for m in await self.api.collect(
                "committee", f"/v1/committees/{committee_id}/meetings", status="scheduled"
            )
            if datetime.fromisoformat(m["starts_at"]) >= soon
        ]
        if upcoming:
            meeting = min(upcoming, key=lambda m: datetime.fromisoformat(m["starts_at"]))
            self._say(f"The committee's next meeting is already scheduled: “{meeting['title_ko']}”.")
        else:
            starts = now_utc() + timedelta(minutes=30)
            meeting = await self.api.post(
                "committee",
                f"/v1/committees/{committee_id}/meetings",
                {
                    "title_ko": self._tag(
                        f"{draft.fiscal_year - 1}년 {self.district.name_ko} 민관협치위원회 정기회의"
                    ),
                    "kind": "regular",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=2)).isoformat(),
                    "location": f"{self.district.name_ko}청 3층 대회의실",
                    "notice_on": (seoul_today() - timedelta(days=7)).isoformat(),
                },
                headers=self.secretary,
            )
            self._say(
                f"Meeting scheduled for {seoul_time(meeting['starts_at'])} with a week's public notice."
            )
        plan = await self.api.write(
            "planning",
            "POST",
            f"/v1/plans/{draft.plan['id']}/submit",
            {"note": "정기회의 안건으로 상정 요청"},
            headers=self.officer,
            etag_from=f"/v1/plans/{draft.plan['id']}",
        )
        self._say(f"The officer submitted the plan: state {plan['state']}; planning emitted plan.submitted.")
        item = await wait_for(
            lambda: self._agenda_item_for(committee_id, draft.plan["id"]),
            until=lambda i: i is not None and i["meeting_id"] is not None,
            what="the committee to put the submitted plan on a meeting's agenda",
            timeout_s=self.timeout_s,
        )
        assert item is not None
        if item["meeting_id"] != meeting["id"]:
            meeting = await self.api.get("committee", f"/v1/meetings/{item['meeting_id']}")
        recused = ", ".join(f"{r['name_ko']} ({', '.join(r['organisations'])})" for r in item["recusals"])
        self._say(
            f"The committee received the event: agenda item #{item['position']} “{item['title_ko']}” "
            f"(origin {item['origin']}); recusals: {recused or 'none'}."
        )
        return Placement(meeting=meeting, agenda_item=item)

    async def _agenda_item_for(self, committee_id: str, plan_id: str) -> Json | None:
        items = await self.api.collect("committee", f"/v1/committees/{committee_id}/agenda-items")
        found = [i for i in items if i["subject_id"] == plan_id and i["status"] != "withdrawn"]
        return found[-1] if found else None

    async def hold_vote(self, committee: CommitteeSetup, placement: Placement, *, with_quorum: bool) -> Vote:
        """Attendance, named votes, the decision (validity computed by the committee), the meeting marked
        held and its minutes published."""
        self.narrator.step(
            "The committee meets and votes by name" if with_quorum else "A meeting without quorum"
        )
        meeting, item = placement.meeting, placement.agenda_item
        if datetime.fromisoformat(meeting["starts_at"]) > now_utc():
            # Votes count only while the meeting is in session, and the demo cannot wait half an hour:
            # the chair opens it now, on the same announced day, so the public notice still holds.
            meeting = await self.api.write(
                "committee",
                "PATCH",
                f"/v1/meetings/{meeting['id']}",
                {"starts_at": (now_utc() - timedelta(seconds=5)).isoformat()},
                headers=self.secretary,
            )
            self._say(
                f"The chair opens the meeting now ({seoul_time(meeting['starts_at'])}); public notice "
                f"{meeting['notice_days_before']} days ahead (required {meeting['notice_required_days']})."
            )
        recused_ids = {r["member_id"] for r in item["recusals"]}
        seated = sorted(
            committee.seated,
            key=lambda m: (
                m["id"] not in recused_ids,
                {"civilian_appointed": 0, "civilian_open_call": 1, "expert": 2, "councillor": 3}.get(
                    m["seat_kind"], 4
                ),
                m["name_ko"],
            ),
        )
        present_count = present_quota(len(seated), with_quorum=with_quorum)
        present = seated[:present_count]
        attendance = await self.api.write(
            "committee",
            "PUT",
            f"/v1/meetings/{meeting['id']}/attendance",
            {
                "entries": [
                    {"member_id": m["id"], "status": "present" if i < present_count else "absent"}
                    for i, m in enumerate(seated)
                ]
            },
            headers=self.secretary,
            etag_from=f"/v1/meetings/{meeting['id']}",
        )
        voters = [m for m in present if m["id"] not in recused_ids]
        against = 2 if with_quorum and len(voters) >= 9 else 0
        abstaining = 2 if with_quorum and len(voters) >= 9 else 0
        choices = ["no"] * against + ["abstain"] * abstaining
        choices += ["yes"] * (len(voters) - len(choices))
        # The room is listed civilians first: the last ones listed (officials, then councillors) cast
        # the "no" and "abstain" votes, so the civilians' yes carries the decision.
        votes = [{"member_id": m["id"], "choice": c} for m, c in zip(reversed(voters), choices, strict=True)]
        self._say(
            f"Attendance: {attendance['present_count']} of {attendance['seated_count']} seated members present "
            f"(quorum needs {attendance['quorum_required']}): quorum met = {attendance['quorum_met']}."
        )
        await self.api.post(
            "committee", f"/v1/agenda-items/{item['id']}/votes", {"votes": votes}, headers=self.secretary
        )
        decision = await self.api.post(
            "committee",
            f"/v1/meetings/{meeting['id']}/decisions",
            {"agenda_item_id": item["id"]},
            headers=self.secretary,
        )
        tally = decision["tally"]
        self._say(
            f"Named vote: {tally['yes']} yes, {tally['no']} no, {tally['abstain']} abstain; "
            f"{tally['recused']} recused member(s) did not vote. Decision: outcome {decision['outcome']}, "
            f"valid = {decision['valid']}"
            + (f" ({'; '.join(decision['reasons'])})" if decision["reasons"] else "")
        )
        meeting = await self.api.write(
            "committee", "PATCH", f"/v1/meetings/{meeting['id']}", {"status": "held"}, headers=self.secretary
        )
        await self.api.post(
            "committee",
            f"/v1/meetings/{meeting['id']}/minutes",
            {
                "body_ko": f"1. 개회 2. {item['title_ko']} 심의·의결 (찬성 {tally['yes']}, 반대 {tally['no']}, "
                f"기권 {tally['abstain']}, 제척 {tally['recused']}) 3. 폐회"
            },
            headers=self.secretary,
        )
        await self.api.post(
            "committee", f"/v1/meetings/{meeting['id']}/minutes/approval", headers=self.secretary
        )
        await self.api.post(
            "committee", f"/v1/meetings/{meeting['id']}/minutes/publication", headers=self.secretary
        )
        self._say("The meeting is marked held and its minutes are published (public without a token).")
        return Vote(
            meeting=meeting,
            agenda_item=item,
            attendance=attendance,
            decision=decision,
            present=attendance["present_count"],
            yes=tally["yes"],
            no=tally["no"],
            abstain=tally["abstain"],
        )

    async def await_plan_state(self, plan_id: str, state: str) -> Json:
        plan: Json = await wait_for(
            lambda: self.api.get("planning", f"/v1/plans/{plan_id}"),
            until=lambda p: p["state"] == state,
            what=f"plan {plan_id} to reach {state}",
            timeout_s=self.timeout_s,
        )
        return plan

    # -- 5. budget

    async def fund_plan(self, draft: PlanDraft) -> Funding:
        """Requests from the adopted plan → cycle in ALLOCATION → envelope → participatory election with
        resident ballots (Method of Equal Shares) → finalised allocation."""
        self.narrator.step("Budget: requests, envelope and the residents' vote")
        item_by_id = {item["id"]: key for key, item in draft.items.items()}
        listed = await wait_for(
            lambda: self.api.collect("budget", "/v1/requests", plan_id=draft.plan["id"]),
            until=lambda rs: len(rs) >= len(draft.items),
            what="budget to open a request per adopted plan item",
            timeout_s=self.timeout_s,
        )
        requests = {item_by_id[r["plan_item_id"]]: r for r in listed}
        self._say(
            f"Budget opened {len(requests)} requests from plan.adopted, together {won(sum(r['requested_krw'] for r in listed))}."
        )
        cycle = await self._allocation_cycle(draft.fiscal_year)
        requests = {
            key: await wait_for(
                partial(self.api.get, "budget", f"/v1/requests/{r['id']}"),
                until=lambda got: got["cycle_id"] == cycle["id"],
                what="the requests to join the budget cycle",
                timeout_s=self.timeout_s,
            )
            for key, r in requests.items()
        }
        for key, r in requests.items():
            if r["feasibility"] == "pending":
                requests[key] = await self.api.write(
                    "budget",
                    "PATCH",
                    f"/v1/requests/{r['id']}",
                    {"feasibility": "feasible", "feasibility_note": "담당 부서 검토 완료"},
                    headers=self.officer,
                )
        self._say(f"The responsible departments reviewed all {len(requests)} requests as feasible.")
        envelope = await self._integrated_envelope(cycle)
        order = list(requests)
        election = await self.api.post(
            "budget",
            "/v1/elections",
            {
                "cycle_id": cycle["id"],
                "title_ko": self._tag(f"{draft.fiscal_year} {self.district.name_ko} 주민참여 협치사업 투표"),
                "ballot_type": "approval",
                "rule": ELECTION_RULE,
                "request_ids": [requests[k]["id"] for k in order],
                "envelope_id": envelope["id"],
            },
            headers=self.officer,
        )
        self._say(
            f"Participatory election opened over {len(order)} projects, budget {won(election['budget_krw'])}, "
            f"approval ballots decided by the Method of Equal Shares."
        )
        cast = 0
        for number, ballot in enumerate(BALLOTS, start=1):
            choices = [requests[k]["id"] for k in ballot if k in requests]
            if not choices:
                continue
            await self.api.post(
                "budget",
                f"/v1/elections/{election['id']}/ballots",
                {"choices": choices},
                headers=self.api.tokens.resident(f"voter-{self.run_id}-{number:02d}", self.sgg),
            )
            cast += 1
        support = {k: sum(1 for b in BALLOTS if k in b) for k in order}
        self._say(
            f"{cast} residents voted; approvals: "
            + ", ".join(f"{ITEMS[k].title_ko} {support[k]}" for k in order)
            + "."
        )
        await self.api.post("budget", f"/v1/elections/{election['id']}/close", headers=self.officer)
        closed = await self.api.get("budget", f"/v1/elections/{election['id']}")
        outcome = await self.api.get("budget", f"/v1/elections/{election['id']}/outcome")
        key_by_request = {r["id"]: k for k, r in requests.items()}
        chosen = [ITEMS[key_by_request[rid]].title_ko for rid in outcome["selected_request_ids"]]
        self._say(
            f"MES outcome: {', '.join(chosen) or 'nothing'} — {won(outcome['cost_krw'])} of "
            f"{won(outcome['budget_krw'])} (each voter's equal share {share_text(outcome['per_voter_budget'])})."
        )
        allocation = await self.api.post(
            "budget",
            f"/v1/cycles/{cycle['id']}/allocations",
            {"method": "election", "election_id": election["id"], "note": "주민참여 투표 결과 반영"},
            headers=self.officer,
        )
        self._say(
            f"Allocation finalised: {len(allocation['lines'])} lines, {won(allocation['total_krw'])} "
            f"(method {allocation['method']}); budget emitted allocation.finalized."
        )
        return Funding(
            requests=requests,
            cycle=cycle,
            envelope=envelope,
            election=closed,
            outcome=outcome,
            allocation=allocation,
            ballots=cast,
        )

    async def _allocation_cycle(self, year: int) -> Json:
        found = await self.api.get("budget", "/v1/cycles", sgg_code=self.sgg, fiscal_year=year)
        if found["items"]:
            cycle: Json = found["items"][0]
        else:
            cycle = await self.api.post(
                "budget",
                "/v1/cycles",
                {
                    "sgg_code": self.sgg,
                    "fiscal_year": year,
                    "title_ko": f"{year} {self.district.name_ko} 협치 예산",
                },
                headers=self.officer,
            )
        for step in BUDGET_STATES_BEFORE_ALLOCATION[1:]:
            if cycle["status"] == "ALLOCATION":
                break
            if step in cycle["allowed_transitions"]:
                cycle = await self.api.post(
                    "budget", f"/v1/cycles/{cycle['id']}/transitions", {"to": step}, headers=self.officer
                )
        if cycle["status"] != "ALLOCATION":
            raise RuntimeError(f"budget cycle {cycle['id']} is {cycle['status']}; it cannot allocate")
        self._say(f"Budget cycle {year} for the borough is in {cycle['status']}.")
        return cycle

    async def _integrated_envelope(self, cycle: Json) -> Json:
        envelopes = await self.api.get("budget", f"/v1/cycles/{cycle['id']}/envelopes")
        existing = next((e for e in envelopes if e["kind"] == "integrated"), None)
        path = f"/v1/cycles/{cycle['id']}/envelopes/integrated"
        if existing is None:
            body = {"amount_krw": ENVELOPE_KRW, "note": "협치사업 통합 예산"}
            envelope: Json = (
                await self.api.request("budget", "PUT", path, headers=self.officer, json=body)
            ).json()
        else:
            body = {"amount_krw": existing["allocated_krw"] + ENVELOPE_KRW, "note": "협치사업 통합 예산"}
            envelope = await self.api.write(
                "budget", "PUT", path, body, headers=self.officer, etag_from=f"/v1/envelopes/{existing['id']}"
            )
        self._say(
            f"Integrated CG envelope set to {won(envelope['amount_krw'])} ({won(envelope['available_krw'])} "
            f"available; funding lines report source {envelope['integrated_source'] or 'smg_grant'})."
        )
        return envelope

    # -- 6. effects in planning and the registry

    async def await_funding_effects(
        self, draft: PlanDraft, funding: Funding, linked_project: Json | None
    ) -> tuple[dict[str, Json], dict[str, Json], Json | None]:
        """Planning marks the funded items; the registry has the bottom-up items as projects (registered
        on adoption) and a funding line per allocation line."""
        self.narrator.step("The money reaches the plan and the registry")
        lines = {line["request_id"]: line for line in funding.allocation["lines"]}
        funded_keys = {k for k, r in funding.requests.items() if r["id"] in lines}
        funded: dict[str, Json] = {}
        for key in sorted(funded_keys):
            funded[key] = await wait_for(
                partial(self.api.get, "planning", f"/v1/items/{draft.items[key]['id']}"),
                until=lambda item: bool(item["funded"]),
                what="planning to mark the funded items",
                timeout_s=self.timeout_s,
            )
        self._say(
            f"Planning marked {len(funded)} items funded: "
            + ", ".join(f"{ITEMS[k].title_ko} {won(i['funded_krw'])}" for k, i in funded.items())
            + "."
        )
        new_projects: dict[str, Json] = {}
        allocation_id = funding.allocation["id"]
        for key, item in draft.items.items():
            if item["linked_project_ids"]:
                continue  # continues a registry project: no new one
            must_fund = key in funded_keys

            def registered(project: Json | None, must_fund: bool = must_fund) -> bool:
                return project is not None and (
                    not must_fund
                    or any(fl["allocation_id"] == allocation_id for fl in project["funding_lines"])
                )

            project = await wait_for(
                partial(self._project_for_item, item["id"]),
                until=registered,
                what=f"the registry to register item {key} and record its funding",
                timeout_s=self.timeout_s,
            )
            assert project is not None
            new_projects[key] = project
        linked_after: Json | None = None
        if linked_project is not None:
            expect_line = DEPARTMENT_ITEM in funded_keys
            after: Json = await wait_for(
                partial(self.api.get, "registry", f"/v1/projects/{linked_project['id']}"),
                until=lambda p: (
                    not expect_line
                    or any(fl["allocation_id"] == funding.allocation["id"] for fl in p["funding_lines"])
                ),
                what="the registry to add the funding line to the linked project",
                timeout_s=self.timeout_s,
            )
            linked_after = after
        self._say(
            f"The registry registered {len(new_projects)} bottom-up items as projects ("
            + ", ".join(p["code"] for p in new_projects.values() if p)
            + ") and recorded the new funding lines"
            + (f", including one on the continued project {linked_project['code']}" if linked_project else "")
            + "."
        )
        return funded, new_projects, linked_after

    async def _project_for_item(self, item_id: str) -> Json | None:
        page = await self.api.get("registry", "/v1/projects", plan_item_id=item_id)
        return page["items"][0] if page["items"] else None

    async def assess_new_projects(
        self, draft: PlanDraft, new_projects: Mapping[str, Json]
    ) -> dict[str, Json]:
        """Record each new project's CG assessment from what planning measured about its item: the IAP2
        depth of its deliberation and whether residents' input changed it (the tokenism rubric)."""
        metrics = await self.api.get("planning", f"/v1/plans/{draft.plan['id']}/metrics")
        by_item = {m["item_id"]: m for m in metrics["items"]}
        assessed: dict[str, Json] = {}
        for key, project in new_projects.items():
            facts = by_item[draft.items[key]["id"]]
            depth = int(facts["iap2_depth"])
            assessed[key] = await self.api.post(
                "registry",
                f"/v1/projects/{project['id']}/assessments",
                {
                    "iap2_level": depth,
                    "arnstein_rung": {0: 2, 1: 3, 2: 5, 3: 6, 4: 7}[depth],
                    "scores": {
                        "decision_power": 3,
                        "starting_conditions": 2,
                        "institutional_design": 3,
                        "facilitative_leadership": 3,
                        "process": min(4, facts["deliberation_events"] * 2),
                        "feedback": 3 if facts["changed_by_input"] else 0,
                    },
                    "note": "계획 심의 기록(참여 깊이·반영 여부)에 따른 평가",
                },
                headers=self.officer,
            )
        risky = sum(1 for a in assessed.values() if a["tokenism_risk"])
        self._say(
            f"The officer assessed the {len(assessed)} new projects from the plan's deliberation record: "
            f"{risky} flagged tokenism risk (shallow participation, input without recorded effect)."
        )
        return assessed

    async def follow_proposal(self, draft: PlanDraft, funded: Mapping[str, Json]) -> Json | None:
        """A resident whose proposal became a funded item opens /v1/proposals/mine and their inbox."""
        spec = next(
            (
                p
                for p in PROPOSALS
                if p.decision == "accept" and p.key in draft.proposals and p.item_key in funded
            ),
            None,
        )
        if spec is None:
            return None
        self.narrator.step("The resident follows their proposal")
        proposal_id = draft.proposals[spec.key]["id"]
        resident = self.proposers[proposal_id]

        async def mine() -> Json | None:
            response = await self.api.request("planning", "GET", "/v1/proposals/mine", headers=resident)
            items: list[Json] = response.json()["items"]
            return next((p for p in items if p["id"] == proposal_id), None)

        seen = await wait_for(
            mine,
            until=lambda p: p is not None and p["stage"] == "funded",
            what="the proposer's timeline to reach 'funded'",
            timeout_s=self.timeout_s,
        )
        assert seen is not None
        steps = " → ".join(
            s["stage"] + (f" {won(s['amount_krw'])}" if s["amount_krw"] else "") for s in seen["timeline"]
        )
        self._say(f"“{seen['title']}”: {steps}.")
        inbox = (await self.api.request("planning", "GET", "/v1/me/notifications", headers=resident)).json()
        latest = inbox["items"][0] if inbox["items"] else None
        self._say(
            f"Their inbox holds {inbox['unread_count']} unread notification(s)"
            + (f"; the latest: {latest['title']} — {latest['body']}" if latest else "")
            + "."
        )
        return seen

    # -- whole runs

    async def run_adoption_cycle(self) -> CycleReport:
        """Scenario 1: from the registry to funded items, with every cross-service effect observed."""
        registry_before, linked = await self.registry_baseline()
        committee = await self.ensure_committee()
        draft = await self.draft_plan(
            link_project=linked, recusal_organisation=committee.recusal_organisation
        )
        placement = await self.put_on_agenda(committee, draft)
        vote = await self.hold_vote(committee, placement, with_quorum=True)
        if not vote.decision["valid"] or vote.decision["outcome"] != "adopted":
            raise RuntimeError(f"the committee did not adopt the plan: {vote.decision['reasons']}")
        plan = await self.await_plan_state(draft.plan["id"], "ADOPTED")
        self._say(
            f"Planning received decision.recorded: the plan is {plan['state']} (decision {plan['decision_id']})."
        )
        funding = await self.fund_plan(draft)
        funded, new_projects, linked_after = await self.await_funding_effects(draft, funding, linked)
        assessments = await self.assess_new_projects(draft, new_projects)
        followed = await self.follow_proposal(draft, funded)
        self.narrator.step("What changed")
        expected_total = registry_before.borough["total_krw"] + funding.allocation["total_krw"]
        registry_after = await wait_for(
            self.registry_snapshot,
            until=lambda s: (
                s.borough["total_krw"] >= expected_total
                and s.borough["tokenism"]["assessed_count"]
                >= registry_before.borough["tokenism"]["assessed_count"] + len(assessments)
            ),
            what="registry statistics to include the allocation and the assessments",
            timeout_s=self.timeout_s,
        )
        committee_metrics = await self.api.get(
            "committee", f"/v1/committees/{committee.committee['id']}/metrics"
        )
        plan_metrics = await self.api.get("planning", f"/v1/plans/{draft.plan['id']}/metrics")
        before_t, after_t = registry_before.borough["tokenism"], registry_after.borough["tokenism"]
        self._say(
            f"Registry, {self.district.name_en}: {registry_before.borough_projects} → "
            f"{registry_after.borough_projects} projects, {won(registry_before.borough['total_krw'])} → "
            f"{won(registry_after.borough['total_krw'])}; assessed {before_t['assessed_count']} → "
            f"{after_t['assessed_count']}, tokenism risk share {before_t['tokenism_risk_share']:.3f} → "
            f"{after_t['tokenism_risk_share']:.3f}, public-led share {before_t['public_led_share']:.3f} → "
            f"{after_t['public_led_share']:.3f}."
        )
        self._say(
            f"Committee: civilian share of seats {committee_metrics['civilian_seats']['share']}, of named votes "
            f"{committee_metrics['civilian_votes']['share']}; {committee_metrics['valid_decisions']} of "
            f"{committee_metrics['decisions']} decisions valid."
        )
        self._say(
            f"Plan: items by origin {plan_metrics['items_by_origin']}; proposals taken up "
            f"{plan_metrics['share_proposals_accepted']}; items changed by input "
            f"{plan_metrics['share_items_changed_by_input']}; tokenism-risk items {plan_metrics['tokenism_risk_items']}, "
            f"public-led items {plan_metrics['public_led_items']}."
        )
        report = CycleReport(
            sgg_code=self.sgg,
            run_id=self.run_id,
            registry_before=registry_before,
            linked_project_before=linked,
            committee=committee,
            plan=draft,
            vote=vote,
            plan_after_vote=plan,
            funding=funding,
            funded_items=funded,
            new_projects=new_projects,
            linked_project_after=linked_after or linked,
            assessments=assessments,
            registry_after=registry_after,
            committee_metrics=committee_metrics,
            plan_metrics=plan_metrics,
            proposal_followed=followed,
        )
        report.links = self._links(report)
        return report

    def _links(self, report: CycleReport) -> dict[str, str]:
        a = self.api
        plan_id = report.plan.plan["id"]
        links = {
            "plan": a.link("planning", f"/v1/plans/{plan_id}"),
            "plan items": a.link("planning", f"/v1/plans/{plan_id}/items"),
            "plan metrics": a.link("planning", f"/v1/plans/{plan_id}/metrics"),
            "committee decision": a.link("committee", f"/v1/decisions/{report.vote.decision['id']}"),
            "published minutes": a.link("committee", f"/v1/meetings/{report.vote.meeting['id']}/minutes"),
            "committee metrics": a.link(
                "committee", f"/v1/committees/{report.committee.committee['id']}/metrics"
            ),
            "election outcome": a.link("budget", f"/v1/elections/{report.funding.election['id']}/outcome"),
            "allocation": a.link("budget", f"/v1/allocations/{report.funding.allocation['id']}"),
            "registry statistics": a.link("registry", f"/v1/stats/summary?sgg_code={self.sgg}"),
            "continued project": a.link("registry", f"/v1/projects/{report.linked_project_before['id']}"),
        }
        for project in report.new_projects.values():
            links[f"new project {project['code']}"] = a.link("registry", f"/v1/projects/{project['id']}")
        return links

    async def run_failed_quorum(
        self, *, item_keys: Sequence[str] = ("care", DEPARTMENT_ITEM)
    ) -> FailedQuorumReport:
        """Scenario 2: the meeting lacks a quorum → the decision is invalid → the plan goes to REVISION
        and nothing reaches the budget or the registry."""
        registry_before, linked = await self.registry_baseline()
        committee = await self.ensure_committee()
        draft = await self.draft_plan(
            link_project=linked, recusal_organisation=committee.recusal_organisation, item_keys=item_keys
        )
        placement = await self.put_on_agenda(committee, draft)
        vote = await self.hold_vote(committee, placement, with_quorum=False)
        plan = await self.await_plan_state(draft.plan["id"], "REVISION")
        self._say(
            f"Planning received the invalid decision: the plan is back in {plan['state']} for revision."
        )
        requests = await self.api.collect("budget", "/v1/requests", plan_id=draft.plan["id"])
        projects = [p for item in draft.items.values() if (p := await self._project_for_item(item["id"]))]
        registry_after = await self.registry_snapshot()
        self._say(
            f"Nothing was funded: {len(requests)} budget requests for the plan, {len(projects)} registry "
            f"projects from its items, borough total still {won(registry_after.borough['total_krw'])}."
        )
        return FailedQuorumReport(
            sgg_code=self.sgg,
            run_id=self.run_id,
            registry_before=registry_before,
            plan=draft,
            vote=vote,
            plan_after_vote=plan,
            budget_requests=requests,
            registry_projects_for_items=projects,
            registry_after=registry_after,
            links={
                "plan": self.api.link("planning", f"/v1/plans/{draft.plan['id']}"),
                "plan decisions": self.api.link("planning", f"/v1/plans/{draft.plan['id']}/decisions"),
                "committee decision": self.api.link("committee", f"/v1/decisions/{vote.decision['id']}"),
            },
        )


def present_quota(seated: int, *, with_quorum: bool) -> int:
    """How many members come to the meeting: about five in six with a quorum; three short of the
    default quorum (strictly more than half of the seated members) without."""
    needed = seated // 2 + 1
    return max(needed, seated - max(1, seated // 6)) if with_quorum else max(1, needed - 3)


def expected_support() -> dict[str, int]:
    return {key: sum(1 for ballot in BALLOTS if key in ballot) for key in ITEMS}
