// `make bench-web`: the dashboard's largest contentful paint in Debian's Chromium, against a running stack
// (`make run`; WEB_URL defaults to http://127.0.0.1:8000). Each run is a cold load in a fresh profile; LCP
// is read from Chromium's own PerformanceObserver ('largest-contentful-paint'), unthrottled: the local
// stack's number, not Lighthouse's simulated mobile network. Prints the median of RUNS (default 5).
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const WEB = process.env.WEB_URL ?? "http://127.0.0.1:8000";
const RUNS = Number(process.env.RUNS ?? 5);
const samples = [];
for (let i = 0; i < RUNS; i++) {
  const profile = mkdtempSync(join(tmpdir(), "cg-lcp-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage();
  await page.goto(WEB, { waitUntil: "load" });
  await page.getByTestId("fig-projects").waitFor({ timeout: 60_000 });
  await page.getByTestId("borough-table").waitFor({ timeout: 60_000 });
  const lcp = await page.evaluate(
    () =>
      new Promise((resolve) => {
        let last = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) last = e.startTime;
        }).observe({ type: "largest-contentful-paint", buffered: true });
        setTimeout(() => resolve(last), 500);
      }),
  );
  const js = await page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .filter((r) => r.name.endsWith(".js"))
      .reduce((s, r) => s + r.transferSize, 0),
  );
  samples.push(lcp);
  console.log(`run ${i + 1}: LCP ${Math.round(lcp)} ms, JS transferred ${(js / 1024).toFixed(1)} KiB`);
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
samples.sort((a, b) => a - b);
const median = samples[Math.floor(samples.length / 2)];
console.log(`dashboard LCP median of ${RUNS}: ${Math.round(median)} ms (target ≤ 2500 ms)`);
process.exit(median <= 2500 ? 0 : 1);
