import { Link, useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../lib/api";
import { useLoad } from "../lib/useLoad";
import { seoulDate, won } from "../lib/format";
import { districtName } from "../lib/districts";
import { Loading, ProblemBox } from "../components/Problem";
import { useSession } from "../lib/session";
import { canWritePlan, PlanWorkflow } from "./PlanWorkflow";

const ADOPTED = ["ADOPTED", "IN_EXECUTION", "EVALUATED"] as const;

export function Plans() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { data, problem, loading } = useLoad(async () => {
    const pages = await Promise.all(
      ADOPTED.map((state) => api().planning.GET("/v1/plans", { params: { query: { state, limit: 100 } } }).then(unwrap)),
    );
    return pages.flatMap((p) => p.items);
  }, []);
  return (
    <>
      <h1>{t("plans.title")}</h1>
      <p className="lead">{t("plans.lead")}</p>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && data.length === 0 && <p>{t("plans.none")}</p>}
      {data && data.length > 0 && (
        <ul className="cards">
          {data.map((p) => (
            <li key={p.id} className="card">
              <h2>
                <Link to={`/plans/${p.id}`}>{lang.startsWith("ko") ? p.title_ko : p.title_en || p.title_ko}</Link>
              </h2>
              <p>
                {districtName(p.sgg_code, lang)} · {t(`planState.${p.state}`)} · {t("plans.items", { n: p.item_count })} ·{" "}
                {t("plans.adoptedOn", { date: seoulDate(p.adopted_at, lang) })}
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function PlanDetail() {
  const { id = "" } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const session = useSession();
  const { data, problem, loading, reload } = useLoad(async () => {
    const [plan, items] = await Promise.all([
      api().planning.GET("/v1/plans/{plan_id}", { params: { path: { plan_id: id } } }).then(unwrap),
      api().planning.GET("/v1/plans/{plan_id}/items", { params: { path: { plan_id: id } } }).then(unwrap),
    ]);
    return { plan, items: items.items };
  }, [id]);
  return (
    <>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && (
        <>
          <h1>{lang.startsWith("ko") ? data.plan.title_ko : data.plan.title_en || data.plan.title_ko}</h1>
          <p>
            {districtName(data.plan.sgg_code, lang)} · {t(`planState.${data.plan.state}`)} ·{" "}
            {t("plans.adoptedOn", { date: seoulDate(data.plan.adopted_at, lang) })}
          </p>
          {canWritePlan(session, data.plan.sgg_code) && <PlanWorkflow plan={data.plan} onDone={reload} />}
          <h2>{t("plans.itemsTitle")}</h2>
          <table className="data">
            <thead>
              <tr>
                <th scope="col">{t("plans.item")}</th>
                <th scope="col">{t("plans.origin")}</th>
                <th scope="col">{t("plans.requested")}</th>
                <th scope="col">{t("plans.funded")}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((it) => (
                <tr key={it.id}>
                  <th scope="row">
                    {it.title_ko}
                    <div className="muted">{it.description}</div>
                  </th>
                  <td>{t(`origin.${it.origin}`, { defaultValue: it.origin })}</td>
                  <td>{won(it.requested_total_krw, lang)}</td>
                  <td>{it.funded ? won(it.funded_krw, lang) : t("common.no")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
