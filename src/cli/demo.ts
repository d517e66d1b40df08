import { DateTime, FixedOffsetZone } from 'luxon';
import type { Config } from '../platform/config.ts';
import { attemptCount, customerProgress, otherRunningTasks } from '../store/task-report.ts';
import { openRuntime } from './runtime.ts';
import { simEngine, tickFor, type SimEngine } from './simulate-engine.ts';
import { isoIn, summaryTasks, taskSummaries } from './simulate-summary.ts';
import { problemErrors } from './simulate-world.ts';
import {
  DEMO_NETWORK,
  DEMO_RESOURCES,
  DEMO_SETTINGS,
  DEMO_TASK,
  DEMO_TENANT,
  demoCustomers,
  demoTask,
} from './demo-world.ts';

/**
 * `outbound demo`: on the configured database (./data by default), creates the demo tenant and a
 * task of the seed's business scenario, loads generated customers, and runs it on the sim network
 * at an accelerated virtual clock with a progress line, then prints the summary. Re-running reuses
 * the tenant and adds a task with a new name.
 */
export interface DemoOptions {
  customers?: number;
  /** Wall time one simulated hour takes at least (ms); the engine may take longer. */
  hourMs?: number;
  /** Give up after this much simulated time (ms) if the task has not completed. */
  maxSimMs?: number;
  /**
   * Simulated start; default today 10:50 at +08:00, so that the first round runs into the lunch
   * break of the calling windows (09:00-11:30, 14:00-18:00) and resumes after it.
   */
  from?: Date;
  out?: (s: string) => void;
  err?: (s: string) => void;
  /** Progress with \r updates (a terminal) or a line per simulated half hour. */
  tty?: boolean;
}

const STEP_MS = 5 * 60_000;
const ZONE = FixedOffsetZone.instance(8 * 60);

export async function demo(config: Config, o: DemoOptions = {}): Promise<number> {
  const t0 = performance.now();
  const out = o.out ?? ((s: string) => void process.stdout.write(s));
  const err = o.err ?? ((s: string) => void process.stderr.write(s));
  const tty = o.tty ?? process.stderr.isTTY === true;
  const hourMs = o.hourMs ?? 200;
  const from =
    o.from ?? DateTime.now().setZone(ZONE).startOf('day').set({ hour: 10, minute: 50 }).toJSDate();
  const { store, cipher } = await openRuntime(config);
  const e = await simEngine({
    db: store.db,
    from,
    network: DEMO_NETWORK,
    seed: 1,
    cipher,
    engineId: 'demo',
    tickMs: tickFor([3]),
  });
  try {
    const taskId = await setUp(e, from, o.customers ?? 3000, out);
    const others = await otherRunningTasks(store.db, taskId);
    if (others > 0)
      err(
        `note: ${others} other running task(s) in this database are dialed on the same virtual clock\n`,
      );
    const start = await e.call('POST', `/api/v1/tenants/${DEMO_TENANT}/tasks/${taskId}/start`);
    if (start.status !== 200) throw new Error(`start: ${JSON.stringify(start.body)}`);

    const total = (await customerProgress(store.db, DEMO_TENANT, taskId)).total;
    out(
      `Running it on the sim network from ${isoIn(from, ZONE)} (one simulated hour ≥ ${hourMs} ms)…\n`,
    );
    e.dialer.start();
    const limit = from.getTime() + (o.maxSimMs ?? 3 * 86_400_000);
    let at = from.getTime();
    let placed = 0;
    let line = '';
    for (let step = 1; at < limit; step++) {
      const w0 = performance.now();
      at += STEP_MS;
      await e.sched.runUntil(at);
      const p = await customerProgress(store.db, DEMO_TENANT, taskId);
      const perMin = (e.dialer.placed - placed) / (STEP_MS / 60_000);
      placed = e.dialer.placed;
      const state = await taskState(e, taskId);
      const done = state === 'completed' || state === 'expired';
      line = progressLine(
        p.finished,
        total,
        await attemptCount(store.db, taskId),
        at,
        perMin,
        e.dialer.liveCalls,
      );
      if (tty) err(`\r${line}\x1b[K`);
      else if (step % 6 === 0 || done) err(`${line}\n`);
      if (done) break;
      if (e.failures.length) throw new Error(`the engine failed: ${e.failures[0]}`);
      const wait = (STEP_MS / 3_600_000) * hourMs - (performance.now() - w0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    if (tty) err('\n');
    await e.dialer.stop();

    const tasks = await summaryTasks(store.db, DEMO_TENANT, [taskId]);
    const summary = {
      tasks: await taskSummaries(store.db, DEMO_TENANT, tasks, e.sched.now()),
      wallMs: Math.round(performance.now() - t0),
      simulatedFrom: isoIn(from, ZONE),
      simulatedUntil: isoIn(e.sched.now(), ZONE),
    };
    out(JSON.stringify(summary, null, 2) + '\n');
    const base = `http://${config.host}:${config.port}`;
    out(
      `\nNext: run the API and the engine for real on the same database:\n\n  npx outbound serve\n\n` +
        `and look at the task:\n\n  curl -s -H 'Authorization: Bearer ${e.adminKey}' \\\n` +
        `    ${base}/api/v1/tenants/${DEMO_TENANT}/tasks/${taskId}\n\n` +
        `(its contacts: …/tasks/${taskId}/contacts; the API's documentation: ${base}/docs)\n`,
    );
    return 0;
  } finally {
    await e.close();
    await store.close();
  }
}

/** The demo tenant and its resources (reused when they exist), then a new task with customers. */
async function setUp(
  e: SimEngine,
  from: Date,
  customers: number,
  out: (s: string) => void,
): Promise<string> {
  const t = await e.call('POST', '/api/v1/tenants', {
    id: DEMO_TENANT,
    name: 'Demo',
    settings: DEMO_SETTINGS,
  });
  if (t.status !== 201 && t.status !== 409) throw apiError('tenant', t);
  out(`${t.status === 201 ? 'Created' : 'Reusing'} the tenant '${DEMO_TENANT}'.\n`);
  out(`System administrator key (shown once, keep it): ${e.adminKey}\n`);
  for (const [kind, items] of Object.entries(DEMO_RESOURCES)) {
    const segment = kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    for (const item of items) {
      const r = await e.call('POST', `/api/v1/tenants/${DEMO_TENANT}/${segment}`, item);
      if (r.status !== 201 && r.status !== 409) throw apiError(kind, r);
    }
  }
  const end = new Date(from.getTime() + 30 * 86_400_000);
  let id: string | undefined;
  for (let n = 1; !id; n++) {
    const name = n === 1 ? DEMO_TASK : `${DEMO_TASK} #${n}`;
    const r = await e.call(
      'POST',
      `/api/v1/tenants/${DEMO_TENANT}/tasks`,
      demoTask(name, from, end),
    );
    if (r.status === 201) {
      id = r.body.id as string;
      out(`Created the task '${name}' (${id}).\n`);
    } else if (!(r.status === 422 && JSON.stringify(r.body).includes('already exists')) || n > 1000)
      throw apiError('task', r);
  }
  const all = demoCustomers(customers);
  for (let i = 0; i < all.length; i += 5000) {
    const r = await e.call('POST', `/api/v1/tenants/${DEMO_TENANT}/tasks/${id}/contacts`, {
      contacts: all.slice(i, i + 5000),
    });
    if (r.status !== 200 || r.body.rejected) throw apiError('contacts', r);
  }
  out(`Loaded ${customers.toLocaleString('en-US')} generated customers.\n`);
  return id;
}

async function taskState(e: SimEngine, taskId: string): Promise<string> {
  const r = await e.call('GET', `/api/v1/tenants/${DEMO_TENANT}/tasks/${taskId}`);
  return String(r.body.state);
}

function apiError(what: string, r: Parameters<typeof problemErrors>[0]): Error {
  const detail = problemErrors(r, '')
    .map((x) => `${x.path}: ${x.message}`)
    .join('; ');
  return new Error(`demo ${what}: HTTP ${r.status}: ${detail}`);
}

function progressLine(
  done: number,
  total: number,
  attempts: number,
  at: number,
  perMin: number,
  live: number,
): string {
  const width = 24;
  const frac = total ? done / total : 1;
  const filled = Math.round(frac * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const when = DateTime.fromMillis(at, { zone: ZONE }).toFormat("ccc yyyy-MM-dd HH:mm 'UTC+8'");
  const n = (x: number) => x.toLocaleString('en-US');
  return (
    `${bar} ${String(Math.round(frac * 100)).padStart(3)}%  ${n(done)}/${n(total)} customers  ` +
    `${n(attempts)} attempts  ${when}  ${perMin.toFixed(0).padStart(3)} calls/min  ${String(live).padStart(2)} live`
  );
}
