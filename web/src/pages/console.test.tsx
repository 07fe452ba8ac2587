import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import ko from "../locales/ko.json";
import en from "../locales/en.json";
import { VotesForm } from "./CommitteeConsole";
import { seoulInstant } from "../lib/api";
import "../i18n";

type Tree = { [k: string]: string | Tree };

function keys(tree: Tree, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === "string" ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)));
}

describe("the message catalogues", () => {
  it("have the same keys in Korean and English", () => {
    expect(keys(en as Tree).sort()).toEqual(keys(ko as Tree).sort());
  });
  it("hold every literal key the pages and components ask for", () => {
    const known = new Set(keys(ko as Tree));
    const dirs = [join(__dirname), join(__dirname, "..", "components"), join(__dirname, "..")];
    const missing: string[] = [];
    for (const dir of dirs) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith(".tsx") && !f.endsWith(".test.tsx"))) {
        const source = readFileSync(join(dir, file), "utf8");
        for (const m of source.matchAll(/\bt\("([a-zA-Z]+\.[a-zA-Z.]+)"/g)) {
          if (!known.has(m[1])) missing.push(`${file}: ${m[1]}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("a Seoul wall-clock time from a form", () => {
  it("is sent as an instant at +09:00", () => {
    expect(seoulInstant("2027-03-12T14:00")).toBe("2027-03-12T14:00:00+09:00");
  });
});

describe("the named-vote sheet", () => {
  const meeting = { id: "m1" } as Parameters<typeof VotesForm>[0]["meeting"];
  const entry = (id: string, name: string, present: boolean) => ({
    member_id: id,
    name_ko: name,
    seat_kind: "civilian_appointed" as const,
    status: present ? ("present" as const) : ("absent" as const),
    proxy_holder: "",
    arrived_at: null,
    left_at: null,
    counts_as_present: present,
  });
  const attendance = {
    meeting_id: "m1",
    version: 3,
    seated_count: 3,
    present_count: 2,
    quorum_required: 2,
    quorum_met: true,
    entries: [entry("a", "김민주", true), entry("b", "이협치", true), entry("c", "박결석", false)],
  };
  const item = {
    id: "i1",
    title_ko: "마을 돌봄 사업",
    recusals: [{ member_id: "b", name_ko: "이협치", organisations: ["성동주민회"] }],
  } as unknown as Parameters<typeof VotesForm>[0]["item"];

  it("lists only members present, and a recused member does not vote unless the secretary says so", () => {
    render(
      <MemoryRouter>
        <VotesForm meeting={meeting} item={item} attendance={attendance} onDone={() => undefined} />
      </MemoryRouter>,
    );
    const sheet = screen.getByRole("group", { name: "기명 표결: 마을 돌봄 사업" });
    const rows = within(sheet).getAllByRole("rowheader").map((r) => r.textContent);
    expect(rows).toEqual(["김민주", "이협치회피 대상 (성동주민회)"]);
    expect((screen.getByRole("combobox", { name: "김민주 표결" }) as HTMLSelectElement).value).toBe("yes");
    expect((screen.getByRole("combobox", { name: "이협치 표결" }) as HTMLSelectElement).value).toBe("");
  });
});
