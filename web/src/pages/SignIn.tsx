import { useEffect, useState } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { config } from "../lib/config";
import { devSignIn, oidcCallback, oidcSignIn } from "../lib/signin";
import type { Role } from "../lib/session";
import { DISTRICTS, districtName } from "../lib/districts";
import { ProblemError, type ProblemDetail } from "../lib/api";
import { FieldMessage, ProblemBox } from "../components/Problem";

const ROLES: Role[] = ["resident", "borough_officer", "committee_secretary", "committee_member", "smg_admin"];

export function SignIn() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get("next") ?? "/";
  const [role, setRole] = useState<Role>((params.get("role") as Role) ?? "resident");
  const [sgg, setSgg] = useState("11200");
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const mode = config().auth.mode;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setProblem(null);
    try {
      await devSignIn(role, role === "smg_admin" ? null : sgg, name || null);
      navigate(next);
    } catch (err) {
      if (err instanceof ProblemError) setProblem(err.problem);
      else setProblem({ type: "about:blank", title: String(err), status: 0 });
    }
  };

  if (mode === "oidc") {
    return (
      <>
        <h1>{t("signin.title")}</h1>
        <p>{t("signin.oidc")}</p>
        <button type="button" onClick={() => void oidcSignIn(next)}>
          {t("signin.oidcButton")}
        </button>
      </>
    );
  }
  return (
    <>
      <h1>{t("signin.title")}</h1>
      <p className="notice">{t("signin.devNotice")}</p>
      <ProblemBox problem={problem} shownFields={["body.sgg_code", "body.role"]} />
      <form onSubmit={submit} className="stack">
        <label>
          {t("signin.role")}
          <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </label>
        {role !== "smg_admin" && (
          <label>
            {t("signin.borough")}
            <select name="sgg_code" value={sgg} onChange={(e) => setSgg(e.target.value)} aria-describedby="err-sgg">
              {DISTRICTS.map((d) => (
                <option key={d.code} value={d.code}>
                  {districtName(d.code, i18n.language)}
                </option>
              ))}
            </select>
            <FieldMessage id="err-sgg" problem={problem} field="body.sgg_code" />
          </label>
        )}
        <label>
          {t("signin.name")}
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
        </label>
        <button type="submit">{t("signin.submit")}</button>
      </form>
    </>
  );
}

export function AuthCallback() {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    oidcCallback()
      .then((to) => navigate(to, { replace: true }))
      .catch((e: unknown) => setError(String(e)));
  }, [navigate]);
  return error ? <p role="alert">{error}</p> : <p aria-busy="true">…</p>;
}
