import { useTranslation } from "react-i18next";
import { fieldError, type ProblemDetail } from "../lib/api";

/** The problem+json detail of a refused action (title, detail, and field errors no field shows). */
export function ProblemBox({ problem, shownFields = [] }: { problem: ProblemDetail | null; shownFields?: string[] }) {
  const { t } = useTranslation();
  if (!problem) return null;
  const others = (problem.errors ?? []).filter((e) => !shownFields.some((f) => e.field === f || e.field.startsWith(`${f}.`)));
  return (
    <div className="problem" role="alert">
      <strong>{t("problem.refused", { status: problem.status })}</strong> {problem.detail ?? problem.title}
      {others.length > 0 && (
        <ul>
          {others.map((e, i) => (
            <li key={i}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The message the service gave for one field, rendered next to it and linked by aria-describedby. */
export function FieldMessage({ id, problem, field }: { id: string; problem: ProblemDetail | null; field: string }) {
  const msg = fieldError(problem, field);
  if (!msg) return null;
  return (
    <span className="field-error" id={id} role="alert">
      {msg}
    </span>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return <p aria-busy="true">{t("common.loading")}</p>;
}
