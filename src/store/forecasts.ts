import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { ForecastsTable } from './schema.ts';

/** A forecast of a task: its request and, once run, its report (the table of migration 0011). */
export type ForecastState = 'queued' | 'running' | 'done' | 'failed';

export interface ForecastRow {
  tenantId: string;
  taskId: string;
  id: string;
  state: ForecastState;
  request: Record<string, unknown>;
  report: Record<string, unknown> | null;
  error: string | null;
  requestedBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  expiresAt: Date;
}

/** Forecasts kept per task: the newest; older ones are removed as new ones are made. */
export const KEPT_PER_TASK = 10;

const view = (r: Selectable<ForecastsTable>): ForecastRow => ({
  tenantId: r.tenant_id,
  taskId: r.task_id,
  id: r.id,
  state: r.state as ForecastState,
  request: r.request,
  report: r.report,
  error: r.error,
  requestedBy: r.requested_by,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  expiresAt: r.expires_at,
});

export async function insertForecast(
  db: Db,
  f: Pick<
    ForecastRow,
    'tenantId' | 'taskId' | 'id' | 'request' | 'requestedBy' | 'createdAt' | 'expiresAt'
  >,
): Promise<ForecastRow> {
  const r = await db
    .insertInto('forecasts')
    .values({
      tenant_id: f.tenantId,
      task_id: f.taskId,
      id: f.id,
      state: 'queued',
      request: JSON.stringify(f.request),
      requested_by: f.requestedBy,
      created_at: f.createdAt,
      expires_at: f.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await sql`
    delete from forecasts where tenant_id = ${f.tenantId} and task_id = ${f.taskId} and id in (
      select id from forecasts where tenant_id = ${f.tenantId} and task_id = ${f.taskId}
      order by created_at desc, id desc offset ${KEPT_PER_TASK})`.execute(db);
  return view(r);
}

export async function markForecastRunning(db: Db, tenantId: string, id: string, at: Date) {
  await db
    .updateTable('forecasts')
    .set({ state: 'running', started_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function finishForecast(
  db: Db,
  tenantId: string,
  id: string,
  at: Date,
  outcome: { report: Record<string, unknown> } | { error: string },
): Promise<void> {
  await db
    .updateTable('forecasts')
    .set({
      state: 'report' in outcome ? 'done' : 'failed',
      report: 'report' in outcome ? JSON.stringify(outcome.report) : null,
      error: 'error' in outcome ? outcome.error : null,
      finished_at: at,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** A task's forecasts, every column. */
const ofTask = (db: Db, tenantId: string, taskId: string) =>
  db
    .selectFrom('forecasts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId);

export async function getForecast(
  db: Db,
  tenantId: string,
  taskId: string,
  id: string,
): Promise<ForecastRow | null> {
  const r = await ofTask(db, tenantId, taskId).where('id', '=', id).executeTakeFirst();
  return r ? view(r) : null;
}

/** The task's forecasts, newest first. */
export async function listForecasts(
  db: Db,
  tenantId: string,
  taskId: string,
): Promise<ForecastRow[]> {
  const rows = await ofTask(db, tenantId, taskId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(KEPT_PER_TASK)
    .execute();
  return rows.map(view);
}

/** A forecast of the task still queued or running at `now` (not past its expiry), if any. */
export async function activeForecast(
  db: Db,
  tenantId: string,
  taskId: string,
  now: Date,
): Promise<ForecastRow | null> {
  const r = await ofTask(db, tenantId, taskId)
    .where('state', 'in', ['queued', 'running'])
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return r ? view(r) : null;
}
