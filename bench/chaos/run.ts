/**
 * The long chaos run, for operators (not in CI): `npm run chaos -- [--minutes 10] [--engines 3]
 * [--customers 3000] [--lease 5] [--drain 2]` on the PostgreSQL in DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test; a fresh database is created and dropped).
 *
 * The CI chaos test's driver and checks (test/chaos/chaos-run.ts), for as long as asked: engine
 * processes dial one task after another (rounds) on the sim network in real time while the driver
 * stops one every 1–2.5 s — a kill -9 of an engine holding calls (by the database), every seventh
 * of any engine, every fifth a SIGTERM (a rolling restart: drain, exit 0) — and starts a new one.
 * After each round every record is checked: each killed engine's calls closed as "engine lost"
 * after their lease and not redialed before it, each customer's attempts against its policy, no
 * number in two calls at once, channels, callbacks, no call cut by a restart recorded as anything
 * but system_error "shutdown". Prints a line per round and a summary line; exits 1 on any problem.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};
process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/test';
const MINUTES = Number(arg('--minutes', '10'));
const ENGINES = Number(arg('--engines', '3'));
const CUSTOMERS = Number(arg('--customers', '3000'));
const LEASE_SEC = Number(arg('--lease', '5'));
const DRAIN_SEC = Number(arg('--drain', '2'));
const CHANNELS = 60;
/** A round's task must finish within this after the chaos of the run ended. */
const FINISH_MS = 300_000;

/** As the CI test's network, plus some calls longer than the drain (cut by a restart). */
const NETWORK = {
  rules: [
    {
      match: '.',
      outcomes: [
        { result: 'success', ringSec: 0.2, talkSec: 0.4, weight: 5 },
        { result: 'success', ringSec: 0.5, talkSec: 4, weight: 1 },
        { result: 'no_answer', ringSec: 0.6, weight: 3 },
        { result: 'busy', ringSec: 0.1, weight: 2 },
      ],
    },
  ],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

// After DATABASE_URL is set: the helpers read it when loaded.
const { tenantWithKey } = await import('../../test/helpers/app.ts');
const { customers } = await import('../../test/helpers/engine.ts');
const { callbackReceiver, pgWorld, realTimeTask } = await import('../../test/helpers/pg-world.ts');
const { FULL_SETTINGS, seedWorld } = await import('../../test/helpers/world.ts');
const c = await import('../../test/chaos/chaos-run.ts');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-chaos-long-'));
const w = await pgWorld('chaoslong');
const rx = await callbackReceiver();
const pool = new c.EnginePool({
  url: w.url,
  secretKey: w.secretKey,
  dir,
  network: NETWORK,
  leaseSec: LEASE_SEC,
  drainSec: DRAIN_SEC,
});
const db = w.store.db;
const totals = { rounds: 0, customers: 0, attempts: 0, lost: 0, shutdown: 0, peak: 0 };
const problems: string[] = [];
let began = Date.now();
let endAt = began + MINUTES * 60_000;

try {
  const t = w.t as Parameters<typeof tenantWithKey>[0];
  const key = await tenantWithKey(t, 'acme', {
    ...FULL_SETTINGS,
    channels: CHANNELS,
    callbackTrustlist: [rx.trust],
  });
  await seedWorld(t, key, 'acme');
  await Promise.all(Array.from({ length: ENGINES }, () => pool.launch()));
  // The run's time counts from the engines up.
  began = Date.now();
  endAt = began + MINUTES * 60_000;
  const base = '/api/v1/tenants/acme/tasks';

  let i = 0;
  while (Date.now() < endAt) {
    const round = ++totals.rounds;
    const created = await t.call(key, {
      method: 'POST',
      url: base,
      payload: realTimeTask(`Chaos ${round}`, rx.url, 60, { resultPolicy: c.POLICY }),
    });
    if (created.status !== 201) throw new Error(`task: ${JSON.stringify(created.body)}`);
    const taskId = created.body.id as string;
    const list = customers(CUSTOMERS);
    for (let k = 0; k < list.length; k += 5000) {
      await t.call(key, {
        method: 'POST',
        url: `${base}/${taskId}/contacts`,
        payload: { contacts: list.slice(k, k + 5000) },
      });
    }
    await t.call(key, { method: 'POST', url: `${base}/${taskId}/start` });
    const firstStop = pool.stops.length;

    while (Date.now() < endAt && (await c.unfinished(db, taskId)) > 0) {
      await sleep(rand(1000, 2500));
      const term = i % 5 === 4;
      const aim = term || i % 7 !== 6;
      i++;
      const victim = await pool.pick(db, taskId, aim);
      await pool.stop(db, victim, term ? 'SIGTERM' : 'SIGKILL', aim);
      pool.launchAfter(rand(300, 1000));
      await c.assertSwept(db, pool.stops);
    }
    await pool.settled();
    const deadline = Date.now() + FINISH_MS;
    while ((await c.unfinished(db, taskId)) > 0 || (await c.pendingMessages(db)) > 0) {
      await c.assertSwept(db, pool.stops);
      if (Date.now() > deadline) throw new Error(`round ${round} not finished in time`);
      await sleep(500);
    }

    const run = await c.loadRun(db, taskId);
    const stops = pool.stops.slice(firstStop);
    const records = c.checkRecords(run, CHANNELS);
    const found = [
      ...c.checkStops(run.attempts, stops),
      ...records.problems,
      ...c.checkCallbacks(run.attempts, rx.received),
    ];
    problems.push(...found.map((p) => `round ${round}: ${p}`));
    totals.customers += run.contacts.length;
    totals.attempts += run.attempts.length;
    totals.lost += records.lost;
    totals.shutdown += records.shutdown;
    totals.peak = Math.max(totals.peak, records.peak);
    const kills = stops.filter((s) => s.signal === 'SIGKILL');
    console.log(
      `round ${round}: ${run.attempts.length} attempts, ${kills.length} kills ` +
        `(${kills.filter((s) => s.held.length).length} holding calls), ` +
        `${stops.length - kills.length} SIGTERM restarts, ${records.lost} lost, ` +
        `${records.shutdown} cut by shutdown, peak ${records.peak}/${CHANNELS}, ${found.length} problems`,
    );
    for (const p of found.slice(0, 10)) console.log(`  ${p}`);
  }
} catch (err) {
  problems.push(`run aborted: ${err instanceof Error ? err.message : String(err)}`);
  console.error(err);
} finally {
  const kills = pool.stops.filter((s) => s.signal === 'SIGKILL');
  const hits = kills.filter((s) => s.held.length > 0);
  const terms = pool.stops.filter((s) => s.signal === 'SIGTERM');
  console.log(
    `chaos summary: ${((Date.now() - began) / 60_000).toFixed(1)} min, ${totals.rounds} rounds, ` +
      `${totals.customers} customers, ${totals.attempts} attempts, ${kills.length} kills ` +
      `(${hits.length} of engines holding calls, ${hits.reduce((s, k) => s + k.held.length, 0)} calls held), ` +
      `${terms.length} SIGTERM restarts (${terms.filter((s) => s.exitCode === 0).length} exit 0), ` +
      `${totals.lost} calls recovered as engine lost, ${totals.shutdown} cut by shutdown, ` +
      `peak ${totals.peak}/${CHANNELS} channels, ${problems.length} problems (logs: ${dir})`,
  );
  await pool.close();
  await rx.close();
  await w.close();
  if (problems.length === 0) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(problems.length === 0 ? 0 : 1);
}
