import { Link, useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../lib/api";
import { useLoad } from "../lib/useLoad";
import { count, percent, won, wonExact } from "../lib/format";
import { BY_CODE, districtName } from "../lib/districts";
import { loadStats } from "./Dashboard";
import { Loading, ProblemBox } from "../components/Problem";

async function loadBorough(code: string) {
  const [stats, fragmentation, plans, elections, committees] = await Promise.all([
    loadStats(code),
    api().registry.GET("/v1/boroughs/{sgg_code}/fragmentation", { params: { path: { sgg_code: code } } }).then(unwrap),
    api().planning.GET("/v1/plans", { params: { query: { sgg_code: code, limit: 20 } } }).then(unwrap),
    api().budget.GET("/v1/elections", { params: { query: { sgg_code: code, limit: 20 } } }).then(unwrap),
    api().committee.GET("/v1/committees", { params: { query: { sgg_code: code, limit: 5 } } }).then(unwrap),
  ]);
  return { stats, fragmentation, plans: plans.items, elections: elections.items, committees: committees.items };
}

export function Borough() {
  const { code = "" } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { data, problem, loading } = useLoad(() => loadBorough(code), [code]);
  if (!BY_CODE[code]) return <ProblemBox problem={{ type: "about:blank", title: t("borough.unknown"), status: 404, detail: code }} />;
  return (
    <>
      <p>
        <Link to="/">{t("nav.dashboard")}</Link> › {districtName(code, lang)}
      </p>
      <h1>{t("borough.title", { name: districtName(code, lang) })}</h1>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && (
        <>
          <dl className="figures">
            <div>
              <dt>{t("dashboard.projects")}</dt>
              <dd>{count(data.stats.project_count, lang)}</dd>
            </div>
            <div>
              <dt>{t("dashboard.money")}</dt>
              <dd title={wonExact(data.stats.total_krw, lang)}>{won(data.stats.total_krw, lang)}</dd>
            </div>
            <div>
              <dt>{t("dashboard.smgShare")}</dt>
              <dd>{percent(data.stats.smg_grant_project_share, lang)}</dd>
            </div>
            <div>
              <dt>{t("dashboard.publicLed")}</dt>
              <dd>{percent(data.stats.tokenism.public_led_share, lang)}</dd>
            </div>
            <div>
              <dt>{t("dashboard.tokenism")}</dt>
              <dd>{percent(data.stats.tokenism.tokenism_risk_share, lang)}</dd>
            </div>
            <div>
              <dt>{t("borough.clusters")}</dt>
              <dd>
                {count(data.fragmentation.cluster_count, lang)} ({percent(data.fragmentation.clustered_krw_share, lang)})
              </dd>
            </div>
          </dl>
          <section aria-labelledby="by-origin">
            <h2 id="by-origin">{t("borough.byOrigin")}</h2>
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">{t("borough.origin")}</th>
                  <th scope="col">{t("dashboard.col.projects")}</th>
                  <th scope="col">{t("dashboard.col.totalKrw")}</th>
                </tr>
              </thead>
              <tbody>
                {data.stats.by_origin.map((b) => (
                  <tr key={String(b.key)}>
                    <th scope="row">{(lang.startsWith("ko") ? b.label_ko : b.label_en) ?? String(b.key)}</th>
                    <td>{count(b.project_count, lang)}</td>
                    <td>{won(b.total_krw, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="plans">
            <h2 id="plans">{t("borough.plans")}</h2>
            {data.plans.length === 0 ? (
              <p>{t("common.none")}</p>
            ) : (
              <ul>
                {data.plans.map((p) => (
                  <li key={p.id}>
                    <Link to={`/plans/${p.id}`}>{lang.startsWith("ko") ? p.title_ko : p.title_en || p.title_ko}</Link> —{" "}
                    {t(`planState.${p.state}`)}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="elections">
            <h2 id="elections">{t("borough.elections")}</h2>
            {data.elections.length === 0 ? (
              <p>{t("common.none")}</p>
            ) : (
              <ul>
                {data.elections.map((e) => (
                  <li key={e.id}>
                    <Link to={`/elections/${e.id}`}>{e.title_ko}</Link> — {t(`election.status.${e.status}`, { defaultValue: e.status })},{" "}
                    {t("election.ballots", { n: e.ballot_count })}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="committees">
            <h2 id="committees">{t("borough.committee")}</h2>
            {data.committees.length === 0 ? (
              <p>{t("common.none")}</p>
            ) : (
              <ul>
                {data.committees.map((c) => (
                  <li key={c.id}>
                    <Link to={`/committees/${c.id}`}>{lang.startsWith("ko") ? c.name_ko : c.name_en || c.name_ko}</Link>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </>
  );
}
