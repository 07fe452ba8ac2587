// The committee secretariat's write forms on the committee service: schedule a meeting (with its public
// notice date), agenda items (with the organisations that decide recusals), attendance, named votes,
// the decision (validity computed by the service: quorum, notice, in session, recusals) and the minutes.
// Every refused write shows the problem+json detail, and the message of each field it names next to it.
import { useState } from "react";
import { Navigate, useNavigate } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, asProblem, ifMatch, seoulInstant, seoulToday, unwrap, type ProblemDetail } from "../lib/api";
import type { components } from "../api/committee";
import { useSession, type Session } from "../lib/session";
import { useLoad } from "../lib/useLoad";
import { districtName } from "../lib/districts";
import { FieldMessage, Loading, ProblemBox } from "../components/Problem";
import { RequireSignIn } from "../components/RequireSignIn";

type MeetingRead = components["schemas"]["MeetingRead"];
type AttendanceRead = components["schemas"]["AttendanceRead"];
type AgendaItemRead = components["schemas"]["AgendaItemRead"];
type MemberRead = components["schemas"]["MemberRead"];
type MinutesRead = components["schemas"]["MinutesRead"];
type AttendanceStatus = components["schemas"]["AttendanceStatus"];
type VoteChoice = components["schemas"]["VoteChoice"];

const WRITERS = ["committee_secretary", "borough_officer"];

/** The borough's secretariat (or a city admin) writes the committee's records; everyone else reads them. */
export function canWriteCommittee(session: Session | null, sggCode: string): boolean {
  if (!session) return false;
  if (session.role === "smg_admin") return true;
  return WRITERS.includes(session.role) && session.sgg_code === sggCode;
}

/** aria-describedby id of a field's service message ("body.notice_on" → "err-body-notice_on"). */
const fe = (field: string) => `err-${field.replace(/\./g, "-")}`;

function Field({
  label,
  field,
  problem,
  children,
}: {
  label: string;
  field: string;
  problem: ProblemDetail | null;
  children: React.ReactNode;
}) {
  return (
    <label>
      {label}
      {children}
      <FieldMessage id={fe(field)} problem={problem} field={field} />
    </label>
  );
}

/** /console/committee: the signed-in secretariat's own committee (the borough has at most one). */
export function MyCommittee() {
  return (
    <RequireSignIn roles={["committee_secretary", "borough_officer"]}>
      <MyCommitteeRedirect />
    </RequireSignIn>
  );
}

function MyCommitteeRedirect() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const sgg = session?.sgg_code ?? "";
  const { data, problem, loading } = useLoad(
    async () => unwrap(await api().committee.GET("/v1/committees", { params: { query: { sgg_code: sgg } } })).items,
    [sgg],
  );
  if (data && data.length > 0) return <Navigate to={`/committees/${data[0].id}`} replace />;
  return (
    <>
      <h1>{t("console.committee")}</h1>
      <ProblemBox problem={problem} />
      {loading && <Loading />}
      {data && <p>{t("committee.noneInBorough", { name: districtName(sgg, i18n.language) })}</p>}
    </>
  );
}

function splitNames(text: string): string[] {
  return text
    .split(/[,，\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function ScheduleMeeting({ committeeId }: { committeeId: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [form, setForm] = useState({
    title_ko: "",
    kind: "regular" as components["schemas"]["MeetingKind"],
    starts_at: "",
    ends_at: "",
    location: "",
    notice_on: seoulToday(),
  });
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm({ ...form, [k]: e.target.value });
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      const meeting = unwrap(
        await api().committee.POST("/v1/committees/{committee_id}/meetings", {
          params: { path: { committee_id: committeeId } },
          body: {
            title_ko: form.title_ko,
            title_en: "",
            kind: form.kind,
            // An empty start is sent as such: the service names the field in its answer.
            starts_at: form.starts_at ? seoulInstant(form.starts_at) : "",
            ends_at: form.ends_at ? seoulInstant(form.ends_at) : null,
            location: form.location,
            notice_on: form.notice_on || null,
          },
        }),
      );
      navigate(`/meetings/${meeting.id}`);
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  };
  const fields = ["body.title_ko", "body.kind", "body.starts_at", "body.ends_at", "body.location", "body.notice_on"];
  return (
    <section aria-labelledby="schedule">
      <h2 id="schedule">{t("meetingForm.title")}</h2>
      <p className="muted">{t("meetingForm.lead")}</p>
      <ProblemBox problem={problem} shownFields={fields} />
      <form onSubmit={submit} className="stack" data-testid="schedule-meeting">
        <Field label={t("meetingForm.name")} field="body.title_ko" problem={problem}>
          <input name="title_ko" value={form.title_ko} onChange={set("title_ko")} aria-describedby={fe("body.title_ko")} />
        </Field>
        <Field label={t("meetingForm.kind")} field="body.kind" problem={problem}>
          <select name="kind" value={form.kind} onChange={set("kind")} aria-describedby={fe("body.kind")}>
            <option value="regular">{t("meetingKind.regular")}</option>
            <option value="extraordinary">{t("meetingKind.extraordinary")}</option>
          </select>
        </Field>
        <div className="inline">
          <Field label={t("meetingForm.startsAt")} field="body.starts_at" problem={problem}>
            <input type="datetime-local" name="starts_at" value={form.starts_at} onChange={set("starts_at")} aria-describedby={fe("body.starts_at")} />
          </Field>
          <Field label={t("meetingForm.endsAt")} field="body.ends_at" problem={problem}>
            <input type="datetime-local" name="ends_at" value={form.ends_at} onChange={set("ends_at")} aria-describedby={fe("body.ends_at")} />
          </Field>
        </div>
        <Field label={t("meetingForm.location")} field="body.location" problem={problem}>
          <input name="location" value={form.location} onChange={set("location")} aria-describedby={fe("body.location")} />
        </Field>
        <Field label={t("meetingForm.noticeOn")} field="body.notice_on" problem={problem}>
          <input type="date" name="notice_on" value={form.notice_on} onChange={set("notice_on")} aria-describedby={fe("body.notice_on")} />
        </Field>
        <p className="muted">{t("meetingForm.timesInSeoul")}</p>
        <button type="submit" disabled={busy}>
          {t("meetingForm.submit")}
        </button>
      </form>
    </section>
  );
}

export function AgendaItemForm({ meetingId, onDone }: { meetingId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState({ title_ko: "", description: "", applicants: "", partners: "" });
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setProblem(null);
    try {
      unwrap(
        await api().committee.POST("/v1/meetings/{meeting_id}/agenda-items", {
          params: { path: { meeting_id: meetingId } },
          body: {
            title_ko: form.title_ko,
            title_en: "",
            subject_kind: "agenda",
            description: form.description,
            applicant_organisations: splitNames(form.applicants),
            partner_organisations: splitNames(form.partners),
          },
        }),
      );
      setForm({ title_ko: "", description: "", applicants: "", partners: "" });
      onDone();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  const fields = ["body.title_ko", "body.description", "body.applicant_organisations", "body.partner_organisations"];
  return (
    <form onSubmit={submit} className="stack" aria-labelledby="agenda-form">
      <h3 id="agenda-form">{t("agendaForm.title")}</h3>
      <ProblemBox problem={problem} shownFields={fields} />
      <Field label={t("agendaForm.name")} field="body.title_ko" problem={problem}>
        <input name="agenda_title_ko" value={form.title_ko} onChange={(e) => setForm({ ...form, title_ko: e.target.value })} aria-describedby={fe("body.title_ko")} />
      </Field>
      <Field label={t("agendaForm.description")} field="body.description" problem={problem}>
        <textarea name="description" rows={2} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} aria-describedby={fe("body.description")} />
      </Field>
      <Field label={t("agendaForm.applicants")} field="body.applicant_organisations" problem={problem}>
        <input name="applicants" value={form.applicants} onChange={(e) => setForm({ ...form, applicants: e.target.value })} aria-describedby={`${fe("body.applicant_organisations")} hint-orgs`} />
      </Field>
      <Field label={t("agendaForm.partners")} field="body.partner_organisations" problem={problem}>
        <input name="partners" value={form.partners} onChange={(e) => setForm({ ...form, partners: e.target.value })} aria-describedby={`${fe("body.partner_organisations")} hint-orgs`} />
      </Field>
      <p className="muted" id="hint-orgs">
        {t("agendaForm.recusalHint")}
      </p>
      <button type="submit">{t("agendaForm.submit")}</button>
    </form>
  );
}

export function AttendanceForm({
  meeting,
  attendance,
  members,
  onDone,
}: {
  meeting: MeetingRead;
  attendance: AttendanceRead;
  members: MemberRead[];
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const recorded = new Map(attendance.entries.map((e) => [e.member_id, e.status]));
  const [status, setStatus] = useState<Record<string, AttendanceStatus>>(() =>
    Object.fromEntries(members.map((m) => [m.id, recorded.get(m.id) ?? "absent"])),
  );
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const [saved, setSaved] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setProblem(null);
    setSaved(false);
    try {
      unwrap(
        await api().committee.PUT("/v1/meetings/{meeting_id}/attendance", {
          params: { path: { meeting_id: meeting.id }, header: { "If-Match": ifMatch(attendance.version) } },
          body: { entries: members.map((m) => ({ member_id: m.id, status: status[m.id] ?? "absent", proxy_holder: "" })) },
        }),
      );
      setSaved(true);
      onDone();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  const fields = members.map((_, i) => `body.entries.${i}`);
  return (
    <form onSubmit={submit} aria-labelledby="attendance-form" data-testid="attendance-form">
      <h3 id="attendance-form">{t("attendanceForm.title")}</h3>
      <ProblemBox problem={problem} shownFields={fields} />
      <p>
        <button type="button" onClick={() => setStatus(Object.fromEntries(members.map((m) => [m.id, "present"])))}>
          {t("attendanceForm.allPresent")}
        </button>
      </p>
      <table className="data">
        <caption>{t("attendanceForm.caption", { n: members.length })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("meeting.member")}</th>
            <th scope="col">{t("meeting.seat")}</th>
            <th scope="col">{t("meeting.status")}</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m, i) => (
            <tr key={m.id}>
              <th scope="row">{m.name_ko}</th>
              <td>{t(`seat.${m.seat_kind}`, { defaultValue: m.seat_kind })}</td>
              <td>
                <select
                  aria-label={t("attendanceForm.statusOf", { name: m.name_ko })}
                  value={status[m.id] ?? "absent"}
                  onChange={(e) => setStatus({ ...status, [m.id]: e.target.value as AttendanceStatus })}
                  aria-describedby={fe(`body.entries.${i}`)}
                >
                  {(["present", "absent", "proxy"] as const).map((s) => (
                    <option key={s} value={s}>
                      {t(`attendance.${s}`)}
                    </option>
                  ))}
                </select>
                <FieldMessage id={fe(`body.entries.${i}`)} problem={problem} field={`body.entries.${i}`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="submit">{t("attendanceForm.submit")}</button>
      {saved && (
        <span role="status" className="muted">
          {" "}
          {t("attendanceForm.saved")}
        </span>
      )}
    </form>
  );
}

type Choice = VoteChoice | "";

/** Named votes on one agenda item by the members present; recused members are marked and do not vote. */
export function VotesForm({
  meeting,
  item,
  attendance,
  onDone,
}: {
  meeting: MeetingRead;
  item: AgendaItemRead;
  attendance: AttendanceRead;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const recused = new Map(item.recusals.map((r) => [r.member_id, r.organisations]));
  const present = attendance.entries.filter((e) => e.counts_as_present);
  const [choices, setChoices] = useState<Record<string, Choice>>(() =>
    Object.fromEntries(present.map((e) => [e.member_id, recused.has(e.member_id) ? "" : "yes"])),
  );
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const [warnings, setWarnings] = useState<string[] | null>(null);
  const voters = present.filter((e) => (choices[e.member_id] ?? "") !== "");
  const cast = async (e: React.FormEvent) => {
    e.preventDefault();
    setProblem(null);
    try {
      const got = unwrap(
        await api().committee.POST("/v1/agenda-items/{item_id}/votes", {
          params: { path: { item_id: item.id } },
          body: { votes: voters.map((v) => ({ member_id: v.member_id, choice: choices[v.member_id] as VoteChoice })) },
        }),
      );
      setWarnings(got.warnings);
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  const decide = async () => {
    setProblem(null);
    try {
      unwrap(
        await api().committee.POST("/v1/meetings/{meeting_id}/decisions", {
          params: { path: { meeting_id: meeting.id } },
          body: { agenda_item_id: item.id },
        }),
      );
      onDone();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  const legend = t("votesForm.legend", { title: item.title_ko });
  return (
    <form onSubmit={cast} className="card" data-testid="votes-form">
      <fieldset>
        <legend>{legend}</legend>
        <ProblemBox problem={problem} shownFields={voters.map((_, i) => `body.votes.${i}`)} />
        {present.length === 0 && <p>{t("votesForm.nobodyPresent")}</p>}
        <table className="data">
          <caption>{t("votesForm.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("meeting.member")}</th>
              <th scope="col">{t("meeting.vote")}</th>
            </tr>
          </thead>
          <tbody>
            {present.map((m) => {
              const index = voters.findIndex((v) => v.member_id === m.member_id);
              const field = `body.votes.${index}`;
              return (
                <tr key={m.member_id}>
                  <th scope="row">
                    {m.name_ko}
                    {recused.has(m.member_id) && (
                      <div className="warning-text">
                        {t("votesForm.recused", { orgs: (recused.get(m.member_id) ?? []).join(", ") })}
                      </div>
                    )}
                  </th>
                  <td>
                    <select
                      aria-label={t("votesForm.choiceOf", { name: m.name_ko })}
                      value={choices[m.member_id] ?? ""}
                      onChange={(e) => setChoices({ ...choices, [m.member_id]: e.target.value as Choice })}
                      aria-describedby={fe(field)}
                    >
                      <option value="yes">{t("vote.yes")}</option>
                      <option value="no">{t("vote.no")}</option>
                      <option value="abstain">{t("vote.abstain")}</option>
                      <option value="">{t("votesForm.notVoting")}</option>
                    </select>
                    {index >= 0 && <FieldMessage id={fe(field)} problem={problem} field={field} />}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </fieldset>
      <div className="inline">
        <button type="submit" disabled={voters.length === 0}>
          {t("votesForm.submit")}
        </button>
        <button type="button" onClick={() => void decide()}>
          {t("votesForm.decide")}
        </button>
      </div>
      {warnings && (
        <div role="status" data-testid="votes-recorded" className={warnings.length ? "warning" : "success"}>
          <p>{t("votesForm.recorded", { n: voters.length })}</p>
          {warnings.length > 0 && (
            <ul>
              {warnings.map((w, i) => (
                <li key={i} lang="en">
                  {w}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </form>
  );
}

/** Close the meeting as held (votes after it count as out of session), or cancel it. */
export function MeetingStatusForm({ meeting, onDone }: { meeting: MeetingRead; onDone: () => void }) {
  const { t } = useTranslation();
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  if (meeting.status !== "scheduled") return null;
  const move = async (status: "held" | "cancelled") => {
    setProblem(null);
    try {
      unwrap(
        await api().committee.PATCH("/v1/meetings/{meeting_id}", {
          params: { path: { meeting_id: meeting.id }, header: { "If-Match": ifMatch(meeting.version) } },
          body: { status },
        }),
      );
      onDone();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  return (
    <div className="inline">
      <ProblemBox problem={problem} />
      <button type="button" onClick={() => void move("held")}>
        {t("meetingForm.markHeld")}
      </button>
      <button type="button" className="secondary" onClick={() => void move("cancelled")}>
        {t("meetingForm.cancel")}
      </button>
    </div>
  );
}

/** Draft → approved (the meeting must have been held) → published (then public without a token). */
export function MinutesForm({ meetingId, minutes, onDone }: { meetingId: string; minutes: MinutesRead | null; onDone: () => void }) {
  const { t } = useTranslation();
  const [body, setBody] = useState(minutes?.body_ko ?? "");
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const path = { meeting_id: meetingId };
  const run = async (action: () => Promise<unknown>) => {
    setProblem(null);
    try {
      await action();
      onDone();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  const save = () =>
    run(async () =>
      minutes
        ? unwrap(
            await api().committee.PUT("/v1/meetings/{meeting_id}/minutes", {
              params: { path, header: { "If-Match": ifMatch(minutes.version) } },
              body: { body_ko: body, body_en: "" },
            }),
          )
        : unwrap(await api().committee.POST("/v1/meetings/{meeting_id}/minutes", { params: { path }, body: { body_ko: body, body_en: "" } })),
    );
  const approve = () => run(async () => unwrap(await api().committee.POST("/v1/meetings/{meeting_id}/minutes/approval", { params: { path } })));
  const publish = () => run(async () => unwrap(await api().committee.POST("/v1/meetings/{meeting_id}/minutes/publication", { params: { path } })));
  const status = minutes?.status;
  return (
    <div className="stack" data-testid="minutes-form">
      <ProblemBox problem={problem} shownFields={["body.body_ko"]} />
      {status !== "approved" && status !== "published" && (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <Field label={t("minutesForm.body")} field="body.body_ko" problem={problem}>
            <textarea name="body_ko" rows={5} value={body} onChange={(e) => setBody(e.target.value)} aria-describedby={fe("body.body_ko")} />
          </Field>
          <button type="submit">{t("minutesForm.save")}</button>
        </form>
      )}
      <div className="inline">
        {status === "draft" && (
          <button type="button" onClick={() => void approve()}>
            {t("minutesForm.approve")}
          </button>
        )}
        {status === "approved" && (
          <button type="button" onClick={() => void publish()}>
            {t("minutesForm.publish")}
          </button>
        )}
      </div>
    </div>
  );
}
