import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../platform/logger.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import { Loop } from './loop.ts';
import type { Db } from '../store/db.ts';
import {
  earliestRecordingEnd,
  markRecordingRemoved,
  recordingsEndedBy,
} from '../store/recordings.ts';

export const DEFAULT_RECORDING_RETENTION_MS = 90 * 86_400_000;

/** Is `file` inside `dir` (after resolving `..` and relative paths)? */
export function insideDir(file: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * Recording retention, like exports' (./export-worker.ts): on the injected clock, removes the WAV of
 * every call that ended more than `retentionMs` ago and marks its attempt's recording removed, so
 * the API answers 404 and `recording: null` from then on. It sleeps until the earliest remaining
 * recording is due (`idleMs` when there is none). Any process may run it: removing a removed file
 * is harmless and the mark is idempotent.
 */
export class RecordingWorker {
  readonly #o: {
    db: Db;
    scheduler: Scheduler;
    dir: string;
    retentionMs: number;
    idleMs: number;
    batch: number;
    logger?: Logger | undefined;
  };
  readonly #loop: Loop;
  /** Recordings removed since start. */
  removed = 0;

  constructor(o: {
    db: Db;
    scheduler: Scheduler;
    /** The recordings directory: only files inside it are ever removed. */
    dir: string;
    retentionMs?: number;
    idleMs?: number;
    batch?: number;
    logger?: Logger | undefined;
  }) {
    this.#o = {
      retentionMs: DEFAULT_RECORDING_RETENTION_MS,
      idleMs: 3_600_000,
      batch: 100,
      ...o,
    };
    this.#loop = new Loop({
      scheduler: o.scheduler,
      tick: () => this.tick(),
      retryMs: 60_000,
      onError: (err) => this.#o.logger?.error({ err }, 'recording retention round failed'),
    });
  }

  start(): this {
    this.#loop.start();
    return this;
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Removes one batch of expired recordings; returns when the next round is wanted. */
  async tick(): Promise<number> {
    const { db, scheduler, retentionMs, batch, dir } = this.#o;
    const now = scheduler.now();
    const due = await recordingsEndedBy(db, new Date(now.getTime() - retentionMs), batch);
    for (const r of due) {
      // A path outside the recordings directory is never touched, whatever the detail says.
      if (r.file && insideDir(r.file, dir)) fs.rmSync(path.resolve(r.file), { force: true });
      else if (r.file)
        this.#o.logger?.warn({ attemptId: r.id, file: r.file }, 'recording outside its directory');
      await markRecordingRemoved(db, r.id, now);
      this.removed++;
    }
    if (due.length) this.#o.logger?.info({ removed: due.length }, 'expired recordings removed');
    if (due.length === batch) return now.getTime();
    // Recordings written later expire later: sleeping until the earliest one is due misses none.
    const earliest = await earliestRecordingEnd(db);
    if (!earliest) return now.getTime() + this.#o.idleMs;
    return Math.max(earliest.getTime() + retentionMs, now.getTime() + 1);
  }
}
