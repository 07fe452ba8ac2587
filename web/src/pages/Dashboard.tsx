import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../lib/api";
import type { components } from "../api/registry";
import { useLoad } from "../lib/useLoad";
import { count, percent, won, wonExact } from "../lib/format";
import { DISTRICTS, districtName } from "../lib/districts";
import { BoroughGrid, type TileValue } from "../components/BoroughGrid";
import { Loading, ProblemBox } from "../components/Problem";

type Stats = components["schemas"]["StatsSummary"];

export interface BoroughRow {
  code: string;
  projects: number;
  totalKrw: number;
  smgShare: number;
  publicLedShare: number | null;
  tokenismShare: number | null;
}

type SortKey = keyof Omit<BoroughRow, "code"> | "name";

export async function loadStats(sgg_code?: string): Promise<Stats> {
  return unwrap(await api().registry.GET("/v1/stats/summary", { params: { query: sgg_code ? { sgg_code } : {} } }));
}

/** One call for the city and the per-borough money, then one per borough for the participation shares. */
async function loadDashboard(): Promise<{ city: Stats; rows: BoroughRow[] }> {
  const city = await loadStats();
  const perBorough = await Promise.all(DISTRICTS.map((d) => loadStats(d.code).catch(() => null)));
  const rows = DISTRICTS.map((d, i) => {
    const b = city.by_borough.find((x) => x.key === d.code);
    const s = perBorough[i];
    return {
      code: d.code,
      projects: b?.project_count ?? 0,
      totalKrw: b?.total_krw ?? 0,
      smgShare: b && b.project_count ? b.smg_grant_project_count / b.project_count : 0,
      publicLedShare: s ? s.tokenism.public_led_share : null,
      tokenismShare: s ? s.tokenism.tokenism_risk_share : null,
    };
  });
  return { city, rows };
}

export function Dashboard() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { data, problem, loading } = useLoad(loadDashboard, []);
  const [metric, setMetric] = useState<"projects" | "totalKrw" | "smgShare">("projects");
  const tiles = useMemo(() => {
    const out: Record<string, TileValue> = {};
    for (const r of data?.rows ?? []) {
      const value = r[metric];
      out[r.code] = {
        value,
        label: metric === "projects" ? count(value, lang) : metric === "totalKrw" ? won(value, lang) : percent(value, lang),
      };
    }
    return out;
  }, [data, metric, lang]);

  return (
    <>
      <h1>{t("dashboard.title")}</h1>
      <p className="lead">{t("dashboard.lead")}</p>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && (
        <>
          <section aria-labelledby="city-figures">
            <h2 id="city-figures">{t("dashboard.cityFigures")}</h2>
            <dl className="figures">
              <div>
                <dt>{t("dashboard.projects")}</dt>
                <dd data-testid="fig-projects">{count(data.city.project_count, lang)}</dd>
              </div>
              <div>
                <dt>{t("dashboard.money")}</dt>
                <dd data-testid="fig-money" title={wonExact(data.city.total_krw, lang)}>
                  {won(data.city.total_krw, lang)}
                </dd>
              </div>
              <div>
                <dt>{t("dashboard.smgProjects")}</dt>
                <dd data-testid="fig-smg">{count(data.city.smg_grant_project_count, lang)}</dd>
              </div>
              <div>
                <dt>{t("dashboard.smgShare")}</dt>
                <dd data-testid="fig-smg-share">{percent(data.city.smg_grant_project_share, lang)}</dd>
              </div>
              <div>
                <dt>{t("dashboard.publicLed")}</dt>
                <dd>{percent(data.city.tokenism.public_led_share, lang)}</dd>
              </div>
              <div>
                <dt>{t("dashboard.tokenism")}</dt>
                <dd>{percent(data.city.tokenism.tokenism_risk_share, lang)}</dd>
              </div>
            </dl>
          </section>
          <section aria-labelledby="borough-compare">
            <h2 id="borough-compare">{t("dashboard.compareTitle")}</h2>
            <fieldset className="metric-picker">
              <legend>{t("dashboard.metric")}</legend>
              {(["projects", "totalKrw", "smgShare"] as const).map((m) => (
                <label key={m}>
                  <input type="radio" name="metric" value={m} checked={metric === m} onChange={() => setMetric(m)} />
                  {t(`dashboard.col.${m}`)}
                </label>
              ))}
            </fieldset>
            <BoroughGrid values={tiles} caption={t("dashboard.gridCaption", { metric: t(`dashboard.col.${metric}`) })} />
            <BoroughTable rows={data.rows} />
            <p>
              <Link to="/compare">{t("dashboard.compareLink")}</Link>
            </p>
          </section>
        </>
      )}
    </>
  );
}

export function BoroughTable({ rows }: { rows: BoroughRow[] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: "projects", desc: true });
  const sorted = useMemo(() => {
    const value = (r: BoroughRow) => (sort.key === "name" ? districtName(r.code, lang) : (r[sort.key] ?? -1));
    return [...rows].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const c = typeof x === "string" ? x.localeCompare(String(y), lang) : (x as number) - (y as number);
      return sort.desc ? -c : c;
    });
  }, [rows, sort, lang]);
  const cols: SortKey[] = ["name", "projects", "totalKrw", "smgShare", "publicLedShare", "tokenismShare"];
  return (
    <table className="data" data-testid="borough-table">
      <caption>{t("dashboard.tableCaption")}</caption>
      <thead>
        <tr>
          {cols.map((c) => (
            <th
              key={c}
              scope="col"
              aria-sort={sort.key === c ? (sort.desc ? "descending" : "ascending") : "none"}
            >
              <button type="button" onClick={() => setSort((s) => ({ key: c, desc: s.key === c ? !s.desc : c !== "name" }))}>
                {t(`dashboard.col.${c}`)}
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => (
          <tr key={r.code}>
            <th scope="row">
              <Link to={`/boroughs/${r.code}`}>{districtName(r.code, lang)}</Link>
            </th>
            <td>{count(r.projects, lang)}</td>
            <td title={wonExact(r.totalKrw, lang)}>{won(r.totalKrw, lang)}</td>
            <td>{percent(r.smgShare, lang)}</td>
            <td>{percent(r.publicLedShare, lang)}</td>
            <td>{percent(r.tokenismShare, lang)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
