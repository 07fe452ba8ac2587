"""Seoul's 25 autonomous districts (자치구): 5-digit code, Korean and English name, population.

Source: ``shared/data/seoul/districts.csv`` of the project brief (population about 2021, undated);
embedded so a service image needs no files outside the package. A test checks it still matches.
"""

from __future__ import annotations

from typing import NamedTuple


class District(NamedTuple):
    sgg_code: str
    name_ko: str
    name_en: str
    population: int


DISTRICTS: dict[str, District] = {
    "11110": District("11110", "종로구", "Jongno-gu", 153531),
    "11140": District("11140", "중구", "Jung-gu", 125941),
    "11170": District("11170", "용산구", "Yongsan-gu", 229545),
    "11200": District("11200", "성동구", "Seongdong-gu", 308519),
    "11215": District("11215", "광진구", "Gwangjin-gu", 355352),
    "11230": District("11230", "동대문구", "Dongdaemun-gu", 349917),
    "11260": District("11260", "중랑구", "Jungnang-gu", 405118),
    "11290": District("11290", "성북구", "Seongbuk-gu", 439292),
    "11305": District("11305", "강북구", "Gangbuk-gu", 321757),
    "11320": District("11320", "도봉구", "Dobong-gu", 341638),
    "11350": District("11350", "노원구", "Nowon-gu", 548371),
    "11380": District("11380", "은평구", "Eunpyeong-gu", 484021),
    "11410": District("11410", "서대문구", "Seodaemun-gu", 310821),
    "11440": District("11440", "마포구", "Mapo-gu", 374579),
    "11470": District("11470", "양천구", "Yangcheon-gu", 466723),
    "11500": District("11500", "강서구", "Gangseo-gu", 599501),
    "11530": District("11530", "구로구", "Guro-gu", 406888),
    "11545": District("11545", "금천구", "Geumcheon-gu", 233145),
    "11560": District("11560", "영등포구", "Yeongdeungpo-gu", 368733),
    "11590": District("11590", "동작구", "Dongjak-gu", 395095),
    "11620": District("11620", "관악구", "Gwanak-gu", 503900),
    "11650": District("11650", "서초구", "Seocho-gu", 439030),
    "11680": District("11680", "강남구", "Gangnam-gu", 545809),
    "11710": District("11710", "송파구", "Songpa-gu", 650110),
    "11740": District("11740", "강동구", "Gangdong-gu", 432168),
}
SMG_CODE = "11000"  # 서울특별시 itself, for city-level records
