"""Korean CG vocabulary the seed builds realistic titles, partners and departments from.

Neighbourhood (dong) names are real ones of each borough; organisation names are invented from common
civic-sector naming patterns (마을넷, 사회적협동조합, 주민협의회 …) and do not refer to real groups.
"""

from __future__ import annotations

from typing import NamedTuple


class Phrase(NamedTuple):
    ko: str
    en: str


# Real neighbourhoods (동) per borough, with their romanised names.
DONGS: dict[str, tuple[Phrase, ...]] = {
    "11110": (
        Phrase("혜화동", "Hyehwa-dong"),
        Phrase("창신동", "Changsin-dong"),
        Phrase("숭인동", "Sungin-dong"),
        Phrase("평창동", "Pyeongchang-dong"),
        Phrase("부암동", "Buam-dong"),
    ),
    "11140": (
        Phrase("명동", "Myeong-dong"),
        Phrase("신당동", "Sindang-dong"),
        Phrase("황학동", "Hwanghak-dong"),
        Phrase("중림동", "Jungnim-dong"),
        Phrase("회현동", "Hoehyeon-dong"),
    ),
    "11170": (
        Phrase("이태원동", "Itaewon-dong"),
        Phrase("한남동", "Hannam-dong"),
        Phrase("후암동", "Huam-dong"),
        Phrase("효창동", "Hyochang-dong"),
        Phrase("청파동", "Cheongpa-dong"),
    ),
    "11200": (
        Phrase("성수동", "Seongsu-dong"),
        Phrase("왕십리", "Wangsimni"),
        Phrase("행당동", "Haengdang-dong"),
        Phrase("금호동", "Geumho-dong"),
        Phrase("옥수동", "Oksu-dong"),
    ),
    "11215": (
        Phrase("자양동", "Jayang-dong"),
        Phrase("구의동", "Guui-dong"),
        Phrase("화양동", "Hwayang-dong"),
        Phrase("중곡동", "Junggok-dong"),
        Phrase("능동", "Neung-dong"),
    ),
    "11230": (
        Phrase("회기동", "Hoegi-dong"),
        Phrase("청량리동", "Cheongnyangni-dong"),
        Phrase("장안동", "Jangan-dong"),
        Phrase("답십리동", "Dapsimni-dong"),
        Phrase("휘경동", "Hwigyeong-dong"),
    ),
    "11260": (
        Phrase("면목동", "Myeonmok-dong"),
        Phrase("상봉동", "Sangbong-dong"),
        Phrase("망우동", "Mangu-dong"),
        Phrase("신내동", "Sinnae-dong"),
        Phrase("묵동", "Muk-dong"),
    ),
    "11290": (
        Phrase("정릉동", "Jeongneung-dong"),
        Phrase("길음동", "Gireum-dong"),
        Phrase("장위동", "Jangwi-dong"),
        Phrase("석관동", "Seokgwan-dong"),
        Phrase("돈암동", "Donam-dong"),
    ),
    "11305": (
        Phrase("수유동", "Suyu-dong"),
        Phrase("미아동", "Mia-dong"),
        Phrase("번동", "Beon-dong"),
        Phrase("우이동", "Ui-dong"),
        Phrase("삼양동", "Samyang-dong"),
    ),
    "11320": (
        Phrase("쌍문동", "Ssangmun-dong"),
        Phrase("방학동", "Banghak-dong"),
        Phrase("창동", "Chang-dong"),
        Phrase("도봉동", "Dobong-dong"),
    ),
    "11350": (
        Phrase("상계동", "Sanggye-dong"),
        Phrase("중계동", "Junggye-dong"),
        Phrase("하계동", "Hagye-dong"),
        Phrase("공릉동", "Gongneung-dong"),
        Phrase("월계동", "Wolgye-dong"),
    ),
    "11380": (
        Phrase("불광동", "Bulgwang-dong"),
        Phrase("응암동", "Eungam-dong"),
        Phrase("갈현동", "Galhyeon-dong"),
        Phrase("진관동", "Jingwan-dong"),
        Phrase("수색동", "Susaek-dong"),
    ),
    "11410": (
        Phrase("신촌동", "Sinchon-dong"),
        Phrase("연희동", "Yeonhui-dong"),
        Phrase("홍제동", "Hongje-dong"),
        Phrase("북가좌동", "Bukgajwa-dong"),
        Phrase("남가좌동", "Namgajwa-dong"),
    ),
    "11440": (
        Phrase("망원동", "Mangwon-dong"),
        Phrase("성산동", "Seongsan-dong"),
        Phrase("합정동", "Hapjeong-dong"),
        Phrase("연남동", "Yeonnam-dong"),
        Phrase("공덕동", "Gongdeok-dong"),
    ),
    "11470": (Phrase("목동", "Mok-dong"), Phrase("신월동", "Sinwol-dong"), Phrase("신정동", "Sinjeong-dong")),
    "11500": (
        Phrase("화곡동", "Hwagok-dong"),
        Phrase("등촌동", "Deungchon-dong"),
        Phrase("가양동", "Gayang-dong"),
        Phrase("방화동", "Banghwa-dong"),
        Phrase("발산동", "Balsan-dong"),
    ),
    "11530": (
        Phrase("구로동", "Guro-dong"),
        Phrase("개봉동", "Gaebong-dong"),
        Phrase("오류동", "Oryu-dong"),
        Phrase("고척동", "Gocheok-dong"),
        Phrase("신도림동", "Sindorim-dong"),
    ),
    "11545": (
        Phrase("독산동", "Doksan-dong"),
        Phrase("시흥동", "Siheung-dong"),
        Phrase("가산동", "Gasan-dong"),
    ),
    "11560": (
        Phrase("문래동", "Mullae-dong"),
        Phrase("대림동", "Daerim-dong"),
        Phrase("신길동", "Singil-dong"),
        Phrase("당산동", "Dangsan-dong"),
        Phrase("여의동", "Yeoui-dong"),
    ),
    "11590": (
        Phrase("상도동", "Sangdo-dong"),
        Phrase("흑석동", "Heukseok-dong"),
        Phrase("노량진동", "Noryangjin-dong"),
        Phrase("사당동", "Sadang-dong"),
        Phrase("대방동", "Daebang-dong"),
    ),
    "11620": (
        Phrase("신림동", "Sillim-dong"),
        Phrase("봉천동", "Bongcheon-dong"),
        Phrase("남현동", "Namhyeon-dong"),
        Phrase("서원동", "Seowon-dong"),
        Phrase("난향동", "Nanhyang-dong"),
    ),
    "11650": (
        Phrase("방배동", "Bangbae-dong"),
        Phrase("양재동", "Yangjae-dong"),
        Phrase("반포동", "Banpo-dong"),
        Phrase("잠원동", "Jamwon-dong"),
        Phrase("내곡동", "Naegok-dong"),
    ),
    "11680": (
        Phrase("역삼동", "Yeoksam-dong"),
        Phrase("개포동", "Gaepo-dong"),
        Phrase("일원동", "Irwon-dong"),
        Phrase("수서동", "Suseo-dong"),
        Phrase("대치동", "Daechi-dong"),
    ),
    "11710": (
        Phrase("잠실동", "Jamsil-dong"),
        Phrase("가락동", "Garak-dong"),
        Phrase("문정동", "Munjeong-dong"),
        Phrase("거여동", "Geoyeo-dong"),
        Phrase("마천동", "Macheon-dong"),
    ),
    "11740": (
        Phrase("천호동", "Cheonho-dong"),
        Phrase("암사동", "Amsa-dong"),
        Phrase("길동", "Gil-dong"),
        Phrase("둔촌동", "Dunchon-dong"),
        Phrase("고덕동", "Godeok-dong"),
    ),
}

# What projects of each policy field do.
TOPICS: dict[str, tuple[Phrase, ...]] = {
    "community": (
        Phrase("마을공동체 활성화", "village community revitalisation"),
        Phrase("마을공동체 공간 조성", "community space"),
        Phrase("이웃 만들기", "neighbour-making"),
        Phrase("마을계획단 운영", "village planning group"),
        Phrase("공유공간 운영", "shared space"),
        Phrase("마을미디어 지원", "village media"),
        Phrase("마을 공론장", "village public forum"),
    ),
    "youth": (
        Phrase("청년 일자리 협치", "youth jobs governance"),
        Phrase("청년 주거 공동체", "youth co-housing"),
        Phrase("청년 마을활동가 양성", "young village activist training"),
        Phrase("청년 창업 공간", "youth start-up space"),
        Phrase("청년 정책 네트워크", "youth policy network"),
        Phrase("청년 자율예산", "youth participatory budget"),
    ),
    "care": (
        Phrase("돌봄 공동체", "community care"),
        Phrase("통합돌봄 네트워크", "integrated care network"),
        Phrase("우리동네 키움센터", "neighbourhood after-school care centre"),
        Phrase("고독사 예방 안부 확인", "isolation-death prevention check-ins"),
        Phrase("공유부엌 식사 나눔", "shared kitchen meals"),
        Phrase("찾아가는 동 주민센터 복지", "outreach welfare"),
    ),
    "urban_regeneration": (
        Phrase("도시재생 뉴딜", "urban regeneration new deal"),
        Phrase("골목길 재생", "alley regeneration"),
        Phrase("전통시장 활성화", "traditional market revival"),
        Phrase("노후 주거지 재생", "old housing area regeneration"),
        Phrase("도시재생 주민협의체", "regeneration residents' council"),
        Phrase("빈집 활용 공동체 공간", "vacant house community space"),
    ),
    "social_economy": (
        Phrase("사회적경제 활성화", "social economy promotion"),
        Phrase("협동조합 육성", "cooperative incubation"),
        Phrase("사회적기업 판로 지원", "social enterprise market access"),
        Phrase("공정무역 마을", "fair trade town"),
        Phrase("마을기업 육성", "village enterprise incubation"),
        Phrase("지역화폐 순환", "local currency circulation"),
    ),
    "resident_autonomy": (
        Phrase("주민자치회 운영", "residents' autonomy council"),
        Phrase("주민참여예산", "participatory budgeting"),
        Phrase("동 단위 계획 수립", "neighbourhood plan"),
        Phrase("주민총회 운영", "residents' general assembly"),
        Phrase("숙의 민주주의 학교", "deliberative democracy school"),
        Phrase("민관협치 의제 발굴", "CG agenda discovery"),
    ),
    "environment": (
        Phrase("기후위기 대응", "climate crisis response"),
        Phrase("에너지 자립마을", "energy self-reliant village"),
        Phrase("제로웨이스트 가게", "zero-waste shop"),
        Phrase("도시농업 공동체", "urban farming community"),
        Phrase("녹색 마을 만들기", "green village"),
        Phrase("하천 생태 보전", "stream ecology conservation"),
    ),
    "safety": (
        Phrase("안전 마을 만들기", "safe village"),
        Phrase("범죄예방 환경설계", "crime prevention through environmental design"),
        Phrase("재난 대응 주민네트워크", "disaster response residents' network"),
        Phrase("어린이 통학로 안전", "safe routes to school"),
        Phrase("안심 귀갓길", "safe way home"),
        Phrase("생활안전 순찰대", "neighbourhood safety patrol"),
    ),
    "culture": (
        Phrase("생활문화 활성화", "everyday culture"),
        Phrase("마을 축제", "village festival"),
        Phrase("작은도서관 네트워크", "small library network"),
        Phrase("문화예술 교육", "arts education"),
        Phrase("지역 역사 기록", "local history archive"),
        Phrase("마을 예술창작소", "village art studio"),
    ),
    "education": (
        Phrase("마을교육공동체", "village education community"),
        Phrase("혁신교육지구", "innovative education district"),
        Phrase("평생학습 마을", "lifelong learning village"),
        Phrase("학교 밖 청소년 지원", "out-of-school youth support"),
        Phrase("디지털 역량 교육", "digital skills education"),
        Phrase("마을 방과후 학교", "village after-school programme"),
    ),
}

TARGETS: dict[str, Phrase] = {
    "youth": Phrase("청년", "young adults"),
    "seniors": Phrase("어르신", "older adults"),
    "children": Phrase("아동", "children"),
    "adolescents": Phrase("청소년", "adolescents"),
    "single_households": Phrase("1인가구", "single-person households"),
    "disabled": Phrase("장애인", "people with disabilities"),
    "migrants": Phrase("이주민", "migrant residents"),
    "women": Phrase("경력단절여성", "women returning to work"),
    "residents": Phrase("주민", "residents"),
    "merchants": Phrase("소상공인", "small merchants"),
}

FIELD_TARGETS: dict[str, tuple[str, ...]] = {
    "community": ("residents", "single_households", "seniors", "migrants"),
    "youth": ("youth", "adolescents", "single_households"),
    "care": ("seniors", "children", "disabled", "single_households"),
    "urban_regeneration": ("residents", "merchants", "seniors"),
    "social_economy": ("merchants", "women", "youth", "disabled"),
    "resident_autonomy": ("residents", "youth", "seniors"),
    "environment": ("residents", "children", "merchants"),
    "safety": ("children", "women", "seniors", "residents"),
    "culture": ("residents", "children", "seniors", "migrants"),
    "education": ("children", "adolescents", "seniors", "women"),
}

SUFFIXES: tuple[Phrase, ...] = (
    Phrase("지원사업", "support programme"),
    Phrase("사업", "project"),
    Phrase("프로젝트", "project"),
    Phrase("시범사업", "pilot"),
    Phrase("추진", "initiative"),
)

DEPARTMENTS: dict[str, str] = {
    "community": "마을공동체과",
    "youth": "청년정책과",
    "care": "복지정책과",
    "urban_regeneration": "도시재생과",
    "social_economy": "사회적경제과",
    "resident_autonomy": "자치행정과",
    "environment": "기후환경과",
    "safety": "안전총괄과",
    "culture": "문화체육과",
    "education": "교육지원과",
    "other": "기획예산과",
}

# Typical shares of policy fields among CG projects (weights, not data).
FIELD_WEIGHTS: dict[str, float] = {
    "community": 16,
    "youth": 12,
    "care": 13,
    "urban_regeneration": 8,
    "social_economy": 9,
    "resident_autonomy": 11,
    "environment": 9,
    "safety": 7,
    "culture": 8,
    "education": 7,
}
# Relative project size by field: regeneration and care programmes are the expensive ones.
FIELD_SIZE: dict[str, float] = {
    "community": 0.6,
    "youth": 0.9,
    "care": 1.4,
    "urban_regeneration": 4.0,
    "social_economy": 0.8,
    "resident_autonomy": 0.5,
    "environment": 1.0,
    "safety": 0.9,
    "culture": 0.6,
    "education": 0.9,
}

ORG_STEMS = (
    "함께",
    "나눔",
    "희망",
    "푸른",
    "햇살",
    "두레",
    "풀뿌리",
    "이음",
    "온마을",
    "새싹",
    "다온",
    "우리",
)
ORG_STEMS_EN = (
    "Hamkke",
    "Nanum",
    "Huimang",
    "Pureun",
    "Haetsal",
    "Dure",
    "Pulppuri",
    "Ieum",
    "Onmaeul",
    "Saessak",
    "Daon",
    "Uri",
)

PARTNER_ROLES = ("co_organiser", "operator", "facilitator", "advisor", "venue_provider")
