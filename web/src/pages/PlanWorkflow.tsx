// The plan workflow on the planning service, for the borough's officers: the plan's state, every move
// the state machine allows from it (with the guard the service checks), the manual moves and the
// submission to the committee as forms, and the workflow history. Moves made by events (the committee's
// decision, the evaluation) are shown, not offered. A refused move shows the service's 409/422 detail
// (in Korean: a guard's reasons are part of it).
import { useState } from "react";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, asProblem, ifMatch, unwrap, type ProblemDetail } from "../lib/api";
import type { components } from "../api/planning";
import { useLoad } from "../lib/useLoad";
import { seoulDateTime } from "../lib/format";
import { districtName } from "../lib/districts";
import { useSession, type Session } from "../lib/session";
import { FieldMessage, Loading, ProblemBox } from "../components/Problem";
import { RequireSignIn } from "../components/RequireSignIn";

type PlanRead = components["schemas"]["PlanRead"];
type MoveRead = components["schemas"]["MoveRead"];


export function canWritePlan(session: Session | null, sggCode: string): boolean {
  if (!session) return false;
  return session.role === "smg_admin" || (session.role === "borough_officer" && session.sgg_code === sggCode);
}

function MoveForm({ plan, move, onDone }: { plan: PlanRead; move: MoveRead; onDone: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const submitting = move.trigger === "submit";
  const field = submitting ? "body.note" : "body.reason";
  const inputId = `move-${move.to}`;
  const errorId = `err-${move.to}-${field.replace(/\./g, "-")}`; // one form per move: ids stay unique
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setProblem(null);
    try {
      const header = { "If-Match": ifMatch(plan.version) };
      const path = { plan_id: plan.id };
      if (submitting) {
        unwrap(await api().planning.POST("/v1/plans/{plan_id}/submit", { params: { path, header }, body: { note: text } }));
      } else {
        unwrap(await api().planning.POST("/v1/plans/{plan_id}/transitions", { params: { path, header }, body: { to: move.to, reason: text } }));
      }
      setText("");
      onDone();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  const target = t(`planState.${move.to}`);
  return (
    <form className="card stack" onSubmit={submit} data-testid={`move-${move.to}`}>
      <h3>{submitting ? t("workflow.submitTitle") : t("workflow.moveTitle", { state: target })}</h3>
      <p className="muted">
        {t("workflow.guard")}: <span lang="en">{move.guard}</span>
      </p>
      <ProblemBox problem={problem} shownFields={[field]} />
      <label htmlFor={inputId}>{submitting ? t("workflow.note") : t("workflow.reason")}</label>
      <input id={inputId} name={field} value={text} onChange={(e) => setText(e.target.value)} aria-describedby={errorId} />
      <FieldMessage id={errorId} problem={problem} field={field} />
      <button type="submit">{submitting ? t("workflow.submit") : t("workflow.move", { state: target })}</button>
    </form>
  );
}

/** The workflow panel of one plan (PlanDetail shows it to the borough's officers). */
export function PlanWorkflow({ plan, onDone }: { plan: PlanRead; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const history = useLoad(
    async () =>
      unwrap(await api().planning.GET("/v1/plans/{plan_id}/transitions", { params: { path: { plan_id: plan.id }, query: { limit: 100 } } }))
        .items,
    [plan.id, plan.version],
  );
  const manual = plan.allowed_moves.filter((m) => m.trigger === "manual" || m.trigger === "submit");
  const automatic = plan.allowed_moves.filter((m) => !(m.trigger === "manual" || m.trigger === "submit"));
  return (
    <section aria-labelledby="workflow" data-testid="plan-workflow">
      <h2 id="workflow">{t("workflow.title")}</h2>
      <p>
        {t("workflow.current")}: <strong data-testid="plan-state">{t(`planState.${plan.state}`)}</strong>
      </p>
      {plan.allowed_moves.length === 0 && <p>{t("workflow.final")}</p>}
      {manual.map((m) => (
        <MoveForm key={`${m.to}-${m.trigger}-${plan.version}`} plan={plan} move={m} onDone={onDone} />
      ))}
      {automatic.length > 0 && (
        <ul>
          {automatic.map((m) => (
            <li key={`${m.to}-${m.trigger}`}>
              {t("workflow.byEvent", { state: t(`planState.${m.to}`), trigger: t(`trigger.${m.trigger}`, { defaultValue: m.trigger }) })}
            </li>
          ))}
        </ul>
      )}
      <h3>{t("workflow.history")}</h3>
      {history.loading && !history.data && <Loading />}
      {history.data && (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">{t("workflow.at")}</th>
              <th scope="col">{t("workflow.moveCol")}</th>
              <th scope="col">{t("workflow.reason")}</th>
            </tr>
          </thead>
          <tbody>
            {history.data.map((tr) => (
              <tr key={tr.id}>
                <td>{seoulDateTime(tr.at, lang)}</td>
                <td>
                  {tr.from_state ? t(`planState.${tr.from_state}`) : "–"} → {t(`planState.${tr.to_state}`)}
                </td>
                <td>{tr.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The borough's plans in every state, for its officers (the public list shows adopted plans only). */
export function ConsolePlans() {
  return (
    <RequireSignIn roles={["borough_officer"]}>
      <PlanList />
    </RequireSignIn>
  );
}

function PlanList() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const session = useSession();
  const sgg = session?.sgg_code ?? "11200";
  const { data, problem, loading } = useLoad(
    async () => unwrap(await api().planning.GET("/v1/plans", { params: { query: { sgg_code: sgg, limit: 100 } } })).items,
    [sgg],
  );
  return (
    <>
      <h1>{t("workflow.listTitle", { name: districtName(sgg, lang) })}</h1>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && (
        <table className="data" data-testid="console-plans">
          <thead>
            <tr>
              <th scope="col">{t("plans.item")}</th>
              <th scope="col">{t("workflow.current")}</th>
              <th scope="col">{t("workflow.itemCount")}</th>
            </tr>
          </thead>
          <tbody>
            {data.map((p) => (
              <tr key={p.id}>
                <th scope="row">
                  <Link to={`/plans/${p.id}`}>{p.title_ko}</Link>
                </th>
                <td>{t(`planState.${p.state}`)}</td>
                <td>{p.item_count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
