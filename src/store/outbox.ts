import { sql, type Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';

export interface OutboxMessage {
  tenantId: string;
  taskId: string;
  kind: 'callback' | 'sms';
  event: string;
  attemptId: number | null;
  contactId: number | null;
  idempotencyKey: string;
  target: string;
  payload: Record<string, unknown>;
  at: Date;
}

/**
 * Puts messages in the outbox in this order (ids follow it), in the transaction of the state
 * change that causes them; a duplicate key is a no-op.
 */
export async function enqueueAll(
  trx: Transaction<Database>,
  messages: OutboxMessage[],
): Promise<void> {
  const CHUNK = 2000;
  for (let i = 0; i < messages.length; i += CHUNK) {
    await trx
      .insertInto('outbox')
      .values(
        messages.slice(i, i + CHUNK).map((m) => ({
          tenant_id: m.tenantId,
          task_id: m.taskId,
          kind: m.kind,
          event: m.event,
          attempt_id: m.attemptId,
          contact_id: m.contactId,
          idempotency_key: m.idempotencyKey,
          target: m.target,
          payload: JSON.stringify(m.payload),
          next_at: m.at,
          created_at: m.at,
        })),
      )
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute();
  }
}

export interface LeasedMessage {
  id: number;
  tenantId: string;
  taskId: string;
  kind: string;
  event: string;
  idempotencyKey: string;
  target: string;
  payload: Record<string, unknown>;
  tries: number;
}

/**
 * Leases due messages to a dispatcher. A message waits while an earlier message of the same
 * attempt is still pending, so an attempt's connect is always delivered before its release.
 * An expired lease (a dispatcher that died) makes the message due again.
 */
export async function leaseDue(
  db: Db,
  owner: string,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<LeasedMessage[]> {
  const r = await sql<{
    id: number;
    tenant_id: string;
    task_id: string;
    kind: string;
    event: string;
    idempotency_key: string;
    target: string;
    payload: Record<string, unknown>;
    tries: number;
  }>`
    update outbox o set lease_owner = ${owner}, lease_expires_at = ${leaseUntil}, tries = o.tries + 1
    from (
      select id from outbox m
      where m.state = 'pending' and m.next_at <= ${now}
        and (m.lease_expires_at is null or m.lease_expires_at <= ${now})
        and not exists (
          select 1 from outbox p
          where p.attempt_id = m.attempt_id and p.id < m.id and p.state = 'pending')
      order by m.next_at, m.id
      limit ${limit}
      for update skip locked
    ) due
    where o.id = due.id
    returning o.id, o.tenant_id, o.task_id, o.kind, o.event, o.idempotency_key, o.target, o.payload, o.tries`.execute(
    db,
  );
  return r.rows.map((x) => ({
    id: x.id,
    tenantId: x.tenant_id,
    taskId: x.task_id,
    kind: x.kind,
    event: x.event,
    idempotencyKey: x.idempotency_key,
    target: x.target,
    payload: x.payload,
    tries: x.tries,
  }));
}

/** The outcome of one try, for `recordTries`. */
export type TryOutcome =
  | { id: number; delivered: true; status: number | null; at: Date }
  | { id: number; delivered: false; status: number | null; error: string; nextAt: Date | null };

/**
 * The outcomes of a round's tries (delivered, or due again / given up) in one statement: a
 * dispatcher retrying a dead receiver must not queue one update per message on the connections
 * the dialer also needs. Rows are updated in id order.
 */
export async function recordTries(db: Db, tries: readonly TryOutcome[]): Promise<void> {
  if (tries.length === 0) return;
  const sorted = [...tries].sort((a, b) => a.id - b.id);
  const ids = sorted.map((t) => t.id);
  const delivered = sorted.map((t) => t.delivered);
  const at = sorted.map((t) => (t.delivered ? t.at.toISOString() : null));
  const status = sorted.map((t) => t.status);
  const error = sorted.map((t) => (t.delivered ? null : t.error.slice(0, 500)));
  const nextAt = sorted.map((t) => (!t.delivered && t.nextAt ? t.nextAt.toISOString() : null));
  await sql`
    update outbox o set
      state = case when v.delivered then 'delivered' when v.next_at is null then 'failed' else 'pending' end,
      delivered_at = case when v.delivered then v.at else o.delivered_at end,
      next_at = coalesce(v.next_at, o.next_at),
      last_status = v.status,
      last_error = v.error,
      lease_owner = null,
      lease_expires_at = null
    from unnest(${ids}::bigint[], ${delivered}::boolean[], ${at}::timestamptz[], ${status}::int[],
                ${error}::text[], ${nextAt}::timestamptz[]) as v(id, delivered, at, status, error, next_at)
    where o.id = v.id`.execute(db);
}

export async function nextOutboxDue(db: Db): Promise<Date | null> {
  const r = await db
    .selectFrom('outbox')
    .select((e) => e.fn.min('next_at').as('d'))
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return (r?.d as Date | null | undefined) ?? null;
}

export interface DeliveryRow {
  id: number;
  kind: string;
  event: string;
  attemptId: number | null;
  sessionId: string | null;
  target: string;
  state: string;
  tries: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  nextAt: Date;
}

/** The delivery log of a task (callbacks and SMS), in the order they were caused. */
export async function deliveryLog(
  db: Db,
  tenantId: string,
  taskId: string,
  f: {
    kind?: string | undefined;
    state?: string | undefined;
    after?: number | undefined;
    limit: number;
  },
): Promise<DeliveryRow[]> {
  let q = db
    .selectFrom('outbox')
    .select([
      'id',
      'kind',
      'event',
      'attempt_id',
      'target',
      'state',
      'tries',
      'last_status',
      'last_error',
      'created_at',
      'delivered_at',
      'next_at',
      sql<string | null>`payload->>'sessionId'`.as('session_id'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .orderBy('id')
    .limit(f.limit);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.state) q = q.where('state', '=', f.state);
  if (f.after !== undefined) q = q.where('id', '>', f.after);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    event: r.event,
    attemptId: r.attempt_id,
    sessionId: r.session_id,
    target: r.target,
    state: r.state,
    tries: r.tries,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    nextAt: r.next_at,
  }));
}

/** Which given-up deliveries of a task to send again: by id, or by kind and time caused. */
export interface ReplaySelection {
  ids?: number[] | undefined;
  kind?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/**
 * Puts a task's given-up (`failed`) deliveries back in the queue, due `now`, with their tries
 * counted from zero so the retry schedule starts over; each is signed afresh when it is sent.
 * Delivered or pending messages are never touched. Returns the ids re-queued, in order.
 */
export async function requeueFailed(
  db: Db,
  tenantId: string,
  taskId: string,
  sel: ReplaySelection,
  now: Date,
  limit = 10_000,
): Promise<number[]> {
  let pick = db
    .selectFrom('outbox')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .where('state', '=', 'failed');
  if (sel.ids) pick = pick.where('id', 'in', sel.ids.length ? sel.ids : [-1]);
  if (sel.kind) pick = pick.where('kind', '=', sel.kind);
  if (sel.from) pick = pick.where('created_at', '>=', sel.from);
  if (sel.to) pick = pick.where('created_at', '<', sel.to);
  const rows = await db
    .updateTable('outbox')
    .set({ state: 'pending', tries: 0, next_at: now, last_error: null, last_status: null })
    .where('id', 'in', pick.orderBy('id').limit(limit))
    .returning('id')
    .execute();
  return rows.map((r) => r.id).sort((a, b) => a - b);
}
