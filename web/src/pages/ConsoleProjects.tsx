import { useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, ProblemError, unwrap, type ProblemDetail } from "../lib/api";
import type { components } from "../api/registry";
import { useLoad } from "../lib/useLoad";
import { won } from "../lib/format";
import { DISTRICTS, districtName } from "../lib/districts";
import { useSession } from "../lib/session";
import { FieldMessage, Loading, ProblemBox } from "../components/Problem";
import { RequireSignIn } from "../components/RequireSignIn";

type ProjectRead = components["schemas"]["ProjectRead"];
type Candidates = components["schemas"]["DuplicateCandidates"];
type Source = components["schemas"]["FundingSource"];
const SOURCES: Source[] = ["smg_grant", "borough", "national", "private"];
const ORIGINS = ["resident", "civic_group", "department"] as const;

/** Registry list with Hangul search (the registry's ?q= matches Korean titles and summaries). */
export function ConsoleProjects() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const sgg = params.get("sgg_code") ?? session?.sgg_code ?? "";
  const [draft, setDraft] = useState(q);
  const { data, problem, loading } = useLoad(
    async () =>
      unwrap(
        await api().registry.GET("/v1/projects", {
          params: { query: { limit: 50, ...(q ? { q } : {}), ...(sgg ? { sgg_code: sgg } : {}) } },
        }),
      ),
    [q, sgg],
  );
  return (
    <>
      <h1>{t("console.projectsTitle")}</h1>
      <form
        role="search"
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          setParams({ ...(draft ? { q: draft } : {}), ...(sgg ? { sgg_code: sgg } : {}) });
        }}
      >
        <label>
          {t("console.search")}
          <input type="search" name="q" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={t("console.searchHint")} />
        </label>
        <label>
          {t("signin.borough")}
          <select
            name="sgg_code"
            value={sgg}
            onChange={(e) => setParams({ ...(q ? { q } : {}), ...(e.target.value ? { sgg_code: e.target.value } : {}) })}
          >
            <option value="">{t("console.allBoroughs")}</option>
            {DISTRICTS.map((d) => (
              <option key={d.code} value={d.code}>
                {districtName(d.code, lang)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t("console.searchButton")}</button>
      </form>
      <p>
        <Link to="/console/projects/new">{t("console.newProject")}</Link> · <Link to="/console/imports">{t("console.import")}</Link> ·{" "}
        <Link to="/console/committee">{t("console.committee")}</Link> · <Link to="/console/plans">{t("console.plans")}</Link> ·{" "}
        <Link to="/console/budget">{t("console.budget")}</Link>
      </p>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && (
        <table className="data" data-testid="project-list">
          <caption>{t("console.found", { n: data.items.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("console.code")}</th>
              <th scope="col">{t("console.titleKo")}</th>
              <th scope="col">{t("signin.borough")}</th>
              <th scope="col">{t("console.total")}</th>
              <th scope="col">{t("console.status")}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((p) => (
              <tr key={p.id}>
                <td>{p.code}</td>
                <th scope="row">{p.title_ko}</th>
                <td>{districtName(p.sgg_code, lang)}</td>
                <td>{won(p.total_krw, lang)}</td>
                <td>{t(`projectStatus.${p.status}`, { defaultValue: p.status })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

interface Line {
  source: Source;
  fiscal_year: string;
  amount_krw: string;
}

export function ProjectNew() {
  return (
    <RequireSignIn roles={["borough_officer"]}>
      <ProjectForm />
    </RequireSignIn>
  );
}

function ProjectForm() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const session = useSession();
  const [form, setForm] = useState({
    title_ko: "",
    summary_ko: "",
    origin: "resident" as (typeof ORIGINS)[number],
    policy_field: "community",
    lead_department: "",
    start_date: "",
    end_date: "",
  });
  const [lines, setLines] = useState<Line[]>([{ source: "smg_grant", fiscal_year: "2026", amount_krw: "" }]);
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const [created, setCreated] = useState<{ project: ProjectRead; duplicates: Candidates } | null>(null);
  const sgg = session?.sgg_code ?? "11200";

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setProblem(null);
    try {
      const project = unwrap(
        await api().registry.POST("/v1/projects", {
          body: {
            ...form,
            title_en: "",
            summary_en: "",
            status: "planned",
            lead_department: form.lead_department || null,
            start_date: form.start_date || null,
            end_date: form.end_date || null,
            sgg_code: sgg,
            funding_lines: lines.map((l) => ({
              source: l.source,
              fiscal_year: Number(l.fiscal_year),
              amount_krw: Number(l.amount_krw.replace(/[^0-9-]/g, "") || "0"),
            })),
          },
        }),
      );
      const duplicates = unwrap(
        await api().registry.GET("/v1/projects/{project_id}/duplicates", { params: { path: { project_id: project.id } } }),
      );
      setCreated({ project, duplicates });
    } catch (err) {
      setProblem(err instanceof ProblemError ? err.problem : { type: "about:blank", title: String(err), status: 0 });
    }
  };

  if (created) {
    // The registry flags a pair as a suspected duplicate above its threshold; close calls are shown too.
    const suspected = created.duplicates.candidates.filter((c) => c.suspected);
    const similar = created.duplicates.candidates.filter((c) => !c.suspected && c.score >= 0.5);
    const shown = [...suspected, ...similar];
    return (
      <>
        <h1>{t("project.registered", { code: created.project.code })}</h1>
        <p className="success" role="status">
          {created.project.title_ko} · {won(created.project.total_krw, lang)}
        </p>
        {shown.length > 0 ? (
          <div className="warning" role="alert" data-testid="duplicate-warning">
            <h2>
              {suspected.length > 0
                ? t("project.duplicateWarning", { n: suspected.length })
                : t("project.similarWarning", { n: similar.length })}
            </h2>
            <ul>
              {shown.map((c) => (
                <li key={c.project_id}>
                  {c.suspected && <strong>{t("project.suspected")} </strong>}
                  {c.code} {c.title_ko} ({districtName(c.sgg_code, lang)}) — {t("project.score", { score: Math.round(c.score * 100) })}
                  <span className="muted"> · {c.reasons.map((r) => t(`dupReason.${r.kind}`, { defaultValue: r.kind })).join(", ")}</span>
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p>{t("project.noDuplicates")}</p>
        )}
        <button type="button" onClick={() => setCreated(null)}>
          {t("project.another")}
        </button>
      </>
    );
  }

  const fe = (name: string) => `err-${name.replace(/\./g, "-")}`;
  return (
    <>
      <h1>{t("project.newTitle")}</h1>
      <p>{t("project.forBorough", { name: districtName(sgg, lang) })}</p>
      <ProblemBox
        problem={problem}
        shownFields={["body.title_ko", "body.summary_ko", "body.lead_department", "body.funding_lines", "body.policy_field", "body.start_date", "body.end_date"]}
      />
      <form onSubmit={submit} className="stack">
        <label>
          {t("console.titleKo")}
          <input name="title_ko" value={form.title_ko} onChange={(e) => setForm({ ...form, title_ko: e.target.value })} aria-describedby={fe("body.title_ko")} />
          <FieldMessage id={fe("body.title_ko")} problem={problem} field="body.title_ko" />
        </label>
        <label>
          {t("project.summary")}
          <textarea name="summary_ko" rows={3} value={form.summary_ko} onChange={(e) => setForm({ ...form, summary_ko: e.target.value })} aria-describedby={fe("body.summary_ko")} />
          <FieldMessage id={fe("body.summary_ko")} problem={problem} field="body.summary_ko" />
        </label>
        <label>
          {t("project.origin")}
          <select name="origin" value={form.origin} onChange={(e) => setForm({ ...form, origin: e.target.value as (typeof ORIGINS)[number] })}>
            {ORIGINS.map((o) => (
              <option key={o} value={o}>
                {t(`origin.${o}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("project.policyField")}
          <input name="policy_field" value={form.policy_field} onChange={(e) => setForm({ ...form, policy_field: e.target.value })} aria-describedby={fe("body.policy_field")} />
          <FieldMessage id={fe("body.policy_field")} problem={problem} field="body.policy_field" />
        </label>
        <div className="inline">
          <label>
            {t("project.start")}
            <input type="date" name="start_date" value={form.start_date} onChange={(e) => setForm({ ...form, start_date: e.target.value })} aria-describedby={fe("body.start_date")} />
            <FieldMessage id={fe("body.start_date")} problem={problem} field="body.start_date" />
          </label>
          <label>
            {t("project.end")}
            <input type="date" name="end_date" value={form.end_date} onChange={(e) => setForm({ ...form, end_date: e.target.value })} aria-describedby={fe("body.end_date")} />
            <FieldMessage id={fe("body.end_date")} problem={problem} field="body.end_date" />
          </label>
        </div>
        <label>
          {t("project.department")}
          <input name="lead_department" value={form.lead_department} onChange={(e) => setForm({ ...form, lead_department: e.target.value })} aria-describedby={fe("body.lead_department")} />
          <FieldMessage id={fe("body.lead_department")} problem={problem} field="body.lead_department" />
        </label>
        <fieldset>
          <legend>{t("project.fundingLines")}</legend>
          {lines.map((l, i) => (
            <div key={i} className="inline funding-line">
              <label>
                {t("project.source")}
                <select value={l.source} name={`source-${i}`} onChange={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, source: e.target.value as Source } : x)))}>
                  {SOURCES.map((s) => (
                    <option key={s} value={s}>
                      {t(`source.${s}`)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t("project.year")}
                <input name={`fiscal_year-${i}`} inputMode="numeric" value={l.fiscal_year} onChange={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, fiscal_year: e.target.value } : x)))} aria-describedby={fe(`body.funding_lines.${i}.fiscal_year`)} />
                <FieldMessage id={fe(`body.funding_lines.${i}.fiscal_year`)} problem={problem} field={`body.funding_lines.${i}.fiscal_year`} />
              </label>
              <label>
                {t("project.amount")}
                <input name={`amount_krw-${i}`} inputMode="numeric" value={l.amount_krw} onChange={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, amount_krw: e.target.value } : x)))} aria-describedby={fe(`body.funding_lines.${i}.amount_krw`)} />
                <FieldMessage id={fe(`body.funding_lines.${i}.amount_krw`)} problem={problem} field={`body.funding_lines.${i}.amount_krw`} />
              </label>
              {lines.length > 1 && (
                <button type="button" onClick={() => setLines(lines.filter((_, j) => j !== i))}>
                  {t("project.removeLine")}
                </button>
              )}
            </div>
          ))}
          <button type="button" onClick={() => setLines([...lines, { source: "borough", fiscal_year: "2026", amount_krw: "" }])}>
            {t("project.addLine")}
          </button>
          <FieldMessage id="err-funding" problem={problem} field="body.funding_lines" />
        </fieldset>
        <button type="submit">{t("project.submit")}</button>
      </form>
    </>
  );
}

export function ImportProjects() {
  return (
    <RequireSignIn roles={["borough_officer"]}>
      <ImportForm />
    </RequireSignIn>
  );
}

function ImportForm() {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(true);
  const [report, setReport] = useState<components["schemas"]["ImportReport"] | null>(null);
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setProblem(null);
    const body = new FormData();
    body.append("file", file);
    const got = await api().registry.POST("/v1/imports/projects", {
      params: { query: { dry_run: dryRun } },
      body: body as unknown as { file: string },
      bodySerializer: (b) => b as unknown as FormData,
    });
    // A rejected file answers 422 problem+json with the full report (every bad row named) under "report".
    const err = got.error as unknown as { report?: components["schemas"]["ImportReport"] } | undefined;
    const data = got.data ?? err?.report ?? null;
    if (data) setReport(data);
    else setProblem(got.error as ProblemDetail);
  };
  return (
    <>
      <h1>{t("import.title")}</h1>
      <p>{t("import.lead")}</p>
      <form onSubmit={submit} className="stack">
        <label>
          {t("import.file")}
          <input type="file" name="file" accept=".csv,.xlsx" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} /> {t("import.dryRun")}
        </label>
        <button type="submit" disabled={!file}>
          {t("import.submit")}
        </button>
      </form>
      <ProblemBox problem={problem} />
      {report && (
        <section aria-labelledby="report" data-testid="import-report">
          <h2 id="report">{t("import.report", { valid: report.valid_rows, invalid: report.invalid_rows, imported: report.imported })}</h2>
          {report.errors.length > 0 && (
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">{t("import.row")}</th>
                  <th scope="col">{t("import.field")}</th>
                  <th scope="col">{t("import.message")}</th>
                </tr>
              </thead>
              <tbody>
                {report.errors.map((r, i) => (
                  <tr key={i}>
                    <td>{r.row}</td>
                    <td>{r.field}</td>
                    <td>{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </>
  );
}
