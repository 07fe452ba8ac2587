// Seoul's 25 autonomous districts with a tile-grid position that keeps their rough geography.
export interface District {
  code: string;
  ko: string;
  en: string;
  col: number;
  row: number;
}

export const DISTRICTS: District[] = [
  { code: "11380", ko: "은평구", en: "Eunpyeong-gu", col: 1, row: 0 },
  { code: "11305", ko: "강북구", en: "Gangbuk-gu", col: 3, row: 0 },
  { code: "11320", ko: "도봉구", en: "Dobong-gu", col: 4, row: 0 },
  { code: "11350", ko: "노원구", en: "Nowon-gu", col: 5, row: 0 },
  { code: "11410", ko: "서대문구", en: "Seodaemun-gu", col: 1, row: 1 },
  { code: "11110", ko: "종로구", en: "Jongno-gu", col: 2, row: 1 },
  { code: "11290", ko: "성북구", en: "Seongbuk-gu", col: 3, row: 1 },
  { code: "11230", ko: "동대문구", en: "Dongdaemun-gu", col: 4, row: 1 },
  { code: "11260", ko: "중랑구", en: "Jungnang-gu", col: 5, row: 1 },
  { code: "11500", ko: "강서구", en: "Gangseo-gu", col: 0, row: 2 },
  { code: "11440", ko: "마포구", en: "Mapo-gu", col: 1, row: 2 },
  { code: "11140", ko: "중구", en: "Jung-gu", col: 2, row: 2 },
  { code: "11200", ko: "성동구", en: "Seongdong-gu", col: 3, row: 2 },
  { code: "11215", ko: "광진구", en: "Gwangjin-gu", col: 4, row: 2 },
  { code: "11740", ko: "강동구", en: "Gangdong-gu", col: 6, row: 2 },
  { code: "11470", ko: "양천구", en: "Yangcheon-gu", col: 0, row: 3 },
  { code: "11560", ko: "영등포구", en: "Yeongdeungpo-gu", col: 1, row: 3 },
  { code: "11170", ko: "용산구", en: "Yongsan-gu", col: 2, row: 3 },
  { code: "11650", ko: "서초구", en: "Seocho-gu", col: 3, row: 3 },
  { code: "11680", ko: "강남구", en: "Gangnam-gu", col: 4, row: 3 },
  { code: "11710", ko: "송파구", en: "Songpa-gu", col: 5, row: 3 },
  { code: "11530", ko: "구로구", en: "Guro-gu", col: 0, row: 4 },
  { code: "11545", ko: "금천구", en: "Geumcheon-gu", col: 1, row: 4 },
  { code: "11590", ko: "동작구", en: "Dongjak-gu", col: 2, row: 4 },
  { code: "11620", ko: "관악구", en: "Gwanak-gu", col: 3, row: 4 },
];

export const BY_CODE: Record<string, District> = Object.fromEntries(DISTRICTS.map((d) => [d.code, d]));

export function districtName(code: string | null | undefined, lang: string): string {
  if (!code) return lang.startsWith("ko") ? "서울시 전역" : "City-wide";
  const d = BY_CODE[code];
  if (!d) return code;
  return lang.startsWith("ko") ? d.ko : d.en;
}
