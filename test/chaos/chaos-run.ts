import fs from 'node:fs';
import path from 'node:path';
import { FixedOffsetZone } from 'luxon';
import { decideAfterAttempt, type AttemptRecord } from '../../src/domain/retry-policy.ts';
import type { Store } from '../../src/store/db.ts';
import { spawnServe, type ServeProcess } from '../helpers/engine-process.ts';
import { WORLD } from '../helpers/world.ts';

/**
 * The chaos driver and its checks, shared by the CI test (test/chaos/engines.test.ts) and the
 * operators' long run (bench/chaos/run.ts): engine processes on one PostgreSQL, a driver that
 * stops them — mostly those holding calls at that moment, by the database — and restarts them,
 * and checks of everything from the database's own records.
 */

/** Retries per result; `system_error` (engine lost, shutdown) is retried. */
export const POLICY = {
  kind: 'global',
  byResult: true,
  rules: [
    { result: 'no_answer', retries: 2, intervalSec: 3 },
    { result: 'busy', retries: 1, intervalSec: 2 },
    { result: 'system_error', retries: 4, intervalSec: 1 },
  ],
  nonRetryResults: [],
} as const;

/** How long after its lease a dead engine's call may stay open before the sweeper is at fault. */
export const SWEEP_GRACE_MS = 20_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One stop of an engine by the driver, and what it held at that moment. */
export interface StopRecord {
  engineId: string;
  /** Its log's last lines, when it did not exit as it should. */
  log?: string;
  signal: 'SIGKILL' | 'SIGTERM';
  /** Whether the driver aimed at an engine holding calls (else: any engine). */
  aimed: boolean;
  at: number;
  /** SIGKILL: the calls the dead engine held (active, its id), with their lease expiry. */
  held: { id: number; contactId: number; leaseUntil: Date }[];
  /** SIGTERM: its exit code, and the calls it still held once it exited (must be none). */
  exitCode?: number | null;
  leftActive?: number;
}

export interface EngineOptions {
  url: string;
  secretKey: string;
  dir: string;
  network: Record<string, unknown>;
  leaseSec: number;
  drainSec: number;
}

/** The engine processes of a run: started, stopped by signal, restarted. */
export class EnginePool {
  readonly live = new Set<ServeProcess>();
  readonly all: ServeProcess[] = [];
  readonly stops: StopRecord[] = [];
  readonly logs = new Map<ServeProcess, string>();
  readonly #o: EngineOptions;
  readonly #networkFile: string;
  #n = 0;

  constructor(o: EngineOptions) {
    this.#o = o;
    this.#networkFile = path.join(o.dir, 'network.json');
    fs.writeFileSync(this.#networkFile, JSON.stringify(o.network));
  }

  readonly #starting = new Set<Promise<unknown>>();

  /** Starts an engine in `ms` without waiting for it (await `settled()` for those pending). */
  launchAfter(ms: number): void {
    const p = sleep(ms).then(() => this.launch());
    this.#starting.add(p);
    void p.finally(() => this.#starting.delete(p)).catch(() => undefined);
  }

  /** Waits for the engines being started. */
  async settled(): Promise<void> {
    await Promise.all([...this.#starting]);
  }

  async launch(): Promise<ServeProcess> {
    const logFile = path.join(this.#o.dir, `engine-${++this.#n}.log`);
    const e = spawnServe({
      role: 'engine',
      databaseUrl: this.#o.url,
      secretKey: this.#o.secretKey,
      network: this.#networkFile,
      logFile,
      env: {
        OUTBOUND_LEASE_SEC: String(this.#o.leaseSec),
        OUTBOUND_DRAIN_SEC: String(this.#o.drainSec),
      },
      // A busy machine (the test must pass beside CPU-bound processes) starts them slowly.
      startTimeoutMs: 120_000,
    });
    this.all.push(e);
    this.live.add(e);
    this.logs.set(e, logFile);
    await e.started;
    if (!e.engineId) throw new Error(`engine ${e.pid} did not say its engine id`);
    return e;
  }

  /** Calls in progress per engine id, for one task, as the database has them now. */
  async holders(db: Store['db'], taskId: string): Promise<Map<string, number>> {
    const rows = await db
      .selectFrom('attempts')
      .select(['engine_id', (e) => e.fn.countAll<number>().as('n')])
      .where('task_id', '=', taskId)
      .where('state', '=', 'active')
      .groupBy('engine_id')
      .execute();
    return new Map(rows.map((r) => [r.engine_id ?? '', Number(r.n)]));
  }

  /**
   * A victim: with `aim`, a live engine holding calls of the task (weighted by how many; waits up
   * to 3 s for one), else any live engine.
   */
  async pick(db: Store['db'], taskId: string, aim: boolean): Promise<ServeProcess> {
    // Only engines that said they started (an id): one starting may hold nothing yet.
    const started = async () => {
      for (let waited = 0; ; waited += 100) {
        const up = [...this.live].filter((e) => e.engineId);
        if (up.length > 0 || waited > 30_000) return up;
        await sleep(100);
      }
    };
    let live = await started();
    if (aim) {
      for (let waited = 0; waited < 3000; waited += 100, live = await started()) {
        const held = await this.holders(db, taskId);
        const weighted = live.map((e) => ({ e, n: held.get(e.engineId!) ?? 0 }));
        const total = weighted.reduce((s, x) => s + x.n, 0);
        if (total > 0) {
          let r = Math.random() * total;
          for (const x of weighted) if ((r -= x.n) < 0) return x.e;
        }
        await sleep(100);
      }
    }
    return live[Math.floor(Math.random() * live.length)]!;
  }

  /** Stops one engine by `signal`; records what it held. */
  async stop(
    db: Store['db'],
    victim: ServeProcess,
    signal: 'SIGKILL' | 'SIGTERM',
    aimed: boolean,
  ): Promise<StopRecord> {
    const at = Date.now();
    victim.child.kill(signal);
    const exit = await victim.exited;
    this.live.delete(victim);
    // A dead engine renews nothing: what is active under its id now is what it held when killed,
    // leased until its engine's lease row expires (or the lease it was claimed with, if later).
    const rows = await db
      .selectFrom('attempts as a')
      .leftJoin('engine_leases as e', 'e.engine_id', 'a.engine_id')
      .select(['a.id', 'a.contact_id', 'a.lease_expires_at', 'e.expires_at'])
      .where('a.engine_id', '=', victim.engineId!)
      .where('a.state', '=', 'active')
      .execute();
    const held = rows.map((r) => ({
      id: Number(r.id),
      contactId: r.contact_id,
      leaseUntil: new Date(
        Math.max(r.lease_expires_at!.getTime(), r.expires_at?.getTime() ?? -Infinity),
      ),
    }));
    const rec: StopRecord =
      signal === 'SIGKILL'
        ? { engineId: victim.engineId!, signal, aimed, at, held }
        : {
            engineId: victim.engineId!,
            signal,
            aimed,
            at,
            held: [],
            exitCode: exit.code,
            leftActive: held.length,
            ...(exit.code !== 0 ? { log: this.tail(victim) } : {}),
          };
    this.stops.push(rec);
    return rec;
  }

  /** The last lines of an engine's log (to show why it failed). */
  tail(e: ServeProcess, lines = 15): string {
    const f = this.logs.get(e);
    return f && fs.existsSync(f)
      ? fs.readFileSync(f, 'utf8').trim().split('\n').slice(-lines).join('\n')
      : '';
  }

  async close(): Promise<void> {
    for (const e of this.all) e.child.kill('SIGKILL');
    await Promise.all(this.all.map((e) => e.exited));
  }
}

/** Customers of the task not finished yet. */
export async function unfinished(db: Store['db'], taskId: string): Promise<number> {
  const r = await db
    .selectFrom('contacts')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('task_id', '=', taskId)
    .where('state', '!=', 'finished')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Outbox messages not delivered yet. */
export async function pendingMessages(db: Store['db']): Promise<number> {
  const r = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('state', '!=', 'delivered')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Fails fast when a killed engine's call is still open well after its lease (the sweeper is not
 * doing its work), rather than at the end of the run.
 */
export async function assertSwept(db: Store['db'], stops: StopRecord[]): Promise<void> {
  const now = Date.now();
  const overdue = stops.flatMap((s) =>
    s.held.filter((h) => h.leaseUntil.getTime() + SWEEP_GRACE_MS < now).map((h) => h.id),
  );
  if (overdue.length === 0) return;
  const open = await db
    .selectFrom('attempts')
    .select('id')
    .where('id', 'in', overdue)
    .where('state', '=', 'active')
    .execute();
  if (open.length > 0)
    throw new Error(
      `${open.length} calls of killed engines still open ${SWEEP_GRACE_MS / 1000} s after their lease (attempts ${open
        .slice(0, 5)
        .map((r) => r.id)
        .join(', ')}): the sweeper did not recover them`,
    );
}

type AttemptRows = Awaited<ReturnType<typeof loadRun>>['attempts'];

export async function loadRun(db: Store['db'], taskId: string) {
  const attempts = await db
    .selectFrom('attempts')
    .selectAll()
    .where('task_id', '=', taskId)
    .orderBy('contact_id')
    .orderBy('attempt_no')
    .execute();
  const contacts = await db
    .selectFrom('contacts')
    .select(['id', 'session_id', 'state', 'attempts', 'finish_reason'])
    .where('task_id', '=', taskId)
    .execute();
  return { attempts, contacts };
}

/**
 * Per stop: each call a killed engine held ended as system_error "engine lost" naming that engine,
 * not before its lease expired, and its customer was not dialed again before then (while the old
 * call could still be up); an engine stopped by SIGTERM exited 0 and left no call open.
 */
export function checkStops(attempts: AttemptRows, stops: StopRecord[]): string[] {
  const byId = new Map(attempts.map((a) => [Number(a.id), a]));
  const next = new Map(attempts.map((a) => [`${a.contact_id}:${a.attempt_no}`, a]));
  const problems: string[] = [];
  for (const s of stops) {
    if (s.signal === 'SIGTERM') {
      if (s.exitCode !== 0)
        problems.push(`${s.engineId}: exited ${s.exitCode} on SIGTERM; its log ends:\n${s.log}`);
      if (s.leftActive) problems.push(`${s.engineId}: left ${s.leftActive} calls open on SIGTERM`);
      continue;
    }
    for (const h of s.held) {
      const a = byId.get(h.id);
      if (!a) continue; // another task's call (the long run has one task a round)
      const detail = (a.detail ?? {}) as { reason?: string; engine?: string };
      if (a.result !== 'system_error' || detail.reason !== 'engine lost')
        problems.push(`attempt ${h.id} of killed ${s.engineId}: ${a.result} ${detail.reason}`);
      else if (detail.engine !== s.engineId)
        problems.push(`attempt ${h.id}: closed as lost by ${detail.engine}, not ${s.engineId}`);
      if (a.ended_at && a.ended_at < h.leaseUntil)
        problems.push(
          `attempt ${h.id} of killed ${s.engineId}: closed at ${a.ended_at.toISOString()}, lease ran to ${h.leaseUntil.toISOString()}`,
        );
      const again = next.get(`${a.contact_id}:${a.attempt_no + 1}`);
      if (again && again.started_at < h.leaseUntil)
        problems.push(
          `${a.session_id}: dialed again at ${again.started_at.toISOString()} while the call of killed ${s.engineId} could be up (lease to ${h.leaseUntil.toISOString()})`,
        );
    }
  }
  return problems;
}

/**
 * The whole run from its records: every attempt ended; each customer got exactly what its policy
 * allows (replayed through it); no number in two calls at once; channels within the tenant's
 * limit at every instant; no call cut by an engine recorded as anything but system_error.
 */
export function checkRecords(
  { attempts, contacts }: Awaited<ReturnType<typeof loadRun>>,
  channels: number,
  /** The tenant's `numberCaps` of attempts per rolling day, if any: never exceeded. */
  dayCap?: number,
): { problems: string[]; peak: number; lost: number; shutdown: number } {
  const problems: string[] = [];
  for (const a of attempts.filter((x) => x.state !== 'ended' || !x.ended_at || !x.result))
    problems.push(`attempt ${a.id} (${a.session_id}) never ended: ${a.state}`);
  let lost = 0;
  let shutdown = 0;
  for (const a of attempts) {
    const reason = (a.detail as { reason?: string } | null)?.reason;
    if (a.result === 'system_error') {
      if (reason === 'engine lost') lost++;
      else if (reason === 'shutdown') shutdown++;
      else problems.push(`attempt ${a.id}: system_error for ${reason}`);
    }
    // The network never abandons a call: an abandoned call is one an engine cut and misrecorded.
    if (a.result === 'abandoned') problems.push(`attempt ${a.id}: abandoned`);
  }

  const byContact = new Map<number, AttemptRows>();
  for (const a of attempts)
    byContact.set(a.contact_id, [...(byContact.get(a.contact_id) ?? []), a]);
  for (const c of contacts) {
    const mine = byContact.get(c.id) ?? [];
    if (c.state !== 'finished') problems.push(`${c.session_id}: ${c.state}`);
    if (mine.length !== c.attempts)
      problems.push(`${c.session_id}: ${mine.length} attempt rows, counter ${c.attempts}`);
    if (mine.some((a, i) => a.attempt_no !== i + 1))
      problems.push(`${c.session_id}: attempt numbers ${mine.map((a) => a.attempt_no)}`);
    const history: AttemptRecord[] = [];
    for (const [i, a] of mine.entries()) {
      if (!a.ended_at || !a.result) break;
      history.push({
        numberIndex: a.number_index,
        startedAt: a.started_at,
        endedAt: a.ended_at,
        result: a.result,
      });
      const d = decideAfterAttempt({
        policy: POLICY as never,
        resultDefinitions: WORLD.resultDefinitions as never,
        numbers: [{ type: 'mobile' }],
        order: [0],
        attempts: history,
        zone: FixedOffsetZone.utcInstance,
      });
      const next = mine[i + 1];
      if (next && d.kind !== 'retry')
        problems.push(`${c.session_id}: attempt ${i + 2} after a ${d.kind} (${d.reason})`);
      if (next && d.kind === 'retry' && next.started_at < d.notBefore)
        problems.push(
          `${c.session_id}: attempt ${i + 2} at ${next.started_at.toISOString()}, due ${d.notBefore.toISOString()}`,
        );
      if (!next && d.kind !== 'finish')
        problems.push(`${c.session_id}: no attempt after ${a.result}, policy says retry`);
      if (!next && d.kind === 'finish' && d.reason !== c.finish_reason)
        problems.push(`${c.session_id}: finished as ${c.finish_reason}, policy says ${d.reason}`);
    }
  }

  // No number was in two calls at once (whichever engines placed them).
  const byNumber = new Map<string, AttemptRows>();
  for (const a of attempts) byNumber.set(a.number, [...(byNumber.get(a.number) ?? []), a]);
  for (const [num, calls] of byNumber) {
    const sorted = [...calls].sort((x, y) => x.started_at.getTime() - y.started_at.getTime());
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.started_at < sorted[i - 1]!.ended_at!)
        problems.push(
          `${num}: overlapping calls by ${sorted[i - 1]!.engine_id} and ${sorted[i]!.engine_id}`,
        );
    }
  }

  // No number got more calls in a rolling day than the cap allows (every engine counted them).
  if (dayCap !== undefined) {
    for (const [num, calls] of byNumber) {
      const starts = calls
        .filter((a) => a.result !== 'blocked' && a.result !== 'not_trusted')
        .map((a) => a.started_at.getTime())
        .sort((x, y) => x - y);
      for (let i = dayCap; i < starts.length; i++)
        if (starts[i]! - starts[i - dayCap]! < 86_400_000)
          problems.push(`${num}: ${dayCap + 1} calls within a day, the cap is ${dayCap}`);
    }
  }

  // Channels in use at every instant, from the attempts' own start and end (a dead engine's call
  // holds its channel until it is swept).
  const edges = attempts
    .filter((a) => a.ended_at)
    .flatMap((a) => [
      { at: a.started_at.getTime(), d: 1 },
      { at: a.ended_at!.getTime(), d: -1 },
    ]);
  edges.sort((x, y) => x.at - y.at || x.d - y.d);
  let inUse = 0;
  let peak = 0;
  for (const e of edges) peak = Math.max(peak, (inUse += e.d));
  if (peak > channels) problems.push(`${peak} channels in use, the tenant has ${channels}`);
  return { problems, peak, lost, shutdown };
}

/** Callbacks: a release for every attempt, a connect for every answered call, nothing else. */
export function checkCallbacks(attempts: AttemptRows, received: Map<string, number>): string[] {
  const expected = new Set<string>();
  for (const a of attempts) {
    expected.add(`cb:${a.id}:release`);
    if (a.answered_at) expected.add(`cb:${a.id}:connect`);
  }
  return [...expected].filter((k) => !received.has(k)).map((k) => `callback ${k} not received`);
}
