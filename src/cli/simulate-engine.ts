import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../api/app.ts';
import { createApiKey } from '../api/auth.ts';
import { Dialer } from '../engine/dialer.ts';
import { createCipher, type Cipher } from '../platform/cipher.ts';
import { pino } from 'pino';
import { VirtualScheduler } from '../platform/scheduler.ts';
import type { Db } from '../store/db.ts';
import { DEFAULT_SNAPSHOT_DIR } from '../store/snapshot.ts';
import { SimTelephony } from '../telephony/sim/adapter.ts';
import type { NetworkRules } from '../telephony/sim/network.ts';
import { connectSimAgents, simQueueBoard } from './sim-agents.ts';

/**
 * The real API, store and dialer on a virtual clock with the sim network (the same wiring as the
 * engine tests): `simulate` and `demo` build their world through `call` (the HTTP API in process),
 * start tasks, and move the clock with `sched.runUntil`.
 */
export interface SimEngine {
  db: Db;
  app: FastifyInstance;
  sched: VirtualScheduler;
  telephony: SimTelephony;
  dialer: Dialer;
  /** A system administrator key, created for this run. */
  adminKey: string;
  /**
   * Errors the engine logged (a failed tick, a failed call event). The first one stops the dialer:
   * a run whose engine failed would only produce wrong figures, and a failing tick retries
   * every tick until `until`.
   */
  failures: string[];
  call(
    method: string,
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiAnswer>;
  /** Stops the dialer (waiting for work in flight) and the app; the store stays open. */
  close(): Promise<void>;
}

export interface ApiAnswer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of any route
}

export async function simEngine(o: {
  db: Db;
  from: Date;
  network?: NetworkRules | undefined;
  seed?: number | undefined;
  cipher?: Cipher | undefined;
  /** Where the engine's log lines (warnings and errors, JSON) go; default stderr. */
  log?: ((line: string) => void) | undefined;
  engineId?: string;
  /**
   * The engine's tick (ms). The default 1000 is right for any task; when every task's own tick
   * (min(intervalSec, 3) s) is longer, ticking at that length places the same calls at the same
   * instants with fewer empty ticks in between (see tickFor).
   */
  tickMs?: number;
}): Promise<SimEngine> {
  const sched = new VirtualScheduler(o.from);
  const app = await buildApp({
    db: o.db,
    clock: sched,
    cipher: o.cipher ?? createCipher(randomBytes(32)),
    // A run calls a few routes once each: compiling every route's schemas would cost more, and
    // the validators of the ones it calls are kept, compiled, beside the prepared schema.
    lazySchemas: { cacheDir: path.join(DEFAULT_SNAPSHOT_DIR, 'validators') },
    docs: false,
  });
  const { key: adminKey } = await createApiKey(o.db, {
    tenantId: null,
    role: 'system_admin',
    ouId: null,
    name: o.engineId ?? 'simulate',
    now: sched.now(),
  });
  const failures: string[] = [];
  const log = o.log ?? ((line: string) => void process.stderr.write(line));
  const running: { dialer?: Dialer } = {};
  const logger = pino(
    { level: 'warn' },
    {
      write(line: string) {
        log(line);
        const entry = JSON.parse(line) as {
          level: number;
          msg?: string;
          err?: { message?: string };
        };
        if (entry.level < 50) return;
        failures.push(`${entry.msg ?? 'error'}: ${entry.err?.message ?? ''}`.trim());
        void running.dialer?.stop();
      },
    },
  );
  const telephony = new SimTelephony(sched, o.network ?? {}, o.seed ?? 1);
  // Nothing changes a virtual world from outside, so the dialer may sleep until its next timer.
  const dialer = new Dialer({
    db: o.db,
    scheduler: sched,
    telephony,
    engineId: o.engineId ?? 'simulate',
    idleMs: 7 * 86_400_000,
    tickMs: o.tickMs ?? 1000,
    logger,
    queueBoard: simQueueBoard(telephony.centre),
  });
  connectSimAgents(telephony.centre, dialer);
  running.dialer = dialer;
  return {
    db: o.db,
    app,
    sched,
    telephony,
    dialer,
    adminKey,
    failures,
    async call(method, url, payload, headers = {}) {
      const res = await app.inject({
        method,
        url,
        ...(payload !== undefined ? { payload } : {}),
        headers: { ...headers, authorization: `Bearer ${adminKey}` },
      } as InjectOptions);
      const type = String(res.headers['content-type'] ?? '');
      return { status: res.statusCode, body: type.includes('json') ? res.json() : res.body };
    },
    async close() {
      await dialer.stop();
      await app.close();
    },
  };
}

/** The longest engine tick that still falls on every task's own tick: min(intervalSec, 3) s. */
export function tickFor(intervals: unknown[]): number {
  const secs = intervals.map((x) =>
    Number.isInteger(x) && (x as number) >= 1 ? Math.min(x as number, 3) : 1,
  );
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  return 1000 * secs.reduce((a, b) => gcd(a, b), secs[0] ?? 1);
}
