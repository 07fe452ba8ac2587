import { useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useLoad } from "../lib/useLoad";
import { count, percent, won } from "../lib/format";
import { DISTRICTS, districtName } from "../lib/districts";
import { loadStats } from "./Dashboard";
import { Loading, ProblemBox } from "../components/Problem";

/** Two boroughs side by side (the analyst's view). */
export function Compare() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [params, setParams] = useSearchParams();
  const a = params.get("a") ?? "11200";
  const b = params.get("b") ?? "11680";
  const { data, problem, loading } = useLoad(() => Promise.all([loadStats(a), loadStats(b)]), [a, b]);
  const pick = (key: "a" | "b", value: string) => {
    const next = new URLSearchParams(params);
    next.set(key, value);
    setParams(next);
  };
  const rows: [string, (s: Awaited<ReturnType<typeof loadStats>>) => string][] = [
    [t("dashboard.projects"), (s) => count(s.project_count, lang)],
    [t("dashboard.money"), (s) => won(s.total_krw, lang)],
    [t("dashboard.smgProjects"), (s) => count(s.smg_grant_project_count, lang)],
    [t("dashboard.smgShare"), (s) => percent(s.smg_grant_project_share, lang)],
    [t("dashboard.publicLed"), (s) => percent(s.tokenism.public_led_share, lang)],
    [t("dashboard.tokenism"), (s) => percent(s.tokenism.tokenism_risk_share, lang)],
  ];
  return (
    <>
      <h1>{t("compare.title")}</h1>
      <form className="inline" onSubmit={(e) => e.preventDefault()}>
        {(["a", "b"] as const).map((key) => (
          <label key={key}>
            {t(`compare.${key}`)}
            <select value={key === "a" ? a : b} onChange={(e) => pick(key, e.target.value)} name={key}>
              {DISTRICTS.map((d) => (
                <option key={d.code} value={d.code}>
                  {districtName(d.code, lang)}
                </option>
              ))}
            </select>
          </label>
        ))}
      </form>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && (
        <table className="data" data-testid="compare-table">
          <thead>
            <tr>
              <th scope="col">{t("compare.measure")}</th>
              <th scope="col">{districtName(a, lang)}</th>
              <th scope="col">{districtName(b, lang)}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, f]) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                <td>{f(data[0])}</td>
                <td>{f(data[1])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
