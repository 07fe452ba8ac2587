// Browser journeys against the real stack, in Debian's Chromium (playwright-core, no downloaded browser).
// Started by tests/web/test_browser.py, which runs the services, broker, seed data and the web server and
// passes their addresses in the environment:
//   WEB_URL, E2E_DATA (JSON: sgg_code, open_election_id, closed_election_id, committee_id, meeting_id, plan_id)
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
  await page.getByRole("heading", { name: "회의" }).waitFor();
  await axe(page, "committee");
  await page.goto(`${WEB}/meetings/${DATA.meeting_id}`);
  await page.getByTestId("quorum").waitFor();
  await page.getByRole("table", { name: "기명 표결" }).first().waitFor();
  await axe(page, "meeting");
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/meeting.png`, fullPage: true });
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

await browser.close();
rmSync(profile, { recursive: true, force: true });
console.log(axeReport.join("\n"));
if (failures.length) {
  console.error(`\n${failures.length} journey(s) failed:\n` + failures.join("\n"));
  process.exit(1);
}
