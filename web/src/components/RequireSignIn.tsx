import { Link, useLocation } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useSession, type Role } from "../lib/session";

export function RequireSignIn({ roles, children }: { roles?: Role[]; children: React.ReactNode }) {
  const session = useSession();
  const { t } = useTranslation();
  const location = useLocation();
  const next = encodeURIComponent(location.pathname + location.search);
  if (!session) {
    return (
      <p className="notice">
        {t("signin.required")} <Link to={`/signin?next=${next}${roles ? `&role=${roles[0]}` : ""}`}>{t("nav.signin")}</Link>
      </p>
    );
  }
  if (roles && session.role !== "smg_admin" && !roles.includes(session.role)) {
    return <p className="notice">{t("signin.wrongRole", { roles: roles.map((r) => t(`role.${r}`)).join(", ") })}</p>;
  }
  return <>{children}</>;
}
