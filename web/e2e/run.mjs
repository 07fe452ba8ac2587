// Browser journeys against the real stack, in Debian's Chromium (playwright-core, no downloaded browser).
// Started by tests/web/test_browser.py, which runs the services, broker, seed data and the web server and
// passes their addresses in the environment:
//   WEB_URL, E2E_DATA (JSON: sgg_code, open_election_id, closed_election_id, committee_id, meeting_id, plan_id,
//   recusal_organisation, duplicate_of)
//   CHROMIUM (default /usr/bin/chromium), SCREENSHOT_DIR (optional: write docs screenshots)
// Each journey prints "ok <name> <seconds>s"; any failure exits 1 with the reason.
import { chromium } from "playwright-core";
import AxeBuilder from "@axe-core/playwright";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const WEB = process.env.WEB_URL;
const DATA = JSON.parse(process.env.E2E_DATA ?? "{}");
const SHOTS = process.env.SCREENSHOT_DIR;
if (!WEB) throw new Error("WEB_URL is required");

const profile = mkdtempSync(join(tmpdir(), "cg-chromium-"));
// A fresh profile directory per run (Playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  locale: "ko-KR",
  timezoneId: "Asia/Seoul",
  viewport: { width: 1280, height: 900 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

const failures = [];
const axeReport = [];

function expect(cond, message) {
  if (!cond) throw new Error(message);
}

async function newPage() {
  const page = await browser.newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (e) => console.error(`  page error: ${e.message}`));
  return page;
}

/** axe-core, WCAG 2.1 A/AA: no serious or critical violation may be on the page. */
async function axe(page, name) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  axeReport.push(`${name}: ${result.violations.length} violations, ${bad.length} serious/critical`);
  expect(
    bad.length === 0,
    `axe on ${name}: ` + bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`).join("; "),
  );
}

async function signIn(page, role, sgg, name) {
  await page.goto(`${WEB}/signin`);
  await page.getByLabel("역할").selectOption(role);
  if (sgg) await page.getByLabel("자치구").selectOption(sgg);
  if (name) await page.getByLabel("이름 (선택)").fill(name);
  await page.getByRole("button", { name: "들어가기" }).click();
  await page.getByTestId("signed-in").waitFor();
}

async function journey(name, fn) {
  const started = Date.now();
  try {
    await fn();
    console.log(`ok ${name} ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } catch (e) {
    failures.push(`${name}: ${e.message}`);
    console.log(`FAIL ${name}: ${e.message}`);
  }
}

await journey("dashboard shows the city figures and all 25 boroughs (public, Korean)", async () => {
  const page = await newPage();
  await page.goto(WEB);
  await page.getByRole("heading", { level: 1, name: "서울 협치 현황" }).waitFor();
  await page.getByTestId("fig-projects").waitFor();
  const projects = await page.getByTestId("fig-projects").innerText();
  expect(/^[\d,]+$/.test(projects) && Number(projects.replace(/,/g, "")) >= 1126, `project count ${projects}`);
  expect((await page.getByTestId("fig-money").innerText()).includes("조"), "money in 조/억 units");
  expect((await page.locator("ul.tilegrid li").count()) === 25, "25 borough tiles");
  const rows = page.getByTestId("borough-table").locator("tbody tr");
  expect((await rows.count()) === 25, "25 table rows");
  // Sort by name (ascending, Korean collation): 강남구 comes first.
  await page.getByRole("button", { name: "자치구" }).click();
  expect((await rows.first().locator("th").innerText()) === "강남구", "sorted by name");
  await axe(page, "dashboard");
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/dashboard.png`, fullPage: true });
  // English is one click away and every label changes.
  await page.getByRole("button", { name: "English" }).click();
  await page.getByRole("heading", { level: 1, name: "Collaborative governance in Seoul" }).waitFor();
  await page.getByRole("button", { name: "한국어" }).click();
  await page.close();
});

await journey("analyst compares two boroughs and drills down", async () => {
  const page = await newPage();
  await page.goto(WEB);
  await page.getByRole("link", { name: "두 자치구 나란히 비교하기" }).click();
  await page.getByLabel("첫째 자치구").selectOption("11200");
  await page.getByLabel("둘째 자치구").selectOption("11680");
  const table = page.getByTestId("compare-table");
  await table.getByRole("columnheader", { name: "강남구" }).waitFor();
  await table.getByRole("columnheader", { name: "성동구" }).waitFor();
  const cells = await table.locator("tbody tr").first().locator("td").allInnerTexts();
  expect(cells.length === 2 && cells.every((c) => /\d/.test(c)), `project counts ${cells}`);
  await axe(page, "compare");
  await page.goto(`${WEB}/boroughs/11200`);
  await page.getByRole("heading", { level: 1, name: /성동구/ }).waitFor();
  await page.getByRole("heading", { name: "사업 발의 주체별" }).waitFor();
  await axe(page, "borough");
  await page.close();
});

await journey("officer registers a project and sees the duplicate warning", async () => {
  const page = await newPage();
  await signIn(page, "borough_officer", DATA.sgg_code ?? "11200", "김담당");
  await page.goto(`${WEB}/console/projects?q=${encodeURIComponent(DATA.duplicate_of.title_ko)}`);
  await page.getByTestId("project-list").getByText(DATA.duplicate_of.title_ko).first().waitFor();
  await axe(page, "console projects");
  await page.getByRole("link", { name: "새 사업 등록" }).click();
  // First a refused attempt: the service's problem+json names the field, shown next to it.
  await page.getByLabel("사업명").fill("");
  await page.getByRole("button", { name: "등록" }).click();
  await page.locator("#err-body-title_ko").waitFor();
  await page.getByLabel("사업명").fill(DATA.duplicate_of.title_ko);
  await page.getByLabel("사업 개요").fill(DATA.duplicate_of.summary_ko);
  await page.getByLabel("정책 분야").fill(DATA.duplicate_of.policy_field);
  if (DATA.duplicate_of.start_date) await page.getByLabel("시작일").fill(DATA.duplicate_of.start_date);
  if (DATA.duplicate_of.end_date) await page.getByLabel("종료일").fill(DATA.duplicate_of.end_date);
  if (DATA.duplicate_of.lead_department) await page.getByLabel("담당 부서").fill(DATA.duplicate_of.lead_department);
  await page.getByLabel("금액 (원)").fill("30000000");
  await axe(page, "project form");
  await page.getByRole("button", { name: "등록" }).click();
  await page.getByTestId("duplicate-warning").waitFor();
  const warning = await page.getByTestId("duplicate-warning").innerText();
  expect(warning.includes(DATA.duplicate_of.code), `warning names the existing project: ${warning}`);
  expect(warning.includes("중복 의심"), `the registry suspects a duplicate: ${warning}`);
  // Bulk import: a file with a bad row is reported row by row (dry run, nothing written).
  await page.goto(`${WEB}/console/imports`);
  await page.getByRole("heading", { level: 1, name: "사업 일괄 등록" }).waitFor();
  await axe(page, "import");
  await page.getByLabel("파일").setInputFiles({
    name: "projects.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("title_ko,sgg_code,source,fiscal_year,amount_krw\n마을 돌봄 공동체,11200,smg_grant,2026,10000000\n,11200,smg_grant,2026,-5\n", "utf8"),
  });
  await page.getByRole("button", { name: "올리기" }).click();
  const report = page.getByTestId("import-report");
  await report.waitFor();
  const rowCells = await report.locator("tbody tr td:first-child").allInnerTexts();
  expect(rowCells.includes("3"), `row 3 is reported: ${rowCells}`);
  await page.close();
});

await journey("resident proposes, follows it, votes by keyboard only and sees the result", async () => {
  const page = await newPage();
  await signIn(page, "resident", DATA.sgg_code ?? "11200", "이주민");
  await page.goto(`${WEB}/proposals/new`);
  await axe(page, "proposal form");
  const title = `골목길 야간 조명 개선 ${Date.now() % 100000}`;
  await page.getByLabel("제목").fill(title);
  await page.getByLabel("어떤 문제가 있나요?").fill("밤에 골목길이 어두워 귀갓길이 불안합니다.");
  await page.getByLabel("해결 아이디어").fill("주민이 함께 위치를 정해 태양광 조명을 설치합니다.");
  await page.getByLabel("행정동").fill("성수1가1동");
  await page.getByLabel("예상 비용 (원)").fill("12000000");
  await page.getByLabel("대상").fill("지역 주민");
  await page.getByRole("button", { name: "제안 제출" }).click();
  await page.getByRole("status").getByText("제안이 접수되었습니다").waitFor();
  const mine = page.getByTestId("my-proposal").filter({ hasText: title });
  await mine.waitFor();
  expect((await mine.innerText()).includes("접수됨"), "the proposal's status is shown");
  await axe(page, "my proposals");

  // The ballot, by keyboard only: Tab to each checkbox, Space to choose, Enter on the submit button.
  await page.goto(`${WEB}/elections/${DATA.open_election_id}`);
  await page.getByRole("group", { name: "사업 목록" }).waitFor();
  await axe(page, "ballot");
  const boxes = page.getByRole("checkbox");
  const n = await boxes.count();
  expect(n >= 2, `ballot lists ${n} projects`);
  // Sending nothing is stopped before anything is sent.
  await page.getByRole("button", { name: "투표하기" }).focus();
  await page.keyboard.press("Enter");
  await page.getByTestId("ballot-problems").waitFor();
  const before = await page.getByTestId("budget-left").innerText();
  await boxes.first().focus();
  await page.keyboard.press("Space");
  expect(await boxes.first().isChecked(), "Space chose the first project");
  expect((await page.getByTestId("budget-left").innerText()) !== before, "budget left updates");
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/ballot.png`, fullPage: true });
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space");
  let guard = 0;
  while (!(await page.evaluate(() => document.activeElement?.textContent === "투표하기")) && guard++ < 40) {
    await page.keyboard.press("Tab");
  }
  await page.keyboard.press("Enter");
  await page.getByTestId("ballot-confirmation").waitFor();
  await axe(page, "ballot confirmation");

  // A decided election: the outcome with the per-project explanation the budget service gives.
  await page.goto(`${WEB}/elections/${DATA.closed_election_id}`);
  const outcome = page.getByTestId("outcome");
  await outcome.waitFor();
  expect((await outcome.locator("tbody tr").count()) >= 2, "an explanation per project");
  await axe(page, "outcome");
  await page.close();
});

await journey("committee meeting page (agenda, attendance, named votes, minutes)", async () => {
  const page = await newPage();
  await signIn(page, "committee_secretary", DATA.sgg_code ?? "11200");
  await page.goto(`${WEB}/committees/${DATA.committee_id}`);
  await page.getByRole("heading", { name: "회의", exact: true }).waitFor();
  await axe(page, "committee");
  await page.goto(`${WEB}/meetings/${DATA.meeting_id}`);
  await page.getByTestId("quorum").waitFor();
  await page.getByRole("table", { name: "기명 표결" }).first().waitFor();
  await axe(page, "meeting");
  await page.goto(`${WEB}/plans`);
  await page.getByRole("heading", { level: 1, name: "확정된 협치계획" }).waitFor();
  await axe(page, "plans");
  await page.goto(`${WEB}/plans/${DATA.plan_id}`);
  await page.getByRole("heading", { name: "계획 사업" }).waitFor();
  await axe(page, "plan");
  await page.goto(`${WEB}/elections`);
  await page.getByRole("heading", { level: 1, name: "주민참여예산 투표" }).waitFor();
  await axe(page, "elections");
  await page.goto(`${WEB}/signin`);
  await axe(page, "sign-in");
  await page.close();
});

/** A Seoul wall-clock value for <input type="datetime-local"> (minutes from now), and a Seoul date. */
const seoulLocal = (minutes) => new Date(Date.now() + 9 * 3600_000 + minutes * 60_000).toISOString().slice(0, 16);
const seoulDay = (days) => seoulLocal(days * 24 * 60).slice(0, 10);

await journey("committee secretary schedules a meeting, records attendance and named votes, sees the decision's validity", async () => {
  const page = await newPage();
  await signIn(page, "committee_secretary", DATA.sgg_code ?? "11200", "박간사");
  // From the console's link to the borough's own committee.
  await page.goto(`${WEB}/console/projects`);
  await page.getByRole("link", { name: "우리 구 민관협치위원회" }).click();
  await page.getByTestId("schedule-meeting").waitFor();
  expect(page.url().endsWith(`/committees/${DATA.committee_id}`), `the borough's committee: ${page.url()}`);
  const title = `민관협치위원회 정기회의 ${Date.now() % 100000}`;
  await page.getByLabel("회의 제목").fill(title);
  await page.getByLabel("회의 구분").selectOption("regular");
  // In session now (votes count only while the meeting sits), announced a fortnight ahead.
  await page.getByLabel("시작 일시").fill(seoulLocal(-10));
  await page.getByLabel("종료 일시").fill(seoulLocal(180));
  await page.getByLabel("장소").fill("성동구청 3층 대회의실");
  // Refused first: a notice dated after the meeting day; the service's Korean message sits by the field.
  await page.getByLabel("공고일").fill(seoulDay(3));
  await page.getByRole("button", { name: "회의 소집하기" }).click();
  const noticeError = await page.locator("#err-body-notice_on").innerText();
  expect(noticeError.includes("공고일"), `notice refusal next to the field: ${noticeError}`);
  await axe(page, "schedule meeting (refused)");
  await page.getByLabel("공고일").fill(seoulDay(-14));
  await page.getByRole("button", { name: "회의 소집하기" }).click();
  await page.getByRole("heading", { level: 1, name: title }).waitFor();
  expect((await page.getByTestId("notice").innerText()).includes("소집 통지 기한 준수"), "notice sufficient");

  // An agenda item whose applicant is a member's organisation: that member is recused.
  const item = "마을 돌봄 공동체 지원 사업 심의";
  await page.getByLabel("안건명").fill(item);
  await page.getByLabel("신청 단체 (쉼표로 구분)").fill(DATA.recusal_organisation);
  await page.getByRole("button", { name: "안건 추가하기" }).click();
  const votes = page.getByTestId("votes-form").filter({ hasText: item });
  await votes.waitFor();
  await page.getByText(/회피 \d+명/).first().waitFor();

  // Attendance: everyone present, saved with the meeting's ETag; quorum is computed by the service.
  await page.getByRole("button", { name: "모두 출석으로 표시" }).click();
  await page.getByRole("button", { name: "출석 저장" }).click();
  await page.getByTestId("quorum").getByText("정족수 충족").waitFor();
  await axe(page, "meeting console");

  // Named votes: the recused member does not vote; one member votes no, one abstains.
  const selects = votes.getByRole("combobox");
  const n = await selects.count();
  expect(n >= 3, `${n} members present to vote`);
  const recusedRows = await votes.getByText(/회피 대상/).count();
  expect(recusedRows >= 1, "a recused member is marked on the ballot sheet");
  const choices = await selects.evaluateAll((els) => els.map((e) => e.value));
  const voting = choices.map((c, i) => (c ? i : -1)).filter((i) => i >= 0);
  await selects.nth(voting[voting.length - 1]).selectOption("no");
  await selects.nth(voting[voting.length - 2]).selectOption("abstain");
  await votes.getByRole("button", { name: "표결 기록" }).click();
  await votes.getByTestId("votes-recorded").waitFor();
  await votes.getByRole("button", { name: "의결 확정" }).click();
  const decision = page.getByTestId("decision").filter({ hasText: item });
  await decision.waitFor();
  const validity = await decision.getByTestId("decision-validity").innerText();
  expect(validity === "유효한 의결", `the decision is valid: ${validity} — ${await decision.innerText()}`);
  const rules = await decision.getByTestId("decision-checks").locator("tbody th").allInnerTexts();
  for (const r of ["의사정족수", "소집 공고 기한", "회의 중 표결", "제척·회피"]) {
    expect(rules.includes(r), `validity check ${r} is shown: ${rules}`);
  }
  expect((await decision.innerText()).includes("반대 1"), "the named tally counts the no vote");

  // The meeting closes as held, and its minutes go from draft to approved to published.
  await page.getByRole("button", { name: "회의 종료 (개최 완료)" }).click();
  await page.getByRole("button", { name: "회의 종료 (개최 완료)" }).waitFor({ state: "detached" });
  await page.getByLabel("회의록 초안").fill(`1. 개회 2. ${item} 의결 3. 폐회`);
  await page.getByRole("button", { name: "회의록 저장" }).click();
  await page.getByRole("button", { name: "회의록 승인" }).click();
  await page.getByRole("button", { name: "회의록 공개" }).click();
  await page.getByText("공개됨").waitFor();
  await axe(page, "meeting (decided)");
  if (SHOTS) {
    // The page is long (every seated member twice); the shot frames the decision and its validity checks.
    await decision.evaluate((el) => el.scrollIntoView({ block: "start" }));
    await page.screenshot({ path: `${SHOTS}/meeting.png` });
  }
  await page.close();
});

await journey("officer opens a budget cycle and moves it against its legal deadlines; plan workflow panel", async () => {
  const page = await newPage();
  await signIn(page, "borough_officer", DATA.sgg_code ?? "11200", "김담당");
  await page.goto(`${WEB}/console/budget`);
  await page.getByTestId("cycle-list").waitFor();
  await axe(page, "budget cycles");
  await page.getByLabel("회계연도").fill("1999");
  await page.getByRole("button", { name: "주기 열기" }).click();
  await page.locator("#err-body-fiscal_year").waitFor();
  const year = Number(seoulDay(0).slice(0, 4)) + 6;
  await page.getByLabel("회계연도").fill(String(year));
  await page.getByLabel("이름").fill(`${year} 성동구 협치 예산`);
  await page.getByRole("button", { name: "주기 열기" }).click();
  await page.getByTestId("deadlines").waitFor();
  expect((await page.getByTestId("cycle-status").innerText()) === "개시", "a new cycle is open");
  expect((await page.getByTestId("deadlines").locator("tbody tr").count()) >= 3, "the legal deadlines are listed");
  await page.getByLabel("다음 단계", { exact: true }).selectOption("REQUESTS");
  await page.getByLabel("법정 일자").fill(seoulDay(0));
  await page.getByRole("button", { name: "단계 이동" }).click();
  await page.getByTestId("cycle-status").getByText("예산 요구").waitFor();
  // Refused by the legal calendar: a provisional budget (준예산) only from 1 January of the fiscal year.
  await page.getByLabel("다음 단계", { exact: true }).selectOption("PROVISIONAL");
  await page.getByRole("button", { name: "단계 이동" }).click();
  await page.locator("#err-body-effective_on", { hasText: `준예산은 ${year}-01-01부터` }).waitFor();
  // A later step dated before the previous one is refused too, its message by the date field.
  await page.getByLabel("다음 단계", { exact: true }).selectOption("ALLOCATION");
  await page.getByLabel("법정 일자").fill(seoulDay(-30));
  await page.getByRole("button", { name: "단계 이동" }).click();
  await page.locator("#err-body-effective_on", { hasText: "이전 단계" }).waitFor();
  await axe(page, "budget cycle");
  // The plan workflow of the adopted plan: its next move needs a reason (refused without one, the
  // message by the field), then the plan goes into execution and the history records the move.
  await page.goto(`${WEB}/plans/${DATA.plan_id}`);
  const workflow = page.getByTestId("plan-workflow");
  await workflow.waitFor();
  expect((await page.getByTestId("plan-state").innerText()) === "확정", "the plan is adopted");
  await axe(page, "plan workflow");
  const move = workflow.getByTestId("move-IN_EXECUTION");
  await move.getByRole("button", { name: "시행 중(으)로 이동" }).click();
  await move.locator("#err-IN_EXECUTION-body-reason").waitFor();
  await move.getByLabel("사유").fill("2분기 사업 착수");
  await move.getByRole("button", { name: "시행 중(으)로 이동" }).click();
  await page.getByTestId("plan-state").getByText("시행 중").waitFor();
  await workflow.getByRole("cell", { name: "2분기 사업 착수" }).waitFor();
  await page.goto(`${WEB}/console/plans`);
  await page.getByTestId("console-plans").waitFor();
  await axe(page, "console plans");
  await page.close();
});

await browser.close();
rmSync(profile, { recursive: true, force: true });
console.log(axeReport.join("\n"));
if (failures.length) {
  console.error(`\n${failures.length} journey(s) failed:\n` + failures.join("\n"));
  process.exit(1);
}
