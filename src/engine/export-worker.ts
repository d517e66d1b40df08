import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { FixedOffsetZone, type Zone } from 'luxon';
import { resolveZone } from '../domain/calling-windows.ts';
import {
  exportCells,
  exportHeader,
  type Cell,
  type CellContext,
  type ExportAttribute,
} from '../domain/export-cells.ts';
import type { Cipher } from '../platform/cipher.ts';
import type { Logger } from '../platform/logger.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import { Loop } from './loop.ts';
import { audit } from '../store/audit.ts';
import type { Db } from '../store/db.ts';
import {
  completeExport,
  expiredExports,
  failExport,
  markExportExpired,
  nextExportExpiry,
  leaseExport,
  releaseExport,
  renewExportLease,
  type ExportRow,
} from '../store/exports.ts';
import { listResources } from '../store/resources.ts';
import { readResults } from '../store/results.ts';
import { getTask } from '../store/tasks.ts';
import { getTenant } from '../store/tenants.ts';

export interface ExportWorkerOptions {
  db: Db;
  scheduler: Scheduler;
  /** Decrypts encrypted attributes for unmasked exports. */
  cipher: Cipher;
  /** Where files are written: `exportsDir(config.dataDir)` in `serve`. The API downloads from here. */
  dir: string;
  owner: string;
  logger?: Logger | undefined;
  /** Customers read per keyset batch: the bound on the rows held in memory at once. */
  batch?: number;
  /** A worker that dies mid-export gives the export back after this. */
  leaseMs?: number;
  /** Longest sleep when nothing is queued. */
  idleMs?: number;
  /** Tries of one export (counted at lease) before it is failed. */
  maxTries?: number;
  /** How long a finished export's file is kept (default 7 days); then it is removed. */
  retentionMs?: number;
}

export const DEFAULT_EXPORT_RETENTION_MS = 7 * 86_400_000;

export const exportsDir = (dataDir: string): string => path.join(dataDir, 'exports');

class Aborted extends Error {}
/** A failure the requester may read; any other error is logged and reported in general terms. */
class ExportFailure extends Error {}

/**
 * The export worker: a loop of its own that leases one queued export at a time and writes it to a
 * file, reading the task's customers in keyset batches and streaming them through the CSV or XLSX
 * writer, so memory stays flat however large the task. The file is written under a temporary name
 * and renamed when complete, so a download never sees half a file.
 */
export class ExportWorker {
  readonly #o: Required<Omit<ExportWorkerOptions, 'logger'>> & { logger?: Logger | undefined };
  readonly #loop: Loop;
  #abort = new AbortController();
  /** Exports completed since start. */
  done = 0;

  constructor(o: ExportWorkerOptions) {
    this.#o = {
      batch: 1000,
      leaseMs: 120_000,
      idleMs: 2000,
      maxTries: 3,
      retentionMs: DEFAULT_EXPORT_RETENTION_MS,
      ...o,
    };
    this.#loop = new Loop({
      scheduler: o.scheduler,
      tick: () => this.tick(),
      retryMs: this.#o.idleMs,
      onError: (err) => this.#o.logger?.error({ err }, 'export round failed'),
    });
  }

  /** Starts the loop; returns the worker, so it can be made and started in one expression. */
  start(): this {
    this.#abort = new AbortController();
    this.#loop.start();
    return this;
  }

  /** Stops; an export in progress is abandoned between batches and given back to the queue. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop.stop();
  }

  wakeAt(at?: number): void {
    this.#loop.wakeAt(at);
  }

  /** Removes expired files, writes at most one export; returns when the next round is wanted. */
  async tick(): Promise<number> {
    const { db, scheduler, leaseMs, owner } = this.#o;
    const now = scheduler.now();
    await this.#expire(now);
    const job = await leaseExport(db, {
      owner,
      now,
      until: new Date(now.getTime() + leaseMs),
      maxTries: this.#o.maxTries,
    });
    if (!job) {
      const idle = scheduler.now().getTime() + this.#o.idleMs;
      const expiry = await nextExportExpiry(db);
      return expiry ? Math.min(idle, Math.max(expiry.getTime(), now.getTime() + 1)) : idle;
    }
    await this.#run(job, this.#abort.signal);
    // Another may be queued behind this one.
    return scheduler.now().getTime();
  }

  async #run(job: ExportRow, signal: AbortSignal): Promise<void> {
    const { db, scheduler, owner } = this.#o;
    const key = { tenantId: job.tenantId, id: job.id, owner };
    fs.mkdirSync(this.#o.dir, { recursive: true });
    const file = path.join(this.#o.dir, `${job.id}.${job.format}`);
    // A name of this attempt's own: a worker that lost its lease may still be writing the old one.
    const part = `${file}.${randomBytes(4).toString('hex')}.part`;
    try {
      const rows = await this.#write(job, part, signal);
      const bytes = fs.statSync(part).size;
      fs.renameSync(part, file);
      const at = scheduler.now();
      const expiresAt = new Date(at.getTime() + this.#o.retentionMs);
      if (
        !(await completeExport(db, {
          ...key,
          rowCount: rows,
          filePath: file,
          bytes,
          at,
          expiresAt,
        }))
      ) {
        this.#o.logger?.warn(
          { exportId: job.id },
          'export lease lost; its file is left to the new owner',
        );
        return;
      }
      this.done++;
      // Every export is audited (product.md §9); the detail says whether it held personal data.
      await audit(db, {
        tenantId: job.tenantId,
        at,
        actor: job.requestedBy,
        action: 'exports.done',
        subject: job.taskId,
        detail: {
          exportId: job.id,
          format: job.format,
          masked: job.masked,
          rows,
          filter: job.filter,
        },
      });
    } catch (err) {
      fs.rmSync(part, { force: true });
      if (err instanceof Aborted) {
        await releaseExport(db, key);
        return;
      }
      this.#o.logger?.error({ err, exportId: job.id }, 'export failed');
      await failExport(db, {
        ...key,
        error: err instanceof ExportFailure ? err.message : 'the file could not be written',
        at: scheduler.now(),
      });
    }
  }

  /**
   * Removes the files of exports past their retention and marks them `expired`. Any worker may do
   * it: removing an already removed file is harmless, and the mark is idempotent.
   */
  async #expire(now: Date): Promise<void> {
    const { db } = this.#o;
    for (const e of await expiredExports(db, now, 100)) {
      // Only files this service wrote, in its export directory.
      if (e.filePath && path.dirname(path.resolve(e.filePath)) === path.resolve(this.#o.dir))
        fs.rmSync(e.filePath, { force: true });
      await markExportExpired(db, e.tenantId, e.id);
      this.#o.logger?.info({ exportId: e.id }, 'export file expired and removed');
    }
  }

  /** Writes the file; returns the number of customer rows. */
  async #write(job: ExportRow, file: string, signal: AbortSignal): Promise<number> {
    const { db, cipher } = this.#o;
    const task = await getTask(db, job.tenantId, job.taskId);
    if (!task) throw new ExportFailure('the task no longer exists');
    const tenant = await getTenant(db, job.tenantId);
    let zone: Zone;
    try {
      zone = resolveZone(task.config.timeZone, tenant?.settings.timeZone ?? '+00:00');
    } catch {
      zone = FixedOffsetZone.utcInstance;
    }
    const attributes: ExportAttribute[] = (await listResources(db, job.tenantId, 'attributes')).map(
      (r) => ({
        code: r.id,
        encrypted: r.doc.encrypted === true,
      }),
    );
    const ctx: CellContext = {
      masked: job.masked,
      zone,
      ids: { tenantId: job.tenantId, taskId: job.taskId },
      attributes,
      isEncrypted: (v: unknown) => cipher.isEncrypted(v),
      decrypt: (s: string) => {
        try {
          return cipher.decrypt(s);
        } catch {
          return null; // encrypted under another key (a restored backup)
        }
      },
    };
    const counter = { rows: 0 };
    const rows = this.#rows(job, ctx, signal, counter);
    const header = exportHeader(attributes);
    if (job.format === 'csv') await writeCsv(file, header, rows);
    else await writeXlsx(file, header, rows);
    return counter.rows;
  }

  /** The customers' rows, one keyset batch at a time; the lease is renewed between batches. */
  async *#rows(
    job: ExportRow,
    ctx: CellContext,
    signal: AbortSignal,
    counter: { rows: number },
  ): AsyncGenerator<Cell[]> {
    const { db, batch: limit } = this.#o;
    let afterId = 0;
    let renewedAt = this.#o.scheduler.now().getTime();
    for (;;) {
      if (signal.aborted) throw new Aborted('stopping');
      const batch = await readResults(db, job.tenantId, job.taskId, job.filter, { afterId, limit });
      for (const r of batch) yield exportCells(r, ctx);
      counter.rows += batch.length;
      if (batch.length < limit) return;
      afterId = batch.at(-1)!.id;
      renewedAt = await this.#renew(job, renewedAt);
    }
  }

  /** Extends the lease once a third of it has passed; a lost lease ends the export. */
  async #renew(job: ExportRow, renewedAt: number): Promise<number> {
    const now = this.#o.scheduler.now().getTime();
    if (now - renewedAt < this.#o.leaseMs / 3) return renewedAt;
    const ok = await renewExportLease(this.#o.db, {
      tenantId: job.tenantId,
      id: job.id,
      owner: this.#o.owner,
      until: new Date(now + this.#o.leaseMs),
    });
    if (!ok) throw new ExportFailure('the export lease was lost');
    return now;
  }
}

/**
 * CSV: UTF-8 with a byte order mark (without it, Excel reads UTF-8 as the local code page),
 * quoted only where needed. `Readable.from` pulls the next batch only when the file stream has
 * drained, so the writer never runs ahead of the disk.
 */
async function writeCsv(
  file: string,
  header: string[],
  rows: AsyncIterable<Cell[]>,
): Promise<void> {
  async function* all(): AsyncGenerator<Cell[]> {
    yield header;
    yield* rows;
  }
  // As for XLSX: on failure the file stream must be closed before the caller removes the file,
  // or its late open leaves a stray file behind.
  const out = fs.createWriteStream(file);
  try {
    await pipeline(Readable.from(all()), stringify({ bom: true }), out);
  } finally {
    if (!out.closed) await once(out, 'close');
  }
}

// Characters XML 1.0 cannot hold: a cell with one would make the whole workbook unreadable.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
/** Excel's limit on the text of a cell. */
const XLSX_CELL_MAX = 32767;

/**
 * A number cell, or a plain inline string cell (`t="inlineStr"`). exceljs writes a bare string
 * without shared strings as `t="str"`, the type of a formula's cached text, which some readers
 * take for a formula result; its one plain-string form without the shared table is a rich text
 * of one unformatted run.
 */
const xlsxCell = (c: Cell): number | { richText: { text: string }[] } =>
  typeof c === 'number'
    ? c
    : { richText: [{ text: c.replace(XML_INVALID, '').slice(0, XLSX_CELL_MAX) }] };

/**
 * XLSX through exceljs's streaming writer without shared strings (that table would grow with the
 * task): each row is committed and leaves memory. Text is written as text cells, never formulas.
 */
async function writeXlsx(
  file: string,
  header: string[],
  rows: AsyncIterable<Cell[]>,
): Promise<void> {
  // Loaded when a workbook is written (a large module most processes never need).
  const { default: ExcelJS } = await import('exceljs');
  // Our own file stream, so that on failure it is closed before the caller removes the file
  // (otherwise a late open would leave a stray file behind).
  const out = fs.createWriteStream(file);
  try {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: out,
      useSharedStrings: false,
      useStyles: false,
    });
    const ws = wb.addWorksheet('results');
    ws.addRow(header.map(xlsxCell)).commit();
    let n = 0;
    for await (const cells of rows) {
      ws.addRow(cells.map(xlsxCell)).commit();
      // exceljs does not wait for the disk: stop producing while the file stream is full.
      if (++n % 1000 === 0 && out.writableNeedDrain) await once(out, 'drain');
    }
    ws.commit();
    await wb.commit();
  } catch (err) {
    out.destroy();
    throw err;
  } finally {
    if (!out.closed) await once(out, 'close');
  }
}
