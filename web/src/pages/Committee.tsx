import { Link, useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../lib/api";
import { useLoad } from "../lib/useLoad";
import { percent, seoulDate, seoulDateTime } from "../lib/format";
import { districtName } from "../lib/districts";
import { useSession } from "../lib/session";
import { Loading, ProblemBox } from "../components/Problem";
import {
  AgendaItemForm,
  AttendanceForm,
  canWriteCommittee,
  MeetingStatusForm,
  MinutesForm,
  ScheduleMeeting,
  VotesForm,
} from "./CommitteeConsole";

export function Committee() {
  const { id = "" } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const session = useSession();
  const { data, problem, loading } = useLoad(async () => {
    const path = { committee_id: id };
    const [committee, meetings] = await Promise.all([
      api().committee.GET("/v1/committees/{committee_id}", { params: { path } }).then(unwrap),
      api().committee.GET("/v1/committees/{committee_id}/meetings", { params: { path, query: { limit: 50 } } }).then(unwrap),
    ]);
    // Composition (seat shares and rule violations) is for the borough's own staff and members.
    const composition = session
      ? (await api().committee.GET("/v1/committees/{committee_id}/composition", { params: { path } })).data ?? null
      : null;
    return { committee, meetings: meetings.items, composition };
  }, [id, session?.token]);
  return (
    <>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && (
        <>
          <h1>{lang.startsWith("ko") ? data.committee.name_ko : data.committee.name_en || data.committee.name_ko}</h1>
          <p>
            {districtName(data.committee.sgg_code, lang)} · {t("committee.established", { date: seoulDate(data.committee.established_on, lang) })}
          </p>
          {data.composition && (
            <section aria-labelledby="composition">
              <h2 id="composition">{t("committee.composition")}</h2>
              <p>
                {t("committee.seated", { n: data.composition.seated_count })} · {t("committee.civilianShare")}{" "}
                {percent(data.composition.civilian_share, lang)} ·{" "}
                {data.composition.compliant ? t("committee.compliant") : t("committee.notCompliant")}
              </p>
              {data.composition.violations.length > 0 && (
                <ul className="warning" role="alert">
                  {data.composition.violations.map((v, i) => (
                    <li key={i}>{typeof v === "string" ? v : String((v as { message_ko?: string; message?: string }).message_ko ?? (v as { message?: string }).message ?? JSON.stringify(v))}</li>
                  ))}
                </ul>
              )}
            </section>
          )}
          <section aria-labelledby="meetings">
            <h2 id="meetings">{t("committee.meetings")}</h2>
            <ul>
              {data.meetings.map((m) => (
                <li key={m.id}>
                  <Link to={`/meetings/${m.id}`}>{m.title_ko}</Link> — {seoulDateTime(m.starts_at, lang)} · {t(`meetingStatus.${m.status}`, { defaultValue: m.status })}
                </li>
              ))}
            </ul>
          </section>
          {canWriteCommittee(session, data.committee.sgg_code) && <ScheduleMeeting committeeId={data.committee.id} />}
        </>
      )}
    </>
  );
}

export function Meeting() {
  const { id = "" } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const session = useSession();
  const { data, problem, loading, reload } = useLoad(async () => {
    const path = { meeting_id: id };
    const [meeting, attendance, agenda, decisions] = await Promise.all([
      api().committee.GET("/v1/meetings/{meeting_id}", { params: { path } }).then(unwrap),
      api().committee.GET("/v1/meetings/{meeting_id}/attendance", { params: { path } }).then(unwrap),
      api().committee.GET("/v1/meetings/{meeting_id}/agenda-items", { params: { path } }).then(unwrap),
      api().committee.GET("/v1/meetings/{meeting_id}/decisions", { params: { path } }).then(unwrap),
    ]);
    const minutes = (await api().committee.GET("/v1/meetings/{meeting_id}/minutes", { params: { path } })).data ?? null;
    // The secretariat's forms list every seated member (attendance holds only those recorded so far).
    const members =
      session && canWriteCommittee(session, meeting.sgg_code)
        ? unwrap(
            await api().committee.GET("/v1/committees/{committee_id}/members", {
              params: { path: { committee_id: meeting.committee_id }, query: { status: "seated", limit: 100 } },
            }),
          ).items
        : null;
    return { meeting, attendance, items: agenda, decisions: decisions.items, minutes, members };
  }, [id, session?.token]);
  const writer = data?.members != null;
  return (
    <>
      <ProblemBox problem={problem} />
      {loading && !data && <Loading />}
      {data && (
        <>
          <p>
            <Link to={`/committees/${data.meeting.committee_id}`}>{t("committee.back")}</Link>
          </p>
          <h1>{data.meeting.title_ko}</h1>
          <p>
            {seoulDateTime(data.meeting.starts_at, lang)} · {data.meeting.location} · {t(`meetingStatus.${data.meeting.status}`, { defaultValue: data.meeting.status })} ·{" "}
            <span data-testid="notice">
              {data.meeting.notice_sufficient ? t("meeting.noticeOk") : t("meeting.noticeShort")} (
              {t("meeting.noticeDays", {
                date: seoulDate(data.meeting.notice_on, lang),
                days: data.meeting.notice_days_before,
                required: data.meeting.notice_required_days,
              })}
              )
            </span>
          </p>
          {writer && <MeetingStatusForm meeting={data.meeting} onDone={reload} />}
          <section aria-labelledby="attendance">
            <h2 id="attendance">{t("meeting.attendance")}</h2>
            <p data-testid="quorum">
              {t("meeting.quorum", {
                present: data.attendance.present_count,
                seated: data.attendance.seated_count,
                required: data.attendance.quorum_required,
              })}{" "}
              <strong>{data.attendance.quorum_met ? t("meeting.quorumMet") : t("meeting.quorumNotMet")}</strong>
            </p>
            {/* The secretariat edits the list in place (the form shows the same columns); others read it. */}
            {writer && data.meeting.status !== "cancelled" ? (
              <AttendanceForm key={data.attendance.version} meeting={data.meeting} attendance={data.attendance} members={data.members ?? []} onDone={reload} />
            ) : (
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">{t("meeting.member")}</th>
                  <th scope="col">{t("meeting.seat")}</th>
                  <th scope="col">{t("meeting.status")}</th>
                </tr>
              </thead>
              <tbody>
                {data.attendance.entries.map((e) => (
                  <tr key={e.member_id}>
                    <th scope="row">{e.name_ko}</th>
                    <td>{t(`seat.${e.seat_kind}`, { defaultValue: e.seat_kind })}</td>
                    <td>{t(`attendance.${e.status}`, { defaultValue: e.status })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            )}
          </section>
          <section aria-labelledby="agenda">
            <h2 id="agenda">{t("meeting.agenda")}</h2>
            <ol>
              {data.items.map((a) => (
                <li key={a.id}>
                  {a.title_ko} — {t(`agendaStatus.${a.status}`, { defaultValue: a.status })}
                  {a.recusals.length > 0 && <span className="muted"> · {t("meeting.recusals", { n: a.recusals.length })}</span>}
                </li>
              ))}
            </ol>
            {writer && data.meeting.status !== "cancelled" && (
              <>
                {data.items
                  .filter((a) => a.status === "scheduled" && !data.decisions.some((d) => d.agenda_item_id === a.id))
                  .map((a) => (
                    <VotesForm key={`${a.id}-${data.attendance.version}`} meeting={data.meeting} item={a} attendance={data.attendance} onDone={reload} />
                  ))}
                <AgendaItemForm meetingId={data.meeting.id} onDone={reload} />
              </>
            )}
          </section>
          <section aria-labelledby="decisions">
            <h2 id="decisions">{t("meeting.decisions")}</h2>
            {data.decisions.map((d) => (
              <article key={d.id} className="card" data-testid="decision">
                <h3>
                  {data.items.find((a) => a.id === d.agenda_item_id)?.title_ko ?? ""} ·{" "}
                  {t(`decisionOutcome.${d.outcome}`, { defaultValue: d.outcome })} ·{" "}
                  <span data-testid="decision-validity">{d.valid ? t("meeting.valid") : t("meeting.invalid")}</span>
                </h3>
                <p>
                  {t("meeting.tally", { yes: d.tally.yes, no: d.tally.no, abstain: d.tally.abstain, recused: d.tally.recused })}
                </p>
                <table className="data" data-testid="decision-checks">
                  <caption>{t("meeting.checks")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("meeting.rule")}</th>
                      <th scope="col">{t("meeting.result")}</th>
                      <th scope="col">{t("meeting.detail")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.checks.map((c, i) => (
                      <tr key={i}>
                        <th scope="row">{t(`rule.${c.rule}`, { defaultValue: c.rule })}</th>
                        <td>{c.ok ? t("meeting.checkOk") : t(`severity.${c.severity}`, { defaultValue: c.severity })}</td>
                        <td lang="en" className="muted">
                          {c.detail}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <table className="data">
                  <caption>{t("meeting.namedVotes")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("meeting.member")}</th>
                      <th scope="col">{t("meeting.vote")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.votes.map((v) => (
                      <tr key={v.member_id}>
                        <th scope="row">{v.name_ko}</th>
                        <td>{v.recused ? t("meeting.recused") : t(`vote.${v.choice}`, { defaultValue: v.choice })}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </article>
            ))}
            {data.decisions.length === 0 && <p>{t("common.none")}</p>}
          </section>
          <section aria-labelledby="minutes">
            <h2 id="minutes">{t("meeting.minutes")}</h2>
            {writer && data.meeting.status !== "cancelled" && (
              <MinutesForm key={data.minutes?.version ?? 0} meetingId={data.meeting.id} minutes={data.minutes} onDone={reload} />
            )}
            {data.minutes ? (
              <>
                <p className="muted">{t(`minutesStatus.${data.minutes.status}`, { defaultValue: data.minutes.status })}</p>
                <pre className="minutes">{lang.startsWith("ko") ? data.minutes.body_ko : data.minutes.body_en || data.minutes.body_ko}</pre>
              </>
            ) : (
              <p>{t("meeting.noMinutes")}</p>
            )}
          </section>
        </>
      )}
    </>
  );
}
