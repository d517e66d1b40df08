import fs from 'node:fs';
import { once } from 'node:events';
import { DateTime, type Zone } from 'luxon';
import { resolveZone } from '../domain/calling-windows.ts';
import type { Db } from '../store/db.ts';
import { getTask } from '../store/tasks.ts';
import { getTenant } from '../store/tenants.ts';
import { sql } from 'kysely';
import { taskFigures } from '../store/task-report.ts';
import { attemptOutcome } from '../domain/attempt-outcome.ts';
import {
  buildSeries,
  unreachedOf,
  type Series,
  type Unreached,
} from '../domain/forecast-series.ts';
import { attemptSpans } from '../store/attempt-spans.ts';

/**
 * What `simulate` and `demo` print when a run ends (docs/simulate.md): one entry per task with
 * its figures, times in the task's own time zone.
 */
export interface TaskSummary {
  name: string;
  state: string;
  attempts: { total: number; inProgress: number; byResult: Record<string, number> };
  customers: {
    total: number;
    byState: Record<string, number>;
    byFinalResult: Record<string, number>;
  };
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
  completedAt: string | null;
  peakChannels: number;
  /** Questionnaire answers given, per question: how many calls gave each answer. */
  answers: QuestionSummary[];
  /** Calls per hour over the hours in which the task called. */
  callsPerHour: Series['callsPerHour'];
  /** Customers not reached, by why (domain/forecast-series.ts). */
  unreached: Unreached;
  /** Calls and channels in use per hour (per day over long runs), in the task's zone. */
  series: { bucket: Series['bucket']; points: Series['points'] };
}

export interface QuestionSummary {
  questionId: string;
  label: string;
  /** Calls that answered the question. */
  answered: number;
  byAnswer: Record<string, number>;
}

export interface Summary {
  tasks: TaskSummary[];
  wallMs: number;
  simulatedFrom: string;
  simulatedUntil: string;
}

export interface SummaryTask {
  id: string;
  name: string;
  zone: Zone;
}

/** ISO 8601 in the zone, whole seconds unless the instant has milliseconds. */
export const isoIn = (d: Date, zone: Zone): string =>
  DateTime.fromJSDate(d, { zone }).toISO({ suppressMilliseconds: true })!;

const isoOrNull = (d: Date | null, zone: Zone) => (d ? isoIn(d, zone) : null);

/** The tasks' names and zones (the task's time zone, else the tenant's). */
export async function summaryTasks(
  db: Db,
  tenantId: string,
  ids: string[],
): Promise<SummaryTask[]> {
  const tenant = await getTenant(db, tenantId);
  const out: SummaryTask[] = [];
  for (const id of ids) {
    const t = await getTask(db, tenantId, id);
    if (!t) continue;
    out.push({
      id,
      name: t.name,
      zone: resolveZone(t.config.timeZone, tenant?.settings.timeZone ?? '+08:00'),
    });
  }
  return out;
}

export async function taskSummaries(
  db: Db,
  tenantId: string,
  tasks: SummaryTask[],
  runEnd: Date,
): Promise<TaskSummary[]> {
  const out: TaskSummary[] = [];
  for (const t of tasks) {
    const f = await taskFigures(db, tenantId, t.id);
    const series = buildSeries(await attemptSpans(db, t.id), runEnd, t.zone);
    const finals = Object.entries(f.customers.byState).flatMap(
      ([state, n]): { state: string; result: string | null; n: number }[] =>
        state === 'finished'
          ? Object.entries(f.customers.byFinalResult).map(([result, k]) => ({
              state,
              result,
              n: k,
            }))
          : [{ state, result: null, n }],
    );
    out.push({
      name: t.name,
      state: f.state,
      attempts: f.attempts,
      customers: f.customers,
      firstAttemptAt: isoOrNull(f.firstAttemptAt, t.zone),
      lastAttemptAt: isoOrNull(f.lastAttemptAt, t.zone),
      completedAt: isoOrNull(f.completedAt, t.zone),
      peakChannels: f.peakChannels,
      answers: await answerSummary(db, t.id),
      callsPerHour: series.callsPerHour,
      unreached: unreachedOf(finals),
      series: { bucket: series.bucket, points: series.points },
    });
  }
  return out;
}

/**
 * Writes every attempt of the tenant's tasks as JSON lines, in the order they were placed. Read in
 * keyset pages (PGlite cannot stream a cursor), so memory stays flat however many attempts.
 */
export async function writeAttempts(
  db: Db,
  tenantId: string,
  tasks: SummaryTask[],
  file: string,
): Promise<number> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const out = fs.createWriteStream(file);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  let after = 0;
  let n = 0;
  for (;;) {
    const rows = await db
      .selectFrom('attempts')
      .select([
        'id',
        'task_id',
        'session_id',
        'number',
        'attempt_no',
        'started_at',
        'answered_at',
        'ended_at',
        'result',
        'code',
        'digits',
        'detail',
      ])
      .where('tenant_id', '=', tenantId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(10_000)
      .execute();
    if (rows.length === 0) break;
    let chunk = '';
    for (const r of rows) {
      const t = byId.get(r.task_id);
      if (!t) continue;
      const o = attemptOutcome(
        {
          id: r.id,
          startedAt: r.started_at,
          answeredAt: r.answered_at,
          endedAt: r.ended_at,
          digits: r.digits,
          detail: r.detail,
        },
        { tenantId, taskId: r.task_id },
      );
      chunk +=
        JSON.stringify({
          task: t.name,
          sessionId: r.session_id,
          number: r.number,
          attempt: r.attempt_no,
          startedAt: isoIn(r.started_at, t.zone),
          answeredAt: isoOrNull(r.answered_at, t.zone),
          endedAt: isoOrNull(r.ended_at, t.zone),
          result: r.result,
          code: r.code,
          ringSec: o.ringSec,
          talkSec: o.talkSec,
          digits: o.digits,
          answers: o.answers,
          ending: o.ending,
          path: o.path,
          ...(o.robot ? { robot: o.robot } : {}),
          ...(o.transfer ? { transfer: o.transfer } : {}),
          ...(o.amd ? { amd: o.amd } : {}),
          ...(o.error ? { error: o.error } : {}),
        }) + '\n';
      n++;
    }
    after = rows.at(-1)!.id;
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
  }
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  return n;
}

/** How the task's calls answered its questionnaire, question by question (first asked first). */
export async function answerSummary(db: Db, taskId: string): Promise<QuestionSummary[]> {
  const r = await sql<{ question_id: string; label: string; answer: string; n: number }>`
    select q->>'questionId' as question_id, min(q->>'label') as label, q->>'answer' as answer,
           count(*)::int as n
    from attempts a
    cross join lateral jsonb_array_elements(
      case when jsonb_typeof(a.detail->'answers') = 'array' then a.detail->'answers' else '[]'::jsonb end
    ) q
    where a.task_id = ${taskId} and a.detail is not null
    group by 1, 3
    order by min(a.id), 1, 3`.execute(db);
  const out = new Map<string, QuestionSummary>();
  for (const x of r.rows) {
    let q = out.get(x.question_id);
    if (!q) {
      q = { questionId: x.question_id, label: x.label, answered: 0, byAnswer: {} };
      out.set(x.question_id, q);
    }
    q.answered += Number(x.n);
    q.byAnswer[x.answer] = Number(x.n);
  }
  return [...out.values()];
}
