import { contactRulesFor, validateContact, type ContactRules } from '../../domain/contact.ts';
import type { Attribute } from '../../domain/resources.ts';
import { DEFAULT_NUMBER_RULES, type TenantSettings } from '../../domain/tenant.ts';
import type { Cipher } from '../../platform/cipher.ts';
import { conflict, type FieldError } from '../../platform/errors.ts';
import type { Db } from '../../store/db.ts';
import {
  blockedNumbers,
  ContactBatch,
  hasContacts,
  insertContacts,
  upsertContacts,
  StoredAlready,
  type BlockedNumber,
  type UpsertResult,
} from '../../store/contacts.ts';
import { listResources } from '../../store/resources.ts';
import type { Task } from '../../store/tasks.ts';

export interface ImportError {
  /** 1-based data row (header excluded) or item of the JSON batch; 0 for the header. */
  row: number;
  sessionId: string | null;
  /** The column (files) or JSON pointer (JSON batches) at fault. */
  path: string;
  message: string;
}

export interface ImportWarning {
  row: number;
  sessionId: string;
  number: string | null;
  message: string;
}

export interface ImportReport {
  received: number;
  inserted: number;
  updated: number;
  rejected: number;
  errors: ImportError[];
  errorsTruncated: boolean;
  warnings: ImportWarning[];
  warningsTruncated: boolean;
}

export const REPORT_CAP = 1000;
export const BATCH_SIZE = 5000;

/** Where contacts go and what they are checked against; built once per import. */
export interface ImportTarget {
  db: Db;
  cipher: Cipher;
  now: Date;
  tenantId: string;
  taskId: string;
  blocklistId: string | null;
  rules: ContactRules;
  /** Codes of attributes stored encrypted. */
  encrypted: ReadonlySet<string>;
  /**
   * The task had no contacts when the import began: batches are inserted plainly (cheaper) until
   * one finds a sessionId stored already, and upserted from then on. Absent: always upsert.
   */
  fresh?: boolean;
}

export async function loadImportTarget(
  db: Db,
  cipher: Cipher,
  settings: TenantSettings,
  task: Task,
  now: Date,
): Promise<ImportTarget> {
  const attributes = (await listResources(db, task.tenantId, 'attributes')).map(
    (r) => r.doc as unknown as Attribute,
  );
  const numberTypes = (await listResources(db, task.tenantId, 'numberTypes')).map((r) => r.id);
  const c = task.config;
  const taskNumberTypes = [
    ...(c.callStrategy?.numberRounds?.numberTypes ?? []),
    ...(c.resultPolicy?.kind === 'contact'
      ? c.resultPolicy.numberTypes.map((t) => t.numberType)
      : []),
  ];
  const rules = contactRulesFor({
    // Tenants stored before number rules existed have none: the defaults apply.
    numberRules: settings.numberRules ?? DEFAULT_NUMBER_RULES,
    isolation: settings.isolation,
    taskOuId: task.ouId,
    attributes,
    numberTypes,
    taskNumberTypes,
  });
  return {
    db,
    cipher,
    now,
    tenantId: task.tenantId,
    taskId: task.id,
    blocklistId: c.blocklistId ?? null,
    rules,
    encrypted: new Set(
      [...rules.attributes.values()].filter((a) => a.encrypted).map((a) => a.code),
    ),
    fresh: !(await hasContacts(db, task.tenantId, task.id)),
  };
}

export const emptyReport = (): ImportReport => ({
  received: 0,
  inserted: 0,
  updated: 0,
  rejected: 0,
  errors: [],
  errorsTruncated: false,
  warnings: [],
  warningsTruncated: false,
});

interface Flight {
  done: Promise<void>;
  sessionIds: ReadonlyMap<string, number>;
}

interface Stored {
  inserted: number;
  updated: number;
  blocked: Map<string, BlockedNumber> | undefined;
}

/**
 * Validates rows one by one (synchronously, no per-row I/O) and stores the good ones in batches of
 * one statement each. While batches are being stored the caller goes on reading the next one; at
 * most `parallel` batches are in flight and one filling, so memory does not grow with the file.
 * Two statements in flight keep the database busy while this process parses. A batch that shares a
 * sessionId with one in flight waits for it, so the later row still wins; results are applied to
 * the report in file order. A row is either stored whole or reported:
 * `inserted + updated + rejected = received`.
 */
export class ContactSink {
  readonly report = emptyReport();
  /** Each row's numbers are kept only when the task has a blocklist to check them against. */
  private batch: ContactBatch;
  private rows: number[] = [];
  private flights: Flight[] = [];
  /** Applies each batch's outcome to the report in order. */
  private applied: Promise<void> = Promise.resolve();
  /** Whether batches may still be inserted plainly (see `ImportTarget.fresh`). */
  private fresh: boolean;

  constructor(
    private readonly t: ImportTarget,
    private readonly batchSize = BATCH_SIZE,
    private readonly parallel = 2,
  ) {
    this.fresh = t.fresh === true;
    this.batch = new ContactBatch(t.blocklistId !== null);
  }

  get full(): boolean {
    return this.batch.size >= this.batchSize;
  }

  error(e: ImportError): void {
    if (this.report.errors.length < REPORT_CAP) this.report.errors.push(e);
    else this.report.errorsTruncated = true;
  }

  /** Checks one row; `where` turns a validation path into what the user sees (a column name). */
  add(row: number, input: unknown, pre: FieldError[] = [], where?: (path: string) => string): void {
    this.report.received++;
    const res = validateContact(input, this.t.rules);
    if (pre.length || !res.ok) {
      this.report.rejected++;
      const sid = (input as { sessionId?: unknown } | null)?.sessionId;
      const sessionId = typeof sid === 'string' && sid !== '' ? sid : null;
      for (const e of res.ok ? pre : [...pre, ...res.errors])
        this.error({ row, sessionId, path: where ? where(e.path) : e.path, message: e.message });
      return;
    }
    const c = res.contact;
    if (this.t.encrypted.size) {
      for (const code of this.t.encrypted) {
        const v = c.attributes[code];
        if (v !== undefined) c.attributes[code] = this.t.cipher.encrypt(String(v));
      }
    }
    this.batch.add(c);
    this.rows.push(row);
  }

  /**
   * Starts storing the current batch and resolves when the caller may fill the next one: when
   * fewer than `parallel` batches are in flight. Rethrows the failure of an earlier batch.
   */
  async handOff(): Promise<void> {
    if (this.batch.size === 0) return;
    const batch = this.batch;
    const rows = this.rows;
    this.batch = new ContactBatch(this.t.blocklistId !== null);
    this.rows = [];
    const sessionIds = batch.seal().last;
    const shares = (f: Flight) => {
      for (const id of f.sessionIds.keys()) if (sessionIds.has(id)) return true;
      return false;
    };
    while (this.flights.length >= this.parallel || this.flights.some(shares)) {
      const oldest = this.flights[0]!;
      await oldest.done;
      const i = this.flights.indexOf(oldest);
      if (i >= 0) this.flights.splice(i, 1);
    }
    const stored = this.store(batch);
    const done = (this.applied = this.applied.then(async () =>
      this.apply(batch, rows, await stored),
    ));
    // A failure surfaces through a later handOff() or finish(); until then it is not unhandled.
    done.catch(() => {});
    stored.catch(() => {});
    this.flights.push({ done, sessionIds });
  }

  /** Stores what is left and waits for every batch. */
  async finish(): Promise<ImportReport> {
    await this.handOff();
    for (const f of this.flights) await f.done;
    this.flights = [];
    return this.report;
  }

  private async store(batch: ContactBatch): Promise<Stored> {
    const { db, tenantId, blocklistId, now } = this.t;
    const [blocked, stored] = await Promise.all([
      blocklistId ? blockedNumbers(db, tenantId, blocklistId, batch, now) : undefined,
      this.upsert(batch),
    ]);
    if (!stored) throw conflict('the task has expired or was deleted during the import');
    // A row superseded by a later one with the same sessionId was stored and then updated.
    return { inserted: stored.inserted, updated: stored.updated + stored.superseded, blocked };
  }

  /** Inserts plainly while no sessionId of the import was found stored already, else upserts. */
  private async upsert(batch: ContactBatch): Promise<UpsertResult | undefined> {
    const { db, tenantId, taskId, now } = this.t;
    if (this.fresh) {
      try {
        return await insertContacts(db, tenantId, taskId, batch, now);
      } catch (e) {
        if (!(e instanceof StoredAlready)) throw e;
        // Nothing of the batch was stored: upsert it, and every later batch.
        this.fresh = false;
      }
    }
    return upsertContacts(db, tenantId, taskId, batch, now);
  }

  private apply(batch: ContactBatch, rows: number[], s: Stored): void {
    this.report.inserted += s.inserted;
    this.report.updated += s.updated;
    const blocked = s.blocked;
    if (!blocked?.size) return;
    rows.forEach((row, i) => {
      for (const number of batch.numbersAt(i)) {
        const b = blocked.get(number);
        if (!b) continue;
        this.warn({
          row,
          sessionId: batch.sessionIdAt(i),
          number,
          message: b.restrict
            ? `is on the task's blocklist: at most ${b.restrict.times} call(s) per ${b.restrict.period}`
            : "is on the task's blocklist: it will not be called",
        });
      }
    });
  }

  warn(w: ImportWarning): void {
    if (this.report.warnings.length < REPORT_CAP) this.report.warnings.push(w);
    else this.report.warningsTruncated = true;
  }
}
