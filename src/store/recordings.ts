import { sql } from 'kysely';
import type { AttemptRecording } from '../ivr/call-end.ts';
import type { Db } from './db.ts';

/**
 * Recordings as the adapter leaves them on an attempt (`detail.recording`, src/ivr/call-end.ts).
 * When retention removes the file, `detail.recording` becomes null and `detail.recordingRemovedAt`
 * says when, so every reader (API, callbacks, exports) sees "no recording" from then on.
 */

/** The recording of an attempt's detail, or null (none, removed, or not the expected shape). */
export function recordingOf(detail: unknown): AttemptRecording | null {
  const r = (detail as { recording?: unknown } | null | undefined)?.recording;
  if (!r || typeof r !== 'object') return null;
  const { file, durationSec } = r as Record<string, unknown>;
  if (typeof file !== 'string' || file === '') return null;
  return { file, durationSec: typeof durationSec === 'number' ? durationSec : 0 };
}

export interface AttemptRecordingRow {
  recording: AttemptRecording | null;
  /** Set when retention removed the file. */
  removedAt: Date | null;
}

/** The recording of one attempt of a task; undefined when the task has no such attempt. */
export async function getAttemptRecording(
  db: Db,
  tenantId: string,
  taskId: string,
  attemptId: number,
): Promise<AttemptRecordingRow | undefined> {
  const row = await db
    .selectFrom('attempts')
    .select('detail')
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .where('id', '=', attemptId)
    .executeTakeFirst();
  if (!row) return undefined;
  const removed = (row.detail as { recordingRemovedAt?: unknown } | null)?.recordingRemovedAt;
  return {
    recording: recordingOf(row.detail),
    removedAt: typeof removed === 'string' ? new Date(removed) : null,
  };
}

// The predicate of the partial index attempts_recording (migration 0008), written the same way.
const HAS_RECORDING = sql<boolean>`jsonb_typeof(detail -> 'recording') = 'object'`;

/** Attempts whose call ended at or before `endedBy` and that still have a recording. */
export async function recordingsEndedBy(
  db: Db,
  endedBy: Date,
  limit: number,
): Promise<{ id: number; tenantId: string; taskId: string; file: string | null }[]> {
  const rows = await db
    .selectFrom('attempts')
    .select(['id', 'tenant_id', 'task_id', 'detail'])
    .where(HAS_RECORDING)
    .where('ended_at', '<=', endedBy)
    .orderBy('ended_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    taskId: r.task_id,
    file: recordingOf(r.detail)?.file ?? null,
  }));
}

/** Marks an attempt's recording as removed (idempotent). */
export async function markRecordingRemoved(db: Db, attemptId: number, at: Date): Promise<void> {
  await db
    .updateTable('attempts')
    .set({
      detail: sql`detail || jsonb_build_object('recording', null, 'recordingRemovedAt', ${at.toISOString()}::text)`,
    })
    .where('id', '=', attemptId)
    .where(HAS_RECORDING)
    .execute();
}

/** When the earliest call that still has a recording ended (retention counts from there). */
export async function earliestRecordingEnd(db: Db): Promise<Date | null> {
  const r = await db
    .selectFrom('attempts')
    .select((e) => e.fn.min('ended_at').as('d'))
    .where(HAS_RECORDING)
    .executeTakeFirst();
  const d = r?.d as Date | string | null | undefined;
  return d ? new Date(d) : null;
}
