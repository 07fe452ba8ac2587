import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { BoroughTable, type BoroughRow } from "../pages/Dashboard";
import { ballotProblems } from "../pages/Elections";
import { FieldMessage, ProblemBox } from "./Problem";
import i18n from "../i18n";

const more = { overlapShare: null, civilianSeatShare: 0.6, civilianVoteShare: 0.4, residentItemShare: null, pbTurnout: 0.00123 };
const rows: BoroughRow[] = [
  { code: "11680", projects: 40, totalKrw: 5_000_000_000, smgShare: 0.5, publicLedShare: 0.2, tokenismShare: 0.1, ...more },
  { code: "11200", projects: 55, totalKrw: 3_000_000_000, smgShare: 0.9, publicLedShare: 0.4, tokenismShare: null, ...more },
  { code: "11110", projects: 12, totalKrw: 9_000_000_000, smgShare: 0.7, publicLedShare: null, tokenismShare: 0.3, ...more },
];

function names() {
  return within(screen.getByTestId("borough-table"))
    .getAllByRole("rowheader")
    .map((c) => c.textContent);
}

describe("the borough comparison table", () => {
  it("sorts by projects, then by worth and by name when a column title is chosen", () => {
    render(
      <MemoryRouter>
        <BoroughTable rows={rows} />
      </MemoryRouter>,
    );
    expect(names()).toEqual(["성동구", "강남구", "종로구"]);
    fireEvent.click(screen.getByRole("button", { name: "사업비" }));
    expect(names()).toEqual(["종로구", "강남구", "성동구"]);
    expect(screen.getByRole("columnheader", { name: "사업비" }).getAttribute("aria-sort")).toBe("descending");
    fireEvent.click(screen.getByRole("button", { name: "자치구" }));
    expect(names()).toEqual(["강남구", "성동구", "종로구"]);
    expect(screen.getByText("90%")).toBeTruthy();
    expect(screen.getAllByText("0.123%")).toHaveLength(3);
  });
});

describe("the ballot's rules, checked before sending", () => {
  const election = {
    ballot_type: "approval" as const,
    min_length: 1,
    max_length: 2,
    max_points_total: null,
    max_points_per_project: null,
    budget_krw: 100_000_000,
  };
  const paper = { description: "", location: "", category: "", images: [], links: [] };
  const projects = [
    { project_key: "a", request_id: null, name: "A", cost_krw: 60_000_000, ...paper },
    { project_key: "b", request_id: null, name: "B", cost_krw: 50_000_000, ...paper },
    { project_key: "c", request_id: null, name: "C", cost_krw: 10_000_000, ...paper },
  ];
  const t = (k: string, o?: Record<string, unknown>) => i18n.t(k, o);
  it("refuses an empty ballot, too many choices and going over the budget", () => {
    expect(ballotProblems(election, projects, [], {}, t)).toEqual(["사업을 1개 이상 골라 주세요."]);
    expect(ballotProblems(election, projects, ["a", "b", "c"], {}, t)).toContain("사업은 2개까지 고를 수 있습니다.");
    expect(ballotProblems(election, projects, ["a", "b"], {}, t)).toEqual(["선택한 사업비가 예산을 넘습니다."]);
    expect(ballotProblems(election, projects, ["a", "c"], {}, t)).toEqual([]);
  });
});

describe("a refused action", () => {
  const problem = {
    type: "https://cg.seoul.go.kr/problems/validation-error",
    title: "The request is not valid",
    status: 422,
    detail: "invalid fields: body.title_ko",
    errors: [
      { field: "body.title_ko", message: "String should have at least 1 character" },
      { field: "body.code", message: "already used" },
    ],
  };
  it("shows the field's message next to it and the rest in the summary", () => {
    render(
      <>
        <ProblemBox problem={problem} shownFields={["body.title_ko"]} />
        <FieldMessage id="e" problem={problem} field="body.title_ko" />
      </>,
    );
    const alerts = screen.getAllByRole("alert");
    expect(alerts[0].textContent).toContain("422");
    expect(alerts[0].textContent).toContain("body.code");
    expect(alerts[0].textContent).not.toContain("at least 1 character");
    expect(alerts[1].textContent).toBe("String should have at least 1 character");
  });
});
