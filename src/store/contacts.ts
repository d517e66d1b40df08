import { sql, type RawBuilder } from 'kysely';
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

/** Unit separator: JSON.stringify escapes every control character, so JSON text never holds it. */
const SEP = '\x1f';
const SEP_BYTE = 0x1f;

/**
 * One text column of a batch: each value's UTF-8 bytes followed by the separator, in a buffer
 * outside the JS heap. A batch fills over some 25 MB of allocation (parsing, validating), more than
 * the young generation holds, then waits while earlier batches are stored: held as strings, its
 * rows were copied by every scavenge and then promoted, ~1 µs a row of garbage collection.
 */
class TextColumn {
  private buf = Buffer.allocUnsafe(8 * 1024);
  private len = 0;
  /** Offset just past each value's separator. */
  private ends = new Int32Array(256);
  private n = 0;

  push(s: string): void {
    // A UTF-16 unit takes at most 3 bytes of UTF-8.
    const need = this.len + 3 * s.length + 1;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.buf.length));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    if (s.length) this.len += this.buf.write(s, this.len, 'utf8');
    this.buf[this.len++] = SEP_BYTE;
    if (this.n === this.ends.length) {
      const grown = new Int32Array(2 * this.n);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.n++] = this.len;
  }

  at(i: number): string {
    return this.buf.toString('utf8', i === 0 ? 0 : this.ends[i - 1], this.ends[i]! - 1);
  }

  /** The values joined by the separator, leaving out the rows in `skip`. */
  joined(skip?: ReadonlySet<number>): string {
    if (!skip?.size) return this.buf.toString('utf8', 0, Math.max(0, this.len - 1));
    const kept: string[] = [];
    for (let i = 0; i < this.n; i++) if (!skip.has(i)) kept.push(this.at(i));
    return kept.join(SEP);
  }

  values(skip?: ReadonlySet<number>): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.n; i++) if (!skip?.has(i)) out.push(this.at(i));
    return out;
  }
}

/**
 * Contacts for one statement, gathered column by column (see `TextColumn`) with their JSON
 * serialised once. With `keepNumbers`, each row's numbers are kept too, for a blocklist check.
 */
export class ContactBatch {
  private readonly sessionIds = new TextColumn();
  private readonly customFields = new TextColumn();
  private readonly callData = new TextColumn();
  private readonly attributes = new TextColumn();
  private readonly numbers = new TextColumn();
  private readonly numberLists: TextColumn | undefined;
  private readonly priorities: number[] = [];
  /** No value holds the separator: columns travel as one string each. */
  private packable = true;
  private sealed: { last: Map<string, number>; superseded: Set<number> } | undefined;

  constructor(keepNumbers = false) {
    if (keepNumbers) this.numberLists = new TextColumn();
  }

  /** Rows added, a repeated sessionId included. */
  get size(): number {
    return this.priorities.length;
  }

  add(c: NewContact): void {
    if (this.sealed) throw new Error('the batch is sealed');
    this.sessionIds.push(c.sessionId);
    this.priorities.push(c.priority);
    // '' stands for null: an empty custom field is stored as null anyway.
    this.customFields.push(c.customField ?? '');
    if (c.customField?.includes(SEP) || c.sessionId.includes(SEP)) this.packable = false;
    this.callData.push(c.callData === null ? '' : JSON.stringify(c.callData));
    this.attributes.push(JSON.stringify(c.attributes));
    this.numbers.push(JSON.stringify(c.numbers));
    if (this.numberLists) {
      let list = '';
      for (let i = 0; i < c.numbers.length; i++) list += (i ? SEP : '') + c.numbers[i]!.number;
      this.numberLists.push(list);
    }
  }

  /**
   * Ends adding and tells, for each sessionId, its last row; earlier rows of a repeated sessionId
   * are superseded (left out of the statement: PostgreSQL refuses to update a row twice in one).
   */
  seal(): { last: ReadonlyMap<string, number>; superseded: ReadonlySet<number> } {
    if (!this.sealed) {
      const ids = this.sessionIds.values();
      const last = new Map<string, number>();
      const superseded = new Set<number>();
      for (let i = 0; i < ids.length; i++) {
        const before = last.get(ids[i]!);
        if (before !== undefined) superseded.add(before);
        last.set(ids[i]!, i);
      }
      this.sealed = { last, superseded };
    }
    return this.sealed;
  }

  sessionIdAt(i: number): string {
    return this.sessionIds.at(i);
  }

  /** The numbers of row `i` (with `keepNumbers`). */
  numbersAt(i: number): string[] {
    const list = this.numberLists?.at(i) ?? '';
    return list === '' ? [] : list.split(SEP);
  }

  /** Every number of the batch, separated by `\x1f` (with `keepNumbers`). */
  allNumbers(): string {
    return this.numberLists?.joined() ?? '';
  }

  /** `unnest(…) as t(session_id, priority, custom_field, call_data, attributes, numbers)`. */
  source(): { n: number; source: RawBuilder<unknown> } {
    const { last, superseded } = this.seal();
    const skip = superseded.size ? superseded : undefined;
    // Each text column travels as one string split on the server at a separator that JSON never
    // holds raw: a third of the client CPU of array parameters, which the driver escapes element
    // by element. A value holding the separator (never produced by validation) takes the array
    // path.
    const text = (c: TextColumn, nullable: boolean) =>
      this.packable
        ? sql`string_to_array(${c.joined(skip)}, ${SEP}${nullable ? sql`, ''` : sql``})`
        : nullable
          ? sql`array_replace(${c.values(skip)}::text[], '', null)`
          : sql`${c.values(skip)}::text[]`;
    const priorities = skip ? this.priorities.filter((_, i) => !skip.has(i)) : this.priorities;
    const source = sql`unnest(${text(this.sessionIds, false)}, ${`{${priorities.join(',')}}`}::int2[],
                  ${text(this.customFields, true)}, ${text(this.callData, true)},
                  ${text(this.attributes, false)}, ${text(this.numbers, false)})
             as t(session_id, priority, custom_field, call_data, attributes, numbers)`;
    return { n: last.size, source };
  }
}

export interface UpsertResult {
  inserted: number;
  updated: number;
  /** Earlier rows of the batch with the same sessionId as a later one (the later row wins). */
  superseded: number;
}

function asBatch(batch: readonly NewContact[] | ContactBatch): ContactBatch {
  if (batch instanceof ContactBatch) return batch;
  const b = new ContactBatch();
  for (const c of batch) b.add(c);
  return b;
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
  contacts: readonly NewContact[] | ContactBatch,
  now: Date,
): Promise<UpsertResult | undefined> {
  const batch = asBatch(contacts);
  if (batch.size === 0) return { inserted: 0, updated: 0, superseded: 0 };
  const { n, source } = batch.source();
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
      from ${source}
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
  return { inserted, updated: Number(row.total) - inserted, superseded: batch.size - n };
}

/** Thrown by `insertContacts` when a sessionId of the batch is already stored for the task. */
export class StoredAlready extends Error {
  constructor() {
    super('a sessionId of the batch is already stored for the task');
  }
}

/**
 * `upsertContacts` for a batch whose sessionIds the caller believes are not stored yet (an import
 * into a task without contacts): a plain insert, which costs PostgreSQL about a quarter less than
 * the upsert (no speculative insertion into the unique index, no conflict arbitration). When a
 * sessionId is stored after all (a repeat across batches, a concurrent import) the statement fails
 * whole, storing nothing, and this throws `StoredAlready`: the caller then upserts the batch.
 */
export async function insertContacts(
  db: Db,
  tenantId: string,
  taskId: string,
  contacts: readonly NewContact[] | ContactBatch,
  now: Date,
): Promise<UpsertResult | undefined> {
  const batch = asBatch(contacts);
  if (batch.size === 0) return { inserted: 0, updated: 0, superseded: 0 };
  const { n, source } = batch.source();
  let r;
  try {
    r = await sql<{ inserted: number; task: boolean }>`
      with task as (
        select 1 from tasks
        where tenant_id = ${tenantId} and id = ${taskId} and state <> 'expired'
        for key share
      ), stored as (
        insert into contacts (tenant_id, task_id, session_id, priority, custom_field, call_data,
                              attributes, numbers, created_at, updated_at)
        select ${tenantId}, ${taskId}, t.session_id, t.priority, t.custom_field, t.call_data::jsonb,
               t.attributes::jsonb, t.numbers::jsonb, ${now}, ${now}
        from ${source}
        where exists (select 1 from task)
        returning 1
      ), bump as (
        -- Tell the engine there are customers to prepare (order key, filter).
        update tasks set prepare_gen = prepare_gen + 1
        where tenant_id = ${tenantId} and id = ${taskId} and exists (select 1 from stored)
      )
      select (select count(*) from stored) as inserted, exists (select 1 from task) as task`.execute(
      db,
    );
  } catch (e) {
    // unique_violation: only (tenant_id, task_id, session_id) can collide (ids are generated).
    if ((e as { code?: unknown }).code === '23505') throw new StoredAlready();
    throw e;
  }
  const row = r.rows[0]!;
  if (!row.task) return undefined;
  return { inserted: Number(row.inserted), updated: 0, superseded: batch.size - n };
}

/** Whether the task has any contact (an import into a task without any may insert plainly). */
export async function hasContacts(db: Db, tenantId: string, taskId: string): Promise<boolean> {
  const r = await sql<{ found: boolean }>`
    select exists (select 1 from contacts where tenant_id = ${tenantId} and task_id = ${taskId})
      as found`.execute(db);
  return r.rows[0]!.found;
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
 * Which of `numbers` (or of the numbers of a batch made with `keepNumbers`) are on the blocklist
 * and in force at `at`. The numbers travel as one string
 * split on the server and are joined to the entries: PostgreSQL hashes a small blocklist and looks
 * a large one up by index, a quarter to a fifth of the time of `number = any($array)` (one index
 * descent per number, however small the list) for a batch of tens of thousands of numbers.
 */
export async function blockedNumbers(
  db: Db,
  tenantId: string,
  blocklistId: string,
  numbers: readonly string[] | ContactBatch,
  at: Date,
): Promise<Map<string, BlockedNumber>> {
  const out = new Map<string, BlockedNumber>();
  let list;
  if (numbers instanceof ContactBatch) {
    // Numbers are validated: digits, * # and +, never the separator.
    const all = numbers.allNumbers();
    if (all === '') return out;
    list = sql`string_to_array(${all}, ${SEP})`;
  } else {
    if (numbers.length === 0) return out;
    // string_to_array('') is empty: a lone empty string (never a number) takes the array path.
    list = numbers.some((n) => n === '' || n.includes(SEP))
      ? sql`${numbers as string[]}::text[]`
      : sql`string_to_array(${numbers.join(SEP)}, ${SEP})`;
  }
  const r = await sql<{
    number: string;
    restrict_times: number | null;
    restrict_period: string | null;
    expires_at: Date | null;
  }>`
    select b.number, b.restrict_times, b.restrict_period, b.expires_at
    from unnest(${list}) as n(number)
    join blocklist_entries b
      on b.tenant_id = ${tenantId} and b.blocklist_id = ${blocklistId} and b.number = n.number
    where b.expires_at is null or b.expires_at > ${at}`.execute(db);
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
