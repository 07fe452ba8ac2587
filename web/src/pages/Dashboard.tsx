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
  overlapShare: number | null;
  civilianSeatShare: number | null;
  civilianVoteShare: number | null;
  residentItemShare: number | null;
  pbTurnout: number | null;
}

type SortKey = keyof Omit<BoroughRow, "code"> | "name";

export async function loadStats(sgg_code?: string): Promise<Stats> {
  return unwrap(await api().registry.GET("/v1/stats/summary", { params: { query: sgg_code ? { sgg_code } : {} } }));
}

/** Five calls in all: the city summary, and each service's 25-row /v1/boroughs table. */
async function loadDashboard(): Promise<{ city: Stats; rows: BoroughRow[] }> {
  const c = api();
  const [city, registry, committee, planning, budget] = await Promise.all([
    loadStats(),
    c.registry.GET("/v1/boroughs").then(unwrap),
    c.committee.GET("/v1/boroughs").then(unwrap).catch(() => null),
    c.planning.GET("/v1/boroughs").then(unwrap).catch(() => null),
    c.budget.GET("/v1/boroughs", { params: { query: {} } }).then(unwrap).catch(() => null),
  ]);
  const by = <T extends { sgg_code: string }>(rows: T[] | undefined) =>
    Object.fromEntries((rows ?? []).map((r) => [r.sgg_code, r])) as Record<string, T | undefined>;
  const reg = by(registry.rows);
  const com = by(committee?.rows);
  const pla = by(planning?.rows);
  const bud = by(budget?.rows);
  const rows = DISTRICTS.map((d) => {
    const r = reg[d.code];
    const m = com[d.code];
    return {
      code: d.code,
      projects: r?.project_count ?? 0,
      totalKrw: r?.total_krw ?? 0,
      smgShare: r?.smg_grant_krw_share ?? 0,
      publicLedShare: r?.public_led_share ?? null,
      tokenismShare: r?.tokenism_risk_share ?? null,
      overlapShare: r?.overlap_krw_share ?? null,
      civilianSeatShare: m && m.seated_count > 0 ? m.civilian_seat_share : null,
      civilianVoteShare: m && m.vote_count > 0 ? m.civilian_vote_share : null,
      residentItemShare: pla[d.code] && pla[d.code]!.item_count > 0 ? pla[d.code]!.resident_led_item_share : null,
      pbTurnout: bud[d.code] && bud[d.code]!.election_count > 0 ? bud[d.code]!.pb_turnout : null,
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
  const cols: SortKey[] = [
    "name",
    "projects",
    "totalKrw",
    "smgShare",
    "publicLedShare",
    "tokenismShare",
    "overlapShare",
    "civilianSeatShare",
    "civilianVoteShare",
    "residentItemShare",
    "pbTurnout",
  ];
  return (
    <div className="scroll" tabIndex={0} role="region" aria-label={t("dashboard.tableCaption")}>
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
            <td>{percent(r.overlapShare, lang)}</td>
            <td>{percent(r.civilianSeatShare, lang)}</td>
            <td>{percent(r.civilianVoteShare, lang)}</td>
            <td>{percent(r.residentItemShare, lang)}</td>
            <td>{r.pbTurnout === null ? "–" : percent(r.pbTurnout, lang, 3)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}
