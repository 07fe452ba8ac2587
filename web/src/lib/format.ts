// Money in 원 with the units Korean readers expect (조/억/만), dates in Asia/Seoul.
export const SEOUL_TZ = "Asia/Seoul";

const UNITS: [bigint, string][] = [
  [1_000_000_000_000n, "조"],
  [100_000_000n, "억"],
  [10_000n, "만"],
];

/** 7661500000000 → "7조 6,615억 원"; 45000000 → "4,500만 원"; the two largest non-zero units. */
export function wonKo(amount: number): string {
  if (!Number.isFinite(amount)) return "–";
  const negative = amount < 0;
  let rest = BigInt(Math.round(Math.abs(amount)));
  const parts: string[] = [];
  for (const [size, unit] of UNITS) {
    const n = rest / size;
    if (n > 0n) parts.push(`${Number(n).toLocaleString("ko-KR")}${unit}`);
    rest %= size;
  }
  if (parts.length === 0) return `${Number(rest).toLocaleString("ko-KR")}원`;
  return `${negative ? "-" : ""}${parts.slice(0, 2).join(" ")} 원`;
}

export function wonEn(amount: number): string {
  return new Intl.NumberFormat("en", {
    style: "currency",
    currency: "KRW",
    notation: amount >= 100_000_000 ? "compact" : "standard",
    maximumFractionDigits: 2,
  }).format(amount);
}

export function won(amount: number, lang: string): string {
  return lang.startsWith("ko") ? wonKo(amount) : wonEn(amount);
}

/** The exact figure, for tables and screen readers: "45,000,000원". */
export function wonExact(amount: number, lang: string): string {
  return lang.startsWith("ko")
    ? `${amount.toLocaleString("ko-KR")}원`
    : `₩${amount.toLocaleString("en")}`;
}

export function percent(share: number | null | undefined, lang: string, digits = 1): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return "–";
  return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: digits }).format(share);
}

export function count(n: number, lang: string): string {
  return n.toLocaleString(lang);
}

export function seoulDate(iso: string | null | undefined, lang: string): string {
  if (!iso) return "–";
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00+09:00` : iso);
  return new Intl.DateTimeFormat(lang, { timeZone: SEOUL_TZ, dateStyle: "long" }).format(d);
}

export function seoulDateTime(iso: string | null | undefined, lang: string): string {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(lang, {
    timeZone: SEOUL_TZ,
    dateStyle: "medium",
    timeStyle: "short",
  }).format(new Date(iso));
}
