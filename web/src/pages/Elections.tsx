import { useMemo, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, ProblemError, unwrap, type ProblemDetail } from "../lib/api";
import type { components } from "../api/budget";
import { useLoad } from "../lib/useLoad";
import { seoulDateTime, won, wonExact } from "../lib/format";
import { districtName } from "../lib/districts";
import { useSession } from "../lib/session";
import { Loading, ProblemBox } from "../components/Problem";
import { RequireSignIn } from "../components/RequireSignIn";

type Election = components["schemas"]["ElectionRead"];
type Project = components["schemas"]["ElectionProjectRead"];
export type Explanation = {
  project_id: string;
  selected: boolean;
  reason_code: string;
  cost: number;
  support: number;
  text_ko: string;
  text_en: string;
};

export function Elections() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const session = useSession();
  const { data, problem, loading } = useLoad(
    async () =>
      unwrap(
        await api().budget.GET("/v1/elections", {
          params: { query: { limit: 100, ...(session?.sgg_code ? { sgg_code: session.sgg_code } : {}) } },
        }),
      ).items,
    [session?.sgg_code],
  );
  return (
    <>
      <h1>{t("election.listTitle")}</h1>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && data.length === 0 && <p>{t("election.none")}</p>}
      <ul className="cards">
        {data?.map((e) => (
          <li key={e.id} className="card">
            <h2>
              <Link to={`/elections/${e.id}`}>{lang.startsWith("ko") ? e.title_ko : e.title_en || e.title_ko}</Link>
            </h2>
            <p>
              {districtName(e.sgg_code, lang)} · {t(`election.status.${e.status}`, { defaultValue: e.status })} · {t("election.budget")}{" "}
              {won(e.budget_krw, lang)} · {t("election.ballots", { n: e.ballot_count })}
            </p>
          </li>
        ))}
      </ul>
    </>
  );
}

/** Client-side check of the election's rules, before anything is sent: the messages to show, if any. */
export function ballotProblems(
  election: Pick<Election, "ballot_type" | "min_length" | "max_length" | "max_points_total" | "max_points_per_project" | "budget_krw">,
  projects: Project[],
  chosen: string[],
  points: Record<string, number>,
  t: (k: string, o?: Record<string, unknown>) => string,
): string[] {
  const out: string[] = [];
  if (chosen.length < Math.max(1, election.min_length)) out.push(t("ballot.tooFew", { n: Math.max(1, election.min_length) }));
  if (election.max_length != null && chosen.length > election.max_length) out.push(t("ballot.tooMany", { n: election.max_length }));
  if (election.ballot_type === "cumulative") {
    const total = chosen.reduce((s, k) => s + (points[k] ?? 0), 0);
    if (election.max_points_total != null && total > election.max_points_total)
      out.push(t("ballot.pointsTotal", { n: election.max_points_total }));
    const per = election.max_points_per_project;
    if (per != null && chosen.some((k) => (points[k] ?? 0) > per)) out.push(t("ballot.pointsPer", { n: per }));
    if (chosen.some((k) => (points[k] ?? 0) < 1)) out.push(t("ballot.pointsMin"));
  }
  const cost = projects.filter((p) => chosen.includes(p.project_key)).reduce((s, p) => s + p.cost_krw, 0);
  if (election.ballot_type === "approval" && cost > election.budget_krw) out.push(t("ballot.overBudget"));
  return out;
}

async function loadElection(id: string) {
  const election = unwrap(await api().budget.GET("/v1/elections/{election_id}", { params: { path: { election_id: id } } }));
  // Each project's description comes from the plan item its budget request was opened from.
  const descriptions: Record<string, string> = {};
  await Promise.all(
    election.projects.map(async (p) => {
      if (!p.request_id) return;
      try {
        const req = unwrap(await api().budget.GET("/v1/requests/{request_id}", { params: { path: { request_id: p.request_id } } }));
        if (!req.plan_item_id) return;
        const item = unwrap(await api().planning.GET("/v1/items/{item_id}", { params: { path: { item_id: req.plan_item_id } } }));
        descriptions[p.project_key] = item.description;
      } catch {
        /* the description is a courtesy; the ballot works without it */
      }
    }),
  );
  let outcome: components["schemas"]["OutcomeRead"] | null = null;
  if (election.status !== "open") {
    const got = await api().budget.GET("/v1/elections/{election_id}/outcome", { params: { path: { election_id: id } } });
    outcome = got.data ?? null;
  }
  return { election, descriptions, outcome };
}

export function Ballot() {
  const { id = "" } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { data, problem, loading, reload } = useLoad(() => loadElection(id), [id]);
  return (
    <>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && (
        <>
          <h1>{lang.startsWith("ko") ? data.election.title_ko : data.election.title_en || data.election.title_ko}</h1>
          <p>
            {districtName(data.election.sgg_code, lang)} · {t(`election.status.${data.election.status}`, { defaultValue: data.election.status })} ·{" "}
            {t(`ballotType.${data.election.ballot_type}`)} · {t("election.budget")}{" "}
            <span title={wonExact(data.election.budget_krw, lang)}>{won(data.election.budget_krw, lang)}</span>
          </p>
          {data.election.status === "open" ? (
            <RequireSignIn roles={["resident"]}>
              <BallotForm election={data.election} descriptions={data.descriptions} onCast={reload} />
            </RequireSignIn>
          ) : (
            data.outcome && <Outcome election={data.election} outcome={data.outcome} />
          )}
        </>
      )}
    </>
  );
}

function BallotForm({
  election,
  descriptions,
  onCast,
}: {
  election: Election;
  descriptions: Record<string, string>;
  onCast: () => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [chosen, setChosen] = useState<string[]>([]);
  const [points, setPoints] = useState<Record<string, number>>({});
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const [checked, setChecked] = useState<string[] | null>(null);
  const mine = useLoad(async () => {
    const got = await api().budget.GET("/v1/elections/{election_id}/ballots/me", { params: { path: { election_id: election.id } } });
    return got.data ?? null;
  }, [election.id]);
  const spent = useMemo(
    () => election.projects.filter((p) => chosen.includes(p.project_key)).reduce((s, p) => s + p.cost_krw, 0),
    [chosen, election.projects],
  );
  const left = election.budget_krw - spent;
  const toggle = (key: string) => {
    setChecked(null);
    setChosen((c) => (c.includes(key) ? c.filter((k) => k !== key) : [...c, key]));
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const issues = ballotProblems(election, election.projects, chosen, points, (k, o) => t(k, o));
    setChecked(issues);
    if (issues.length) return;
    try {
      unwrap(
        await api().budget.POST("/v1/elections/{election_id}/ballots", {
          params: { path: { election_id: election.id } },
          body: {
            choices: chosen,
            points: election.ballot_type === "cumulative" ? chosen.map((k) => points[k] ?? 0) : null,
          },
        }),
      );
      setProblem(null);
      mine.reload();
      onCast();
    } catch (err) {
      setProblem(err instanceof ProblemError ? err.problem : { type: "about:blank", title: String(err), status: 0 });
    }
  };

  if (mine.data) {
    return (
      <div className="success" role="status" data-testid="ballot-confirmation">
        <h2>{t("ballot.confirmed")}</h2>
        <p>{t("ballot.castAt", { when: seoulDateTime(mine.data.cast_at, lang) })}</p>
        <ul>
          {mine.data.choices.map((k) => (
            <li key={k}>{election.projects.find((p) => p.project_key === k)?.name ?? k}</li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <form onSubmit={submit} aria-describedby="ballot-rules">
      <p id="ballot-rules">
        {t("ballot.rules", {
          min: Math.max(1, election.min_length),
          max: election.max_length ?? election.projects.length,
        })}
      </p>
      <p className="budget-left" aria-live="polite" data-testid="budget-left">
        {t("ballot.left", { left: won(Math.max(left, 0), lang), spent: won(spent, lang) })}
        {left < 0 && <strong> {t("ballot.overBudget")}</strong>}
      </p>
      <fieldset>
        <legend>{t("ballot.projects")}</legend>
        <ul className="ballot">
          {election.projects.map((p) => (
            <li key={p.project_key}>
              <label>
                <input
                  type="checkbox"
                  name="choice"
                  value={p.project_key}
                  checked={chosen.includes(p.project_key)}
                  onChange={() => toggle(p.project_key)}
                />
                <span className="ballot-name">{p.name}</span> <span className="ballot-cost">{won(p.cost_krw, lang)}</span>
              </label>
              {(p.description || descriptions[p.project_key]) && (
                <p className="muted">{p.description || descriptions[p.project_key]}</p>
              )}
              {election.ballot_type === "cumulative" && chosen.includes(p.project_key) && (
                <label>
                  {t("ballot.points")}
                  <input
                    type="number"
                    min={1}
                    max={election.max_points_per_project ?? undefined}
                    value={points[p.project_key] ?? ""}
                    onChange={(e) => setPoints({ ...points, [p.project_key]: Number(e.target.value) })}
                  />
                </label>
              )}
            </li>
          ))}
        </ul>
      </fieldset>
      {checked && checked.length > 0 && (
        <ul className="problem" role="alert" data-testid="ballot-problems">
          {checked.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      <ProblemBox problem={problem} />
      <button type="submit">{t("ballot.submit")}</button>
    </form>
  );
}

function Outcome({ election, outcome }: { election: Election; outcome: components["schemas"]["OutcomeRead"] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const name = (k: string) => election.projects.find((p) => p.project_key === k)?.name ?? k;
  const explanations = outcome.explanations as unknown as Explanation[];
  return (
    <section aria-labelledby="outcome" data-testid="outcome">
      <h2 id="outcome">{t("outcome.title")}</h2>
      <p>
        {t("outcome.summary", {
          cost: won(outcome.cost_krw, lang),
          budget: won(outcome.budget_krw, lang),
          ballots: outcome.ballot_count,
        })}
      </p>
      <table className="data">
        <thead>
          <tr>
            <th scope="col">{t("outcome.project")}</th>
            <th scope="col">{t("outcome.selected")}</th>
            <th scope="col">{t("outcome.support")}</th>
            <th scope="col">{t("outcome.cost")}</th>
            <th scope="col">{t("outcome.why")}</th>
          </tr>
        </thead>
        <tbody>
          {explanations.map((e) => (
            <tr key={e.project_id}>
              <th scope="row">{name(e.project_id)}</th>
              <td>{e.selected ? t("outcome.yes") : t("outcome.no")}</td>
              <td>{e.support}</td>
              <td>{won(e.cost, lang)}</td>
              <td>{lang.startsWith("ko") ? e.text_ko : e.text_en}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
