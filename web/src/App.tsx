import { lazy, Suspense, useEffect } from "react";
import { Link, NavLink, Route, Routes, useLocation } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { Dashboard } from "./pages/Dashboard";
import { Borough } from "./pages/Borough";
import { Compare } from "./pages/Compare";
import { AuthCallback, SignIn } from "./pages/SignIn";
import { useSession } from "./lib/session";
import { signOut } from "./lib/signin";
import { districtName } from "./lib/districts";
import { Loading } from "./components/Problem";

const Plans = lazy(() => import("./pages/Plans").then((m) => ({ default: m.Plans })));
const PlanDetail = lazy(() => import("./pages/Plans").then((m) => ({ default: m.PlanDetail })));
const ProposalNew = lazy(() => import("./pages/Proposals").then((m) => ({ default: m.ProposalNew })));
const MyProposals = lazy(() => import("./pages/Proposals").then((m) => ({ default: m.MyProposals })));
const Elections = lazy(() => import("./pages/Elections").then((m) => ({ default: m.Elections })));
const Ballot = lazy(() => import("./pages/Elections").then((m) => ({ default: m.Ballot })));
const ConsoleProjects = lazy(() => import("./pages/ConsoleProjects").then((m) => ({ default: m.ConsoleProjects })));
const ProjectNew = lazy(() => import("./pages/ConsoleProjects").then((m) => ({ default: m.ProjectNew })));
const ImportProjects = lazy(() => import("./pages/ConsoleProjects").then((m) => ({ default: m.ImportProjects })));
const Committee = lazy(() => import("./pages/Committee").then((m) => ({ default: m.Committee })));
const BudgetCycles = lazy(() => import("./pages/Budget").then((m) => ({ default: m.BudgetCycles })));
const BudgetCycle = lazy(() => import("./pages/Budget").then((m) => ({ default: m.BudgetCycle })));
const MyCommittee = lazy(() => import("./pages/CommitteeConsole").then((m) => ({ default: m.MyCommittee })));
const ConsolePlans = lazy(() => import("./pages/PlanWorkflow").then((m) => ({ default: m.ConsolePlans })));
const Meeting = lazy(() => import("./pages/Committee").then((m) => ({ default: m.Meeting })));

function Header() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const other = i18n.language.startsWith("ko") ? "en" : "ko";
  return (
    <header className="site">
      <Link to="/" className="brand">
        {t("app.name")}
      </Link>
      <nav aria-label={t("nav.label")}>
        <ul>
          <li>
            <NavLink to="/" end>
              {t("nav.dashboard")}
            </NavLink>
          </li>
          <li>
            <NavLink to="/plans">{t("nav.plans")}</NavLink>
          </li>
          <li>
            <NavLink to="/proposals/new">{t("nav.propose")}</NavLink>
          </li>
          <li>
            <NavLink to="/elections">{t("nav.elections")}</NavLink>
          </li>
          <li>
            <NavLink to="/console/projects">{t("nav.console")}</NavLink>
          </li>
        </ul>
      </nav>
      <div className="account">
        <button type="button" lang={other} onClick={() => void i18n.changeLanguage(other)}>
          {t("app.switchLanguage")}
        </button>
        {session ? (
          <>
            <span data-testid="signed-in">
              {t(`role.${session.role}`)}
              {session.sgg_code ? ` · ${districtName(session.sgg_code, i18n.language)}` : ""}
            </span>
            <button type="button" onClick={signOut}>
              {t("nav.signout")}
            </button>
          </>
        ) : (
          <Link to="/signin">{t("nav.signin")}</Link>
        )}
      </div>
    </header>
  );
}

function FocusOnNavigate() {
  const location = useLocation();
  useEffect(() => {
    document.getElementById("main")?.focus();
  }, [location.pathname]);
  return null;
}

export function App() {
  const { t } = useTranslation();
  return (
    <>
      <a className="skip" href="#main">
        {t("app.skip")}
      </a>
      <Header />
      <FocusOnNavigate />
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<Dashboard />} />
            <Route path="/boroughs/:code" element={<Borough />} />
            <Route path="/compare" element={<Compare />} />
            <Route path="/plans" element={<Plans />} />
            <Route path="/plans/:id" element={<PlanDetail />} />
            <Route path="/proposals/new" element={<ProposalNew />} />
            <Route path="/proposals/mine" element={<MyProposals />} />
            <Route path="/elections" element={<Elections />} />
            <Route path="/elections/:id" element={<Ballot />} />
            <Route path="/console/projects" element={<ConsoleProjects />} />
            <Route path="/console/projects/new" element={<ProjectNew />} />
            <Route path="/console/imports" element={<ImportProjects />} />
            <Route path="/console/committee" element={<MyCommittee />} />
            <Route path="/console/plans" element={<ConsolePlans />} />
            <Route path="/console/budget" element={<BudgetCycles />} />
            <Route path="/console/budget/:id" element={<BudgetCycle />} />
            <Route path="/committees/:id" element={<Committee />} />
            <Route path="/meetings/:id" element={<Meeting />} />
            <Route path="/signin" element={<SignIn />} />
            <Route path="/auth/callback" element={<AuthCallback />} />
            <Route path="*" element={<p>{t("common.notFound")}</p>} />
          </Routes>
        </Suspense>
      </main>
      <footer className="site">
        <p>{t("app.footer")}</p>
      </footer>
    </>
  );
}
