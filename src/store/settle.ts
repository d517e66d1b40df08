import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { HistoryEntry, StoredNumber } from './claim.ts';
import { leaseOf } from './leases.ts';

/**
 * Set-based settling: every call event of one instant (answers, ends) is applied with a constant
 * number of statements, whatever the number of calls. Rows are locked in one order everywhere:
 * attempts by id, then contacts by id, so engines settling at once never deadlock each other.
 * Time is always a bound parameter (the injected clock), never now().
 */

/** What happened to one attempt in a batch: answered, ended, or answered and then ended. */
export interface CallEventRow {
  attemptId: number;
  answeredAt: Date | null;
  end: {
    result: string;
    code: string;
    at: Date;
    digits: string | null;
    detail: Record<string, unknown> | null;
  } | null;
}

/** An attempt as the batch left it (only attempts that were active, and still leased if sweeping). */
export interface AppliedCall {
  id: number;
  tenant_id: string;
  task_id: string;
  contact_id: number;
  number_index: number;
  started_at: Date;
  answered_at: Date | null;
  number: string;
  attempt_no: number;
  caller_no: string | null;
  ended: boolean;
  /** The answer was recorded (its customer still exists): the connect callback's customer. */
  answeredContact: { session_id: string; custom_field: string | null } | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Applies answers and ends to active attempts, one row per attempt (an answer before its end when
 * both), and locks the contacts of the attempts that ended (in id order, after the attempts) to
 * read what settling them needs. An answer is recorded only while the attempt's customer exists
 * (as the connect callback needs it). Sweeping (`leaseExpiredBy`): an attempt is ended only if its
 * engine's lease is still expired at that instant, checked again once the row is locked (a
 * heartbeat may have come since).
 */
export async function applyCallEvents(
  trx: Transaction<Database>,
  rows: CallEventRow[],
  leaseExpiredBy?: Date,
): Promise<{ applied: Map<number, AppliedCall>; contacts: Map<number, LockedContact> }> {
  const out = new Map<number, AppliedCall>();
  const contacts = new Map<number, LockedContact>();
  if (rows.length === 0) return { applied: out, contacts };
  const ids = rows.map((r) => r.attemptId);
  // The attempt's engine's lease (store/leases.ts), read again once the row is locked.
  const leased = (alias: string) =>
    leaseExpiredBy ? sql`and ${leaseOf(alias)} <= ${leaseExpiredBy}` : sql``;
  // The rows are locked in id order by the sub-select (its sort runs below the lock), which also
  // brings each attempt its event: one pass over the attempts, whatever the size of the batch.
  // The contacts are locked by the same statement once every attempt is: `locked` reads the
  // update to its end before its sort, and is materialized (read whole at its first use).
  const r = await sql<Omit<AppliedCall, 'answeredContact'> & { contact: unknown; locked: unknown }>`
    with a as (
      update attempts a set
        answered_at = case
          when u.answered_at is not null and exists (select 1 from contacts c where c.id = a.contact_id)
          then u.answered_at else a.answered_at end,
        state = case when u.ended then 'ended' else a.state end,
        ended_at = case when u.ended then u.ended_at else a.ended_at end,
        result = case when u.ended then u.result else a.result end,
        code = case when u.ended then u.code else a.code end,
        digits = case when u.ended then u.digits else a.digits end,
        detail = case when u.ended then u.detail::jsonb else a.detail end,
        lease_expires_at = case when u.ended then null else a.lease_expires_at end
      from (
        select e.* from attempts l
        join unnest(
          ${ids}::bigint[], ${rows.map((x) => iso(x.answeredAt))}::timestamptz[],
          ${rows.map((x) => x.end !== null)}::boolean[], ${rows.map((x) => iso(x.end?.at ?? null))}::timestamptz[],
          ${rows.map((x) => x.end?.result ?? null)}::text[], ${rows.map((x) => x.end?.code ?? null)}::text[],
          ${rows.map((x) => x.end?.digits ?? null)}::text[],
          ${rows.map((x) => (x.end?.detail ? JSON.stringify(x.end.detail) : null))}::text[]
        ) as e(id, answered_at, ended, ended_at, result, code, digits, detail) on e.id = l.id
        where l.state = 'active' ${leased('l')}
        order by l.id
        for update of l
      ) u
      where a.id = u.id and a.state = 'active' ${leased('a')}
      returning a.id, a.tenant_id, a.task_id, a.contact_id, a.number_index, a.started_at,
        a.answered_at, a.number, a.attempt_no, a.caller_no, u.ended,
        case when u.answered_at is not null then (
          select json_build_object('session_id', c.session_id, 'custom_field', c.custom_field)
          from contacts c where c.id = a.contact_id) end as contact
    ), locked as materialized (
      select c.id, c.numbers, c.history, c.attempts, c.state, c.session_id, c.custom_field,
        c.attributes
      from contacts c
      where c.id in (select contact_id from a where ended)
      order by c.id
      for update of c
    )
    select a.*, (select row_to_json(k) from locked k where k.id = a.contact_id) as locked
    from a`.execute(trx);
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  for (const x of r.rows) {
    const contact = json(x.contact);
    out.set(Number(x.id), {
      id: Number(x.id),
      tenant_id: x.tenant_id,
      task_id: x.task_id,
      contact_id: Number(x.contact_id),
      number_index: x.number_index,
      started_at: x.started_at,
      answered_at: x.answered_at,
      number: x.number,
      attempt_no: x.attempt_no,
      caller_no: x.caller_no,
      ended: x.ended,
      answeredContact: (contact as AppliedCall['answeredContact']) ?? null,
    });
    const c = json(x.locked) as LockedContact | null;
    if (c) contacts.set(Number(c.id), { ...c, id: Number(c.id) });
  }
  return { applied: out, contacts };
}

export interface LockedContact {
  id: number;
  numbers: StoredNumber[];
  history: HistoryEntry[];
  attempts: number;
  state: string;
  session_id: string;
  custom_field: string | null;
  attributes: Record<string, unknown>;
}

/**
 * Records attempts in their contacts' histories and moves each on (finished, ready or waiting), as
 * `settleContact` does one by one: one row per contact, already locked by this transaction.
 */
export async function settleContacts(
  trx: Transaction<Database>,
  rows: {
    id: number;
    history: HistoryEntry[];
    outcome: ContactOutcome;
    /** Set by the call (a speech robot); none: the contact's stays. */
    businessResult?: Record<string, unknown> | undefined;
  }[],
): Promise<void> {
  if (rows.length === 0) return;
  const fin = (o: ContactOutcome) => (o.kind === 'finish' ? o : null);
  const retry = (o: ContactOutcome) => (o.kind === 'retry' ? o : null);
  await sql`
    update contacts c set
      history = u.history::jsonb,
      attempts = u.attempts,
      lease_owner = null,
      lease_expires_at = null,
      state = u.state,
      final_result = case when u.fin then u.final_result else c.final_result end,
      finish_reason = case when u.fin then u.finish_reason else c.finish_reason end,
      finished_at = case when u.fin then u.finished_at else c.finished_at end,
      due_at = u.due_at,
      next_number = case when u.fin then c.next_number else u.next_number end,
      business_result = coalesce(u.business_result::jsonb, c.business_result)
    from unnest(
      ${rows.map((r) => r.id)}::bigint[], ${rows.map((r) => JSON.stringify(r.history))}::text[],
      ${rows.map((r) => r.history.length)}::integer[],
      ${rows.map((r) => (r.outcome.kind === 'finish' ? 'finished' : r.outcome.ready ? 'ready' : 'waiting'))}::text[],
      ${rows.map((r) => r.outcome.kind === 'finish')}::boolean[],
      ${rows.map((r) => fin(r.outcome)?.result ?? null)}::text[],
      ${rows.map((r) => fin(r.outcome)?.reason ?? null)}::text[],
      ${rows.map((r) => iso(fin(r.outcome)?.at ?? null))}::timestamptz[],
      ${rows.map((r) => iso(retry(r.outcome)?.dueAt ?? null))}::timestamptz[],
      ${rows.map((r) => retry(r.outcome)?.numberIndex ?? null)}::smallint[],
      ${rows.map((r) => (r.businessResult ? JSON.stringify(r.businessResult) : null))}::text[]
    ) as u(id, history, attempts, state, fin, final_result, finish_reason, finished_at, due_at, next_number, business_result)
    where c.id = u.id`.execute(trx);
}

export type ContactOutcome =
  | { kind: 'finish'; result: string; reason: string; at: Date }
  | { kind: 'retry'; numberIndex: number; dueAt: Date; ready: boolean };

/** Records an attempt in the contact's history and moves it on: finished, ready or waiting. */
export async function settleContact(
  trx: Transaction<Database>,
  contactId: number,
  history: HistoryEntry[],
  outcome: ContactOutcome,
): Promise<void> {
  const common = {
    history: JSON.stringify(history),
    attempts: history.length,
    lease_owner: null,
    lease_expires_at: null,
  } as const;
  if (outcome.kind === 'finish') {
    await trx
      .updateTable('contacts')
      .set({
        ...common,
        state: 'finished',
        final_result: outcome.result,
        finish_reason: outcome.reason,
        finished_at: outcome.at,
        due_at: null,
      })
      .where('id', '=', contactId)
      .execute();
  } else {
    await trx
      .updateTable('contacts')
      .set({
        ...common,
        state: outcome.ready ? 'ready' : 'waiting',
        due_at: outcome.dueAt,
        next_number: outcome.numberIndex,
      })
      .where('id', '=', contactId)
      .execute();
  }
}
