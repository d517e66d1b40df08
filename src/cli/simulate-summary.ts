import fs from 'node:fs';
import { once } from 'node:events';
import { DateTime, type Zone } from 'luxon';
import { resolveZone } from '../domain/calling-windows.ts';
import type { Db } from '../store/db.ts';
import { getTask } from '../store/tasks.ts';
import { getTenant } from '../store/tenants.ts';
import { attemptsPage, taskFigures } from '../store/task-report.ts';

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
): Promise<TaskSummary[]> {
  const out: TaskSummary[] = [];
  for (const t of tasks) {
    const f = await taskFigures(db, tenantId, t.id);
    out.push({
      name: t.name,
      state: f.state,
      attempts: f.attempts,
      customers: f.customers,
      firstAttemptAt: isoOrNull(f.firstAttemptAt, t.zone),
      lastAttemptAt: isoOrNull(f.lastAttemptAt, t.zone),
      completedAt: isoOrNull(f.completedAt, t.zone),
      peakChannels: f.peakChannels,
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
    const rows = await attemptsPage(db, tenantId, after, 10_000);
    if (rows.length === 0) break;
    let chunk = '';
    for (const r of rows) {
      const t = byId.get(r.taskId);
      if (!t) continue;
      chunk +=
        JSON.stringify({
          task: t.name,
          sessionId: r.sessionId,
          number: r.number,
          attempt: r.attemptNo,
          startedAt: isoIn(r.startedAt, t.zone),
          answeredAt: isoOrNull(r.answeredAt, t.zone),
          endedAt: isoOrNull(r.endedAt, t.zone),
          result: r.result,
          code: r.code,
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
