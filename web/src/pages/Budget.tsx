// The budget cycle on the budget service: a borough's fiscal-year cycles, opening one, its legal
// deadlines (bill to the council, enactment, provisional budget, settlement) with days left, and the
// moves to the next state with their legal date. Refused moves show the service's detail by the field.
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, asProblem, ifMatch, seoulToday, unwrap, type ProblemDetail } from "../lib/api";
import type { components } from "../api/budget";
import { useLoad } from "../lib/useLoad";
import { seoulDate, seoulDateTime } from "../lib/format";
import { districtName } from "../lib/districts";
import { useSession } from "../lib/session";
import { FieldMessage, Loading, ProblemBox } from "../components/Problem";
import { RequireSignIn } from "../components/RequireSignIn";

type CycleRead = components["schemas"]["CycleRead"];
type CycleStatus = components["schemas"]["CycleStatus"];

const fe = (field: string) => `err-${field.replace(/\./g, "-")}`;

export function BudgetCycles() {
  return (
    <RequireSignIn roles={["borough_officer"]}>
      <CycleList />
    </RequireSignIn>
  );
}

function CycleList() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const session = useSession();
  const sgg = session?.sgg_code ?? "11200";
  const { data, problem, loading } = useLoad(
    async () => unwrap(await api().budget.GET("/v1/cycles", { params: { query: { sgg_code: sgg, limit: 50 } } })).items,
    [sgg],
  );
  return (
    <>
      <h1>{t("budget.title")}</h1>
      <p className="lead">{t("budget.lead", { name: districtName(sgg, lang) })}</p>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && (
        <table className="data" data-testid="cycle-list">
          <caption>{t("budget.cycles", { n: data.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("budget.fiscalYear")}</th>
              <th scope="col">{t("budget.cycleTitle")}</th>
              <th scope="col">{t("budget.status")}</th>
            </tr>
          </thead>
          <tbody>
            {data.map((c) => (
              <tr key={c.id}>
                <th scope="row">
                  <Link to={`/console/budget/${c.id}`}>{t("budget.year", { year: c.fiscal_year })}</Link>
                </th>
                <td>{c.title_ko}</td>
                <td>{t(`cycleStatus.${c.status}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <OpenCycle sgg={sgg} />
    </>
  );
}

function OpenCycle({ sgg }: { sgg: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [year, setYear] = useState(String(Number(seoulToday().slice(0, 4)) + 1));
  const [title, setTitle] = useState("");
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setProblem(null);
    try {
      const cycle = unwrap(
        await api().budget.POST("/v1/cycles", {
          body: { sgg_code: sgg, fiscal_year: Number(year), title_ko: title },
        }),
      );
      navigate(`/console/budget/${cycle.id}`);
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  return (
    <section aria-labelledby="open-cycle">
      <h2 id="open-cycle">{t("budget.open")}</h2>
      <ProblemBox problem={problem} shownFields={["body.fiscal_year", "body.title_ko"]} />
      <form className="stack" onSubmit={submit}>
        <label>
          {t("budget.fiscalYear")}
          <input name="fiscal_year" inputMode="numeric" value={year} onChange={(e) => setYear(e.target.value)} aria-describedby={fe("body.fiscal_year")} />
          <FieldMessage id={fe("body.fiscal_year")} problem={problem} field="body.fiscal_year" />
        </label>
        <label>
          {t("budget.cycleTitle")}
          <input name="title_ko" value={title} onChange={(e) => setTitle(e.target.value)} aria-describedby={fe("body.title_ko")} />
          <FieldMessage id={fe("body.title_ko")} problem={problem} field="body.title_ko" />
        </label>
        <button type="submit">{t("budget.openSubmit")}</button>
      </form>
    </section>
  );
}

export function BudgetCycle() {
  const { id = "" } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const session = useSession();
  const { data, problem, loading, reload } = useLoad(async () => {
    const path = { cycle_id: id };
    const [cycle, calendar] = await Promise.all([
      api().budget.GET("/v1/cycles/{cycle_id}", { params: { path } }).then(unwrap),
      api().budget.GET("/v1/cycles/{cycle_id}/calendar", { params: { path } }).then(unwrap),
    ]);
    return { cycle, calendar };
  }, [id]);
  const writer = !!session && (session.role === "smg_admin" || (session.role === "borough_officer" && session.sgg_code === data?.cycle.sgg_code));
  return (
    <>
      <p>
        <Link to="/console/budget">{t("budget.back")}</Link>
      </p>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && (
        <>
          <h1>
            {data.cycle.title_ko || t("budget.year", { year: data.cycle.fiscal_year })} · {districtName(data.cycle.sgg_code, lang)}
          </h1>
          <p>
            {t("budget.status")}: <strong data-testid="cycle-status">{t(`cycleStatus.${data.cycle.status}`)}</strong>
            {data.calendar.provisional_budget_in_force && <> · {t("budget.provisional")}</>}
          </p>
          {data.calendar.warnings.length > 0 && (
            <ul className="warning">
              {data.calendar.warnings.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          )}
          <table className="data" data-testid="deadlines">
            <caption>{t("budget.deadlines", { date: seoulDate(data.calendar.as_of, lang) })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("budget.step")}</th>
                <th scope="col">{t("budget.due")}</th>
                <th scope="col">{t("budget.metOn")}</th>
                <th scope="col">{t("budget.daysLeft")}</th>
                <th scope="col">{t("budget.deadlineState")}</th>
              </tr>
            </thead>
            <tbody>
              {data.calendar.deadlines.map((d) => (
                <tr key={d.key} className={d.warning ? "row-warning" : undefined}>
                  <th scope="row">{lang.startsWith("ko") ? d.label_ko : d.label_en || d.label_ko}</th>
                  <td>{seoulDate(d.due, lang)}</td>
                  <td>{seoulDate(d.met_on, lang)}</td>
                  <td>{d.met_on ? "–" : d.days_left < 0 ? t("budget.overdueBy", { n: -d.days_left }) : t("budget.days", { n: d.days_left })}</td>
                  <td>{t(`deadlineState.${d.state}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {writer && <CycleMove cycle={data.cycle} onDone={reload} />}
          <h2>{t("budget.history")}</h2>
          <table className="data" data-testid="cycle-history">
            <thead>
              <tr>
                <th scope="col">{t("budget.effectiveOn")}</th>
                <th scope="col">{t("budget.move")}</th>
                <th scope="col">{t("budget.recordedAt")}</th>
                <th scope="col">{t("budget.note")}</th>
              </tr>
            </thead>
            <tbody>
              {data.calendar.transitions.map((tr, i) => (
                <tr key={i}>
                  <td>{seoulDate(tr.effective_on, lang)}</td>
                  <td>
                    {tr.from_status ? t(`cycleStatus.${tr.from_status}`) : "–"} → {t(`cycleStatus.${tr.to_status}`)}
                  </td>
                  <td>{seoulDateTime(tr.at, lang)}</td>
                  <td>{tr.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

function CycleMove({ cycle, onDone }: { cycle: CycleRead; onDone: () => void }) {
  const { t } = useTranslation();
  const [to, setTo] = useState<CycleStatus | "">(cycle.allowed_transitions[0] ?? "");
  const [on, setOn] = useState(seoulToday());
  const [note, setNote] = useState("");
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  if (cycle.allowed_transitions.length === 0) return <p>{t("budget.final")}</p>;
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!to) return;
    setProblem(null);
    try {
      unwrap(
        await api().budget.POST("/v1/cycles/{cycle_id}/transitions", {
          params: { path: { cycle_id: cycle.id }, header: { "If-Match": ifMatch(cycle.version) } },
          body: { to, effective_on: on || null, note },
        }),
      );
      setNote("");
      onDone();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  return (
    <section aria-labelledby="move">
      <h2 id="move">{t("budget.moveTitle")}</h2>
      <ProblemBox problem={problem} shownFields={["body.to", "body.effective_on", "body.note"]} />
      <form className="stack" onSubmit={submit} data-testid="cycle-move">
        <label htmlFor="cycle-to">{t("budget.next")}</label>
        <div className="field">
          <select id="cycle-to" name="to" value={to} onChange={(e) => setTo(e.target.value as CycleStatus)} aria-describedby={fe("body.to")}>
            {cycle.allowed_transitions.map((s) => (
              <option key={s} value={s}>
                {t(`cycleStatus.${s}`)}
              </option>
            ))}
          </select>
          <FieldMessage id={fe("body.to")} problem={problem} field="body.to" />
        </div>
        <label>
          {t("budget.effectiveOn")}
          <input type="date" name="effective_on" value={on} onChange={(e) => setOn(e.target.value)} aria-describedby={fe("body.effective_on")} />
          <FieldMessage id={fe("body.effective_on")} problem={problem} field="body.effective_on" />
        </label>
        <label>
          {t("budget.note")}
          <input name="note" value={note} onChange={(e) => setNote(e.target.value)} aria-describedby={fe("body.note")} />
          <FieldMessage id={fe("body.note")} problem={problem} field="body.note" />
        </label>
        <button type="submit">{t("budget.moveSubmit")}</button>
      </form>
    </section>
  );
}
