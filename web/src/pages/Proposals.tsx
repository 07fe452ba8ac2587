import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, ProblemError, unwrap, type ProblemDetail } from "../lib/api";
import { useLoad } from "../lib/useLoad";
import { seoulDateTime, won } from "../lib/format";
import { DISTRICTS, districtName } from "../lib/districts";
import { useSession } from "../lib/session";
import { FieldMessage, Loading, ProblemBox } from "../components/Problem";
import { RequireSignIn } from "../components/RequireSignIn";

const FIELDS = ["title", "problem", "idea", "dong", "estimated_cost_krw", "target_group", "sgg_code"] as const;

export function ProposalNew() {
  return (
    <RequireSignIn roles={["resident"]}>
      <ProposalForm />
    </RequireSignIn>
  );
}

function ProposalForm() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const [form, setForm] = useState({
    sgg_code: session?.sgg_code ?? "11200",
    title: "",
    problem: "",
    idea: "",
    dong: "",
    estimated_cost_krw: "",
    target_group: "",
  });
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) =>
    setForm({ ...form, [k]: e.target.value });

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const created = unwrap(
        await api().planning.POST("/v1/proposals", {
          body: { ...form, estimated_cost_krw: Number(form.estimated_cost_krw.replace(/[^0-9]/g, "") || "0") },
        }),
      );
      navigate(`/proposals/mine?created=${created.id}`);
    } catch (err) {
      setProblem(err instanceof ProblemError ? err.problem : { type: "about:blank", title: String(err), status: 0 });
    } finally {
      setBusy(false);
    }
  };
  const field = (k: (typeof FIELDS)[number], multiline = false) => (
    <label key={k}>
      {t(`proposal.${k}`)}
      {multiline ? (
        <textarea name={k} value={form[k]} onChange={set(k)} rows={3} aria-describedby={`err-${k}`} required />
      ) : (
        <input
          name={k}
          value={form[k]}
          onChange={set(k)}
          aria-describedby={`err-${k}`}
          inputMode={k === "estimated_cost_krw" ? "numeric" : undefined}
          required
        />
      )}
      <FieldMessage id={`err-${k}`} problem={problem} field={`body.${k}`} />
    </label>
  );
  return (
    <>
      <h1>{t("proposal.newTitle")}</h1>
      <p className="lead">{t("proposal.lead")}</p>
      <ProblemBox problem={problem} shownFields={FIELDS.map((f) => `body.${f}`)} />
      <form onSubmit={submit} className="stack">
        <label>
          {t("proposal.sgg_code")}
          <select name="sgg_code" value={form.sgg_code} onChange={set("sgg_code")} aria-describedby="err-sgg_code">
            {DISTRICTS.map((d) => (
              <option key={d.code} value={d.code}>
                {districtName(d.code, i18n.language)}
              </option>
            ))}
          </select>
          <FieldMessage id="err-sgg_code" problem={problem} field="body.sgg_code" />
        </label>
        {field("title")}
        {field("problem", true)}
        {field("idea", true)}
        {field("dong")}
        {field("estimated_cost_krw")}
        {field("target_group")}
        <button type="submit" disabled={busy}>
          {t("proposal.submit")}
        </button>
      </form>
    </>
  );
}

export function MyProposals() {
  return (
    <RequireSignIn roles={["resident"]}>
      <MyProposalList />
    </RequireSignIn>
  );
}

function MyProposalList() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const created = new URLSearchParams(location.search).get("created");
  const { data, problem, loading } = useLoad(
    async () => unwrap(await api().planning.GET("/v1/proposals/mine", {})),
    [],
  );
  const items = data ? (Array.isArray(data) ? data : (data as { items: unknown[] }).items) : [];
  return (
    <>
      <h1>{t("proposal.mineTitle")}</h1>
      {created && (
        <p className="success" role="status">
          {t("proposal.created")}
        </p>
      )}
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && items.length === 0 && <p>{t("proposal.none")}</p>}
      <ul className="cards">
        {(items as Array<{ id: string; title: string; status: string; sgg_code: string; estimated_cost_krw: number; created_at: string; screening_reason: string | null }>).map((p) => (
          <li key={p.id} className="card" data-testid="my-proposal">
            <h2>{p.title}</h2>
            <p>
              {districtName(p.sgg_code, lang)} · {won(p.estimated_cost_krw, lang)} · {seoulDateTime(p.created_at, lang)}
            </p>
            <p>
              {t("proposal.status")}: <strong>{t(`proposalStatus.${p.status}`, { defaultValue: p.status })}</strong>
              {p.screening_reason && <> — {p.screening_reason}</>}
            </p>
          </li>
        ))}
      </ul>
      <p>
        <Link to="/proposals/new">{t("proposal.another")}</Link>
      </p>
    </>
  );
}
