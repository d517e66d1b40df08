import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { ResultFilter } from './results.ts';

export type ExportFormat = 'csv' | 'xlsx';
export type ExportState = 'queued' | 'running' | 'done' | 'failed' | 'expired';

/** An export job and, once done, its file. */
export interface ExportRow {
  tenantId: string;
  taskId: string;
  id: string;
  format: ExportFormat;
  filter: ResultFilter;
  state: ExportState;
  requestedBy: string;
  masked: boolean;
  rowCount: number | null;
  filePath: string | null;
  bytes: number | null;
  error: string | null;
  tries: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** When a done export's file is removed (then `expired`). */
  expiresAt: Date | null;
}

const cols = [
  'tenant_id',
  'task_id',
  'id',
  'format',
  'filter',
  'state',
  'requested_by',
  'masked',
  'row_count',
  'file_path',
  'bytes',
  'error',
  'tries',
  'created_at',
  'started_at',
  'finished_at',
  'expires_at',
] as const;

type Raw = {
  tenant_id: string;
  task_id: string;
  id: string;
  format: string;
  filter: Record<string, unknown>;
  state: string;
  requested_by: string;
  masked: boolean;
  row_count: number | null;
  file_path: string | null;
  bytes: number | null;
  error: string | null;
  tries: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  expires_at: Date | null;
};

const toRow = (r: Raw): ExportRow => ({
  tenantId: r.tenant_id,
  taskId: r.task_id,
  id: r.id,
  format: r.format as ExportFormat,
  filter: r.filter as ResultFilter,
  state: r.state as ExportState,
  requestedBy: r.requested_by,
  masked: r.masked,
  rowCount: r.row_count,
  filePath: r.file_path,
  bytes: r.bytes === null ? null : Number(r.bytes),
  error: r.error,
  tries: r.tries,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  expiresAt: r.expires_at,
});

export async function insertExport(
  db: Db,
  e: {
    tenantId: string;
    taskId: string;
    id: string;
    format: ExportFormat;
    filter: ResultFilter;
    requestedBy: string;
    masked: boolean;
    now: Date;
  },
): Promise<ExportRow> {
  const r = await db
    .insertInto('exports')
    .values({
      tenant_id: e.tenantId,
      task_id: e.taskId,
      id: e.id,
      format: e.format,
      filter: JSON.stringify(e.filter),
      requested_by: e.requestedBy,
      masked: e.masked,
      row_count: null,
      file_path: null,
      bytes: null,
      error: null,
      lease_owner: null,
      lease_expires_at: null,
      created_at: e.now,
      started_at: null,
      finished_at: null,
      expires_at: null,
    })
    .returning(cols)
    .executeTakeFirstOrThrow();
  return toRow(r);
}

export async function getExport(
  db: Db,
  tenantId: string,
  taskId: string,
  id: string,
): Promise<ExportRow | undefined> {
  const r = await db
    .selectFrom('exports')
    .select(cols)
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r && toRow(r);
}

/** A task's exports, newest first, in keyset pages on (created_at, id). */
export async function listExports(
  db: Db,
  tenantId: string,
  taskId: string,
  f: {
    state?: ExportState | undefined;
    before?: { at: Date; id: string } | undefined;
    limit: number;
  },
): Promise<ExportRow[]> {
  let q = db
    .selectFrom('exports')
    .select(cols)
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId);
  if (f.state) q = q.where('state', '=', f.state);
  if (f.before) {
    const b = f.before;
    q = q.where(sql<boolean>`(created_at, id) < (${b.at}::timestamptz, ${b.id})`);
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map(toRow);
}

/** Exports of the tenant still waiting or being written (a cap on how many may pile up). */
export async function countOpenExports(db: Db, tenantId: string): Promise<number> {
  const r = await db
    .selectFrom('exports')
    .select((e) => e.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('state', 'in', ['queued', 'running'])
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/**
 * Leases the oldest export that is queued, or running under a lease that expired (its worker
 * died). One that has already been tried `maxTries` times is failed instead, so an export that
 * crashes its worker cannot crash every worker in turn.
 */
export async function leaseExport(
  db: Db,
  o: { owner: string; now: Date; until: Date; maxTries: number },
): Promise<ExportRow | undefined> {
  return db.transaction().execute(async (trx) => {
    for (;;) {
      const next = await sql<{ tenant_id: string; id: string; tries: number }>`
        select tenant_id, id, tries from exports
        where state = 'queued' or (state = 'running' and lease_expires_at <= ${o.now})
        order by created_at, id
        limit 1
        for update skip locked`.execute(trx);
      const n = next.rows[0];
      if (!n) return undefined;
      const where = { tenant_id: n.tenant_id, id: n.id };
      if (n.tries >= o.maxTries) {
        await trx
          .updateTable('exports')
          .set({
            state: 'failed',
            error: `given up after ${n.tries} tries`,
            lease_owner: null,
            lease_expires_at: null,
            finished_at: o.now,
          })
          .where('tenant_id', '=', where.tenant_id)
          .where('id', '=', where.id)
          .execute();
        continue;
      }
      const r = await trx
        .updateTable('exports')
        .set((e) => ({
          state: 'running',
          lease_owner: o.owner,
          lease_expires_at: o.until,
          started_at: o.now,
          tries: e('tries', '+', 1),
        }))
        .where('tenant_id', '=', where.tenant_id)
        .where('id', '=', where.id)
        .returning(cols)
        .executeTakeFirstOrThrow();
      return toRow(r);
    }
  });
}

/** Extends a lease; false when it was lost (expired and taken by another worker). */
export async function renewExportLease(
  db: Db,
  e: { tenantId: string; id: string; owner: string; until: Date },
): Promise<boolean> {
  const r = await db
    .updateTable('exports')
    .set({ lease_expires_at: e.until })
    .where('tenant_id', '=', e.tenantId)
    .where('id', '=', e.id)
    .where('state', '=', 'running')
    .where('lease_owner', '=', e.owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Records the finished file; false when the lease was lost meanwhile. */
export async function completeExport(
  db: Db,
  e: {
    tenantId: string;
    id: string;
    owner: string;
    rowCount: number;
    filePath: string;
    bytes: number;
    at: Date;
    expiresAt: Date;
  },
): Promise<boolean> {
  const r = await db
    .updateTable('exports')
    .set({
      state: 'done',
      row_count: e.rowCount,
      file_path: e.filePath,
      bytes: e.bytes,
      error: null,
      lease_owner: null,
      lease_expires_at: null,
      finished_at: e.at,
      expires_at: e.expiresAt,
    })
    .where('tenant_id', '=', e.tenantId)
    .where('id', '=', e.id)
    .where('lease_owner', '=', e.owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function failExport(
  db: Db,
  e: { tenantId: string; id: string; owner: string; error: string; at: Date },
): Promise<void> {
  await db
    .updateTable('exports')
    .set({
      state: 'failed',
      error: e.error,
      lease_owner: null,
      lease_expires_at: null,
      finished_at: e.at,
    })
    .where('tenant_id', '=', e.tenantId)
    .where('id', '=', e.id)
    .where('lease_owner', '=', e.owner)
    .execute();
}

/** Gives an export back to the queue (its worker is stopping); it does not count as a try. */
export async function releaseExport(
  db: Db,
  e: { tenantId: string; id: string; owner: string },
): Promise<void> {
  await db
    .updateTable('exports')
    .set((x) => ({
      state: 'queued',
      lease_owner: null,
      lease_expires_at: null,
      started_at: null,
      tries: x('tries', '-', 1),
    }))
    .where('tenant_id', '=', e.tenantId)
    .where('id', '=', e.id)
    .where('lease_owner', '=', e.owner)
    .execute();
}

/** Done exports whose file expired by `now`, oldest first. */
export async function expiredExports(
  db: Db,
  now: Date,
  limit: number,
): Promise<{ tenantId: string; id: string; filePath: string | null }[]> {
  const rows = await db
    .selectFrom('exports')
    .select(['tenant_id', 'id', 'file_path'])
    .where('state', '=', 'done')
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ tenantId: r.tenant_id, id: r.id, filePath: r.file_path }));
}

/** Marks an export whose file was removed as `expired`. */
export async function markExportExpired(db: Db, tenantId: string, id: string): Promise<void> {
  await db
    .updateTable('exports')
    .set({ state: 'expired', file_path: null })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('state', '=', 'done')
    .execute();
}

/** When the next done export expires (the worker wakes then). */
export async function nextExportExpiry(db: Db): Promise<Date | null> {
  const r = await db
    .selectFrom('exports')
    .select((e) => e.fn.min('expires_at').as('d'))
    .where('state', '=', 'done')
    .executeTakeFirst();
  return (r?.d as Date | null | undefined) ?? null;
}
