import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { CustomerResult } from '../domain/export-cells.ts';
import type { StoredAttempt } from '../domain/attempt-outcome.ts';

/** Which customers an export holds; every field narrows, none means all. */
export interface ResultFilter {
  /** One customer. */
  sessionId?: string | undefined;
  /** Customer states (`ready`, `waiting`, `dialing`, `filtered`, `finished`). */
  state?: string[] | undefined;
  /** Final results (result names of product.md §6). */
  finalResult?: string[] | undefined;
  /** Business result code, and optionally its sub-result. */
  businessResult?: string | undefined;
  businessSubResult?: string | undefined;
  /** Customers with a number containing this. */
  number?: string | undefined;
  /** finished_at in [finishedFrom, finishedTo). */
  finishedFrom?: string | undefined;
  finishedTo?: string | undefined;
}

/** One customer's result as stored: encrypted attribute values are still encrypted here. */
export interface ResultRow extends CustomerResult {
  id: number;
}

/**
 * One keyset batch of a task's per-customer results, in contact id order, after `afterId`. Callers
 * loop until a batch comes back short, so a task of any size is read in constant memory (PGlite
 * cannot stream a cursor). First and last attempt times come from the history the dialer keeps on
 * the contact, so no join with attempts is needed.
 */
export async function readResults(
  db: Db,
  tenantId: string,
  taskId: string,
  f: ResultFilter,
  page: { afterId: number; limit: number },
): Promise<ResultRow[]> {
  let q = db
    .selectFrom('contacts')
    .select([
      'id',
      'session_id',
      'state',
      'final_result',
      'finish_reason',
      'attempts',
      sql<string | null>`history->0->>'startedAt'`.as('first_at'),
      sql<string | null>`history->-1->>'startedAt'`.as('last_at'),
      sql<string[]>`array(select e->>'number' from jsonb_array_elements(numbers) e)`.as('nums'),
      // Each number's zones (domain/contact.ts withZones), `|`-joined; '' when not known.
      sql<
        string[]
      >`array(select coalesce((select string_agg(z, '|') from jsonb_array_elements_text(e->'timeZones') z), '')
                          from jsonb_array_elements(numbers) e)`.as('zones'),
      sql<string | null>`business_result->>'code'`.as('br_code'),
      sql<string | null>`business_result->>'subCode'`.as('br_sub'),
      'custom_field',
      'priority',
      'attributes',
    ])
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .where('id', '>', page.afterId);
  if (f.sessionId) q = q.where('session_id', '=', f.sessionId);
  if (f.state?.length) q = q.where('state', 'in', f.state);
  if (f.finalResult?.length) q = q.where('final_result', 'in', f.finalResult);
  if (f.businessResult) q = q.where(sql<boolean>`business_result->>'code' = ${f.businessResult}`);
  if (f.businessSubResult) {
    q = q.where(sql<boolean>`business_result->>'subCode' = ${f.businessSubResult}`);
  }
  if (f.number) {
    q = q.where(
      sql<boolean>`exists (select 1 from jsonb_array_elements(numbers) e
                          where strpos(e->>'number', ${f.number}) > 0)`,
    );
  }
  if (f.finishedFrom) q = q.where('finished_at', '>=', new Date(f.finishedFrom));
  if (f.finishedTo) q = q.where('finished_at', '<', new Date(f.finishedTo));
  const rows = await q.orderBy('id').limit(page.limit).execute();
  const last = await lastAttempts(
    db,
    rows.filter((r) => r.attempts > 0).map((r) => r.id),
  );
  return rows.map((r) => ({
    id: r.id,
    sessionId: r.session_id,
    state: r.state,
    finalResult: r.final_result,
    finishReason: r.finish_reason,
    attempts: r.attempts,
    firstAttemptAt: r.first_at,
    lastAttemptAt: r.last_at,
    numbers: r.nums,
    timeZones: r.zones,
    businessResult: r.br_code,
    businessSubResult: r.br_sub,
    customField: r.custom_field,
    priority: r.priority,
    attributes: r.attributes,
    lastAttempt: last.get(r.id) ?? null,
  }));
}

/**
 * The last attempt of each of a batch of customers, in one statement (a probe of attempts_contact
 * per customer): cheaper than a subquery per row, which doubled the time to read a task.
 */
async function lastAttempts(db: Db, contactIds: number[]): Promise<Map<number, StoredAttempt>> {
  const out = new Map<number, StoredAttempt>();
  if (contactIds.length === 0) return out;
  const r = await sql<{
    contact_id: number;
    id: number;
    started_at: Date;
    answered_at: Date | null;
    ended_at: Date | null;
    digits: string | null;
    detail: Record<string, unknown> | null;
  }>`
    select distinct on (contact_id) contact_id, id, started_at, answered_at, ended_at, digits, detail
    from attempts where contact_id = any(${contactIds}::bigint[])
    order by contact_id, id desc`.execute(db);
  for (const a of r.rows)
    out.set(Number(a.contact_id), {
      id: Number(a.id),
      startedAt: new Date(a.started_at),
      answeredAt: a.answered_at ? new Date(a.answered_at) : null,
      endedAt: a.ended_at ? new Date(a.ended_at) : null,
      digits: a.digits,
      detail: a.detail,
    });
  return out;
}

/** One attempt of a task, for the agent's answers. */
export async function getAttempt(db: Db, tenantId: string, taskId: string, attemptId: number) {
  return db
    .selectFrom('attempts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .where('id', '=', attemptId)
    .executeTakeFirst();
}

/**
 * Replaces the answers of an ended attempt. Only ended attempts: the call's own end writes the
 * detail once, and an agent's answers written before it would be lost. Returns false when the
 * attempt is not (or no longer) ended.
 */
export async function setAttemptAnswers(
  db: Db,
  tenantId: string,
  attemptId: number,
  answers: unknown[],
): Promise<boolean> {
  const r = await sql`
    update attempts set detail = coalesce(detail, '{}'::jsonb) || jsonb_build_object('answers', ${JSON.stringify(answers)}::jsonb)
    where tenant_id = ${tenantId} and id = ${attemptId} and state <> 'active'`.execute(db);
  return Number(r.numAffectedRows ?? 0) === 1;
}
