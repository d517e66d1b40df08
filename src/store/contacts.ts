import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { AttributeValue, ContactNumber } from '../domain/contact.ts';

/** A stored contact. Encrypted attribute values are still encrypted here (`enc:v1:…`). */
export interface ContactRow {
  id: number;
  sessionId: string;
  priority: number;
  customField: string | null;
  callData: Record<string, unknown> | null;
  attributes: Record<string, AttributeValue>;
  numbers: ContactNumber[];
  state: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A contact to store: validated, numbers normalised, encrypted attributes already encrypted. */
export interface NewContact {
  sessionId: string;
  priority: number;
  customField: string | null;
  callData: Record<string, unknown> | null;
  attributes: Record<string, AttributeValue>;
  numbers: ContactNumber[];
}

/**
 * A contact with its JSON columns already serialised. An import holds its batches in this form:
 * a few strings per row instead of a tree of objects, which keeps the garbage collector's work and
 * the memory of batches in flight small.
 */
export interface PackedContact {
  sessionId: string;
  priority: number;
  customField: string | null;
  callData: string | null;
  attributes: string;
  numbers: string;
}

export const packContact = (c: NewContact): PackedContact => ({
  sessionId: c.sessionId,
  priority: c.priority,
  customField: c.customField,
  callData: c.callData === null ? null : JSON.stringify(c.callData),
  attributes: JSON.stringify(c.attributes),
  numbers: JSON.stringify(c.numbers),
});

/** Unit separator: JSON.stringify escapes every control character, so JSON text never holds it. */
const SEP = '\x1f';

export interface UpsertResult {
  inserted: number;
  updated: number;
  /** Earlier rows of the batch with the same sessionId as a later one (the later row wins). */
  superseded: number;
}

/**
 * Inserts or updates a batch in one statement, keyed by (tenant, task, sessionId), so a re-import
 * updates and never duplicates. PostgreSQL refuses to update one row twice in a statement, so a
 * sessionId repeated in the batch is reduced to its last row first. On update the dialing state is
 * kept (re-importing must not make already-called customers callable again), except that a contact
 * not yet called loses its order key and filter verdict, which the engine computes again from the
 * new data (as `resetPreparation` does after a task's order or filter changes).
 *
 * The insert happens only while the task exists and has not expired (the task row is share-locked
 * for the statement, so a concurrent delete waits); `undefined` means it did not.
 */
export async function upsertContacts(
  db: Db,
  tenantId: string,
  taskId: string,
  batch: readonly (NewContact | PackedContact)[],
  now: Date,
): Promise<UpsertResult | undefined> {
  const last = new Map<string, number>();
  for (let i = 0; i < batch.length; i++) last.set(batch[i]!.sessionId, i);
  const n = last.size;
  if (n === 0) return { inserted: 0, updated: 0, superseded: 0 };
  const sessionIds = new Array<string>(n);
  const priorities = new Array<number>(n);
  const customFields = new Array<string>(n);
  const callData = new Array<string>(n);
  const attributes = new Array<string>(n);
  const numbers = new Array<string>(n);
  let packable = true;
  let j = 0;
  for (let i = 0; i < batch.length; i++) {
    const given = batch[i]!;
    if (last.get(given.sessionId) !== i) continue;
    const c =
      typeof given.attributes === 'string'
        ? (given as PackedContact)
        : packContact(given as NewContact);
    sessionIds[j] = c.sessionId;
    priorities[j] = c.priority;
    // '' stands for null: an empty custom field is stored as null anyway.
    customFields[j] = c.customField ?? '';
    if (c.customField?.includes(SEP) || c.sessionId.includes(SEP)) packable = false;
    callData[j] = c.callData ?? '';
    attributes[j] = c.attributes;
    numbers[j] = c.numbers;
    j++;
  }
  // Each text column travels as one string split on the server at a separator that JSON never
  // holds raw: a third of the client CPU of array parameters, which the driver escapes element by
  // element. A value holding the separator (never produced by validation) takes the array path.
  const text = (xs: string[], nullable: boolean) =>
    packable
      ? sql`string_to_array(${xs.join(SEP)}, ${SEP}${nullable ? sql`, ''` : sql``})`
      : nullable
        ? sql`array_replace(${xs}::text[], '', null)`
        : sql`${xs}::text[]`;
  const r = await sql<{ inserted: number; total: number; task: boolean }>`
    with task as (
      select 1 from tasks
      where tenant_id = ${tenantId} and id = ${taskId} and state <> 'expired'
      for key share
    ), stored as (
      insert into contacts (tenant_id, task_id, session_id, priority, custom_field, call_data,
                            attributes, numbers, created_at, updated_at)
      select ${tenantId}, ${taskId}, t.session_id, t.priority, t.custom_field, t.call_data::jsonb,
             t.attributes::jsonb, t.numbers::jsonb, ${now}, ${now}
      from unnest(${text(sessionIds, false)}, ${`{${priorities.join(',')}}`}::int2[],
                  ${text(customFields, true)}, ${text(callData, true)},
                  ${text(attributes, false)}, ${text(numbers, false)})
             as t(session_id, priority, custom_field, call_data, attributes, numbers)
      where exists (select 1 from task)
      on conflict (tenant_id, task_id, session_id) do update set
        priority = excluded.priority,
        custom_field = excluded.custom_field,
        call_data = excluded.call_data,
        attributes = excluded.attributes,
        numbers = excluded.numbers,
        updated_at = excluded.updated_at,
        order_key = case when contacts.state in ('ready', 'filtered') then null
                         else contacts.order_key end,
        state = case when contacts.state = 'filtered' then 'ready' else contacts.state end
      returning (xmax = 0) as inserted
    ), bump as (
      -- Tell the engine there are customers to prepare (order key, filter).
      update tasks set prepare_gen = prepare_gen + 1
      where tenant_id = ${tenantId} and id = ${taskId} and exists (select 1 from stored)
    )
    select (select count(*) from stored where inserted) as inserted,
           (select count(*) from stored) as total,
           exists (select 1 from task) as task`.execute(db);
  const row = r.rows[0]!;
  if (!row.task) return undefined;
  const inserted = Number(row.inserted);
  return { inserted, updated: Number(row.total) - inserted, superseded: batch.length - n };
}

export interface ContactFilter {
  state?: string | undefined;
  /** sessionIds starting with this. */
  sessionIdPrefix?: string | undefined;
  /** Contacts with a number containing this. */
  numberContains?: string | undefined;
  /** Keyset: contacts with an id greater than this. */
  afterId?: number | undefined;
  limit: number;
}

type Raw = {
  id: number;
  session_id: string;
  priority: number;
  custom_field: string | null;
  call_data: unknown;
  attributes: Record<string, unknown>;
  numbers: unknown[];
  state: string;
  created_at: Date;
  updated_at: Date;
};

const cols = [
  'id',
  'session_id',
  'priority',
  'custom_field',
  'call_data',
  'attributes',
  'numbers',
  'state',
  'created_at',
  'updated_at',
] as const;

const toRow = (r: Raw): ContactRow => ({
  id: r.id,
  sessionId: r.session_id,
  priority: r.priority,
  customField: r.custom_field,
  callData: (r.call_data as Record<string, unknown> | null) ?? null,
  attributes: r.attributes as Record<string, AttributeValue>,
  numbers: r.numbers as ContactNumber[],
  state: r.state,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Import order (id), keyset-paginated. */
export async function listContacts(
  db: Db,
  tenantId: string,
  taskId: string,
  f: ContactFilter,
): Promise<ContactRow[]> {
  let q = db
    .selectFrom('contacts')
    .select(cols)
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId);
  if (f.state !== undefined) q = q.where('state', '=', f.state);
  if (f.sessionIdPrefix) q = q.where(sql<boolean>`starts_with(session_id, ${f.sessionIdPrefix})`);
  if (f.numberContains) {
    q = q.where(
      sql<boolean>`exists (select 1 from jsonb_array_elements(numbers) e
                          where strpos(e->>'number', ${f.numberContains}) > 0)`,
    );
  }
  if (f.afterId !== undefined) q = q.where('id', '>', f.afterId);
  const rows = await q.orderBy('id').limit(f.limit).execute();
  return rows.map(toRow);
}

export async function getContact(
  db: Db,
  tenantId: string,
  taskId: string,
  sessionId: string,
): Promise<ContactRow | undefined> {
  const r = await db
    .selectFrom('contacts')
    .select(cols)
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
  return r && toRow(r);
}

export async function deleteContact(
  db: Db,
  tenantId: string,
  taskId: string,
  sessionId: string,
): Promise<boolean> {
  const r = await db
    .deleteFrom('contacts')
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function countContacts(db: Db, tenantId: string, taskId: string): Promise<number> {
  const r = await db
    .selectFrom('contacts')
    .select((e) => e.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export interface BlockedNumber {
  number: string;
  /** null: never to be called; else at most `times` calls per `period`. */
  restrict: { times: number; period: string } | null;
  expiresAt: Date | null;
}

/**
 * Which of `numbers` are on the blocklist and in force at `at`. One array parameter rather than an
 * `in (…)` list, so a batch of tens of thousands of numbers stays one small statement.
 */
export async function blockedNumbers(
  db: Db,
  tenantId: string,
  blocklistId: string,
  numbers: readonly string[],
  at: Date,
): Promise<Map<string, BlockedNumber>> {
  const out = new Map<string, BlockedNumber>();
  if (numbers.length === 0) return out;
  const r = await sql<{
    number: string;
    restrict_times: number | null;
    restrict_period: string | null;
    expires_at: Date | null;
  }>`
    select number, restrict_times, restrict_period, expires_at from blocklist_entries
    where tenant_id = ${tenantId} and blocklist_id = ${blocklistId}
      and number = any(${numbers as string[]}::text[])
      and (expires_at is null or expires_at > ${at})`.execute(db);
  for (const e of r.rows) {
    out.set(e.number, {
      number: e.number,
      restrict:
        e.restrict_times !== null && e.restrict_period !== null
          ? { times: e.restrict_times, period: e.restrict_period }
          : null,
      expiresAt: e.expires_at,
    });
  }
  return out;
}
