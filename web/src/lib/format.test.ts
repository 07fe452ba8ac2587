import { describe, expect, it } from "vitest";
import { seoulDate, wonEn, wonKo, percent } from "./format";

describe("money in 원 with Korean units", () => {
  it("writes the seed total with 조 and 억", () => {
    expect(wonKo(7_661_500_000_000)).toBe("7조 6,615억 원");
  });
  it("writes 만 for smaller sums and keeps the two largest units", () => {
    expect(wonKo(45_000_000)).toBe("4,500만 원");
    expect(wonKo(1_234_567_890)).toBe("12억 3,456만 원");
    expect(wonKo(9_000)).toBe("9,000원");
  });
  it("uses compact won in English", () => {
    expect(wonEn(7_661_500_000_000)).toMatch(/₩7\.66T/);
  });
});

describe("dates in Asia/Seoul", () => {
  it("shows the Seoul civil date, not the UTC one", () => {
    // 16:30 UTC on 31 December is already New Year's Day in Seoul.
    expect(seoulDate("2026-12-31T16:30:00Z", "ko")).toBe("2027년 1월 1일");
    expect(seoulDate("2026-12-31T14:30:00Z", "ko")).toBe("2026년 12월 31일");
  });
  it("formats shares as percentages", () => {
    expect(percent(0.817, "ko")).toBe("81.7%");
    expect(percent(null, "ko")).toBe("–");
  });
});
