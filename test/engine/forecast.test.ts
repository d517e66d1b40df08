import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../src/cli/simulate.ts';
import type { SimEngine } from '../../src/cli/simulate-engine.ts';
import { buildWorld } from '../../src/cli/simulate-world.ts';
import type { Scenario } from '../../src/cli/simulate-scenario.ts';
import { runForecast } from '../../src/engine/forecast.ts';
import { ForecastJobs } from '../../src/engine/forecast-jobs.ts';
import { readForecastSeed } from '../../src/store/forecast-seed.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { noticeWorld } from '../helpers/sim-world.ts';
import { dbKind, testStore } from '../helpers/db.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import {
  FORECAST_OUTCOMES as OUTCOMES,
  forecastOutcomes,
  forecastTask,
  retryPolicy,
} from '../helpers/forecast.ts';

/**
 * Done-when of the forecast (issue #14 item 3): a forecast's calls per hour and finish time match
 * a run of the same task in `simulate` — exactly when the forecast is given the scenario's network
 * (same draws), and within a stated tolerance when it learns the network from the task's own first
 * hour of calls.
 */
const MODEL = { outcomes: forecastOutcomes(1) };
const FROM = '2026-11-23T08:00:00+08:00';
/** Busy customers are called again after 10 minutes, unanswered ones after 20. */
const BUSY_SEC = 600;
const TASK = {
  name: 'Notice',
  type: 'ivr',
  flowId: 'flow-notice',
  callerNumbers: ['+862188880001'],
  start: '2026-11-23T00:00:00+08:00',
  end: '2026-12-31T00:00:00+08:00',
  timeZone: '+08:00',
  // A lunch break: the first round runs into it and the retries finish after it.
  schedule: {
    regular: [
      { start: '09:00', end: '09:40' },
      { start: '10:30', end: '18:00' },
    ],
  },
  strategy: { maxRingSec: 20, intervalSec: 10, callsPerInterval: 2 },
  callStrategy: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
  resultPolicy: retryPolicy(BUSY_SEC),
};

function scenario(n: number): Scenario {
  return {
    from: FROM,
    until: '2026-11-24T00:00:00+08:00',
    seed: 1,
    world: noticeWorld({ channels: 30 }),
    tasks: [
      {
        ...TASK,
        contacts: customers(n).map((c) => ({ ...c, attributes: {} })),
      },
    ],
    network: { rules: [{ match: '^\\+86', outcomes: OUTCOMES.map((o) => ({ ...o })) }] },
  } as unknown as Scenario;
}

const minutes = (a: string, b: string) => Math.abs(Date.parse(a) - Date.parse(b)) / 60_000;

describe(`a forecast matches simulate (${dbKind})`, () => {
  let t: TestApp;
  let jobs: ForecastJobs;
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-forecast-'));
  });
  afterAll(async () => {
    await jobs?.close();
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same calls per hour, channels and finish time as simulate on the same network', async () => {
    const s = scenario(300);
    const file = path.join(dir, 'scenario.json');
    fs.writeFileSync(file, JSON.stringify(s));
    const store = await testStore();
    const sim = await simulate(file, { store, out: () => {}, err: () => {}, log: () => {} });
    await store.dispose();
    expect(sim.code).toBe(0);
    // After simulate's store: on PGlite a test store sets the one connection's search path.
    t = await testApp(FROM, undefined, ({ db, clock }) => {
      jobs = new ForecastJobs({ db, clock });
      return { forecasts: jobs };
    });
    const simTask = sim.summary!.tasks[0]!;
    expect(simTask.completedAt).not.toBeNull();

    // The same world and task, created through the API as a draft: the forecast starts it itself.
    const e = {
      db: t.store.db,
      call: (method: string, url: string, payload?: unknown, headers?: Record<string, string>) =>
        t.call(t.adminKey, {
          method,
          url,
          ...(payload !== undefined ? { payload: payload as object } : {}),
          ...(headers ? { headers } : {}),
        }),
    } as unknown as SimEngine;
    const world = await buildWorld(e, 'sim', s, { baseDir: dir });
    expect(world.errors).toEqual([]);
    const base = `/api/v1/tenants/sim/tasks/${world.taskIds[0]}`;
    const posted = await t.call(t.adminKey, {
      method: 'POST',
      url: `${base}/forecast`,
      payload: { model: MODEL, until: '2026-11-24T00:00:00+08:00' },
    });
    expect(posted.status).toBe(202);
    expect(posted.headers.location).toBe(`${base}/forecasts/${posted.body.id}`);
    await jobs.settled(posted.body.id);
    const f = await t.call(t.adminKey, { method: 'GET', url: String(posted.headers.location) });
    expect(f.body.state).toBe('done');
    const r = f.body.report;

    // Tolerance 0: the same draws give the same run.
    expect(r.model.source).toBe('request');
    expect(r.finishesAt).toBe(simTask.completedAt);
    expect(r.callsPerHour).toEqual(simTask.callsPerHour);
    expect(r.series).toEqual(simTask.series);
    expect(r.channels.peak).toBe(simTask.peakChannels);
    expect(r.attempts.byResult).toEqual(simTask.attempts.byResult);
    expect(r.customers.byFinalResult).toEqual(simTask.customers.byFinalResult);
    expect(r.customers.unreached).toEqual(simTask.unreached);
    // 2 calls every 10 s from 09:00 to the lunch break at 09:40: 480 at most, 300 first calls.
    expect(r.series.points[0]).toMatchObject({ at: '2026-11-23T09:00:00+08:00' });
    expect(r.callsPerHour.peak).toBeGreaterThan(300);
    expect(r.callsPerHour.peak).toBeLessThanOrEqual(480);

    // Nothing of the forecast reached the live database: the task is still a draft with no calls.
    const live = await t.call(t.adminKey, { method: 'GET', url: `${base}/progress` });
    expect(live.body).toMatchObject({ state: 'draft', attempts: { total: 0 } });
  }, 600_000);
});

describe(`a forecast of a running task, from its own first calls (${dbKind})`, () => {
  let h: EngineHarness;
  let jobs: ForecastJobs;
  beforeAll(async () => {
    h = await engineHarness({
      start: FROM,
      network: { rules: [{ match: '^\\+86', outcomes: OUTCOMES.map((o) => ({ ...o })) }] },
      app: ({ db, clock }) => {
        jobs = new ForecastJobs({ db, clock });
        return { forecasts: jobs };
      },
    });
  });
  afterAll(async () => {
    await jobs?.close();
    await h?.stop();
  });

  it('predicts the rest of the run within 10 % of calls per hour and 20 minutes of the finish', async () => {
    const id = await h.startTask(
      forecastTask('Running', { ...TASK.schedule, strategy: TASK.strategy, busySec: BUSY_SEC }),
      customers(600),
    );
    await h.runUntil('2026-11-23T09:20:00+08:00');
    const base = `/api/v1/tenants/acme/tasks/${id}`;
    const posted = await h.call(h.key, { method: 'POST', url: `${base}/forecast` });
    expect(posted.status).toBe(202);
    await jobs.settled(posted.body.id);
    const r = (await h.call(h.key, { method: 'GET', url: `${base}/forecasts/${posted.body.id}` }))
      .body.report;
    expect(r.model.source).toBe('task');
    expect(r.model.sample).toBeGreaterThanOrEqual(200);
    // The forecast starts where the task is: the customers already finished are not called again.
    expect(r.from).toBe('2026-11-23T09:20:00+08:00');
    expect(r.customers.total).toBe(600);

    await h.runUntil('2026-11-24T00:00:00+08:00');
    const events = await h.call(h.key, { method: 'GET', url: `${base}/events` });
    const completed = events.body.items.find((e: { action: string }) => e.action === 'complete');
    expect(completed).toBeDefined();
    const attempts = (await h.attempts(id)).filter((a) => a.startedAt >= new Date(r.from));
    expect(r.attempts.total).toBeGreaterThan(0);
    expect(Math.abs(r.attempts.total - attempts.length) / attempts.length).toBeLessThan(0.1);
    // Calls per hour while the task dials after 09:20 (pacing-bound: 720).
    const hours = new Map<number, number>();
    for (const a of attempts) {
      const k = Math.floor(a.startedAt.getTime() / 3_600_000);
      hours.set(k, (hours.get(k) ?? 0) + 1);
    }
    const liveMean = attempts.length / hours.size;
    expect(Math.abs(r.callsPerHour.mean - liveMean) / liveMean).toBeLessThan(0.1);
    expect(minutes(r.finishesAt, completed.at)).toBeLessThan(20);
  }, 600_000);

  it('stops at its wall limit within minutes of simulated time, and says so', async () => {
    const id = await h.startTask(
      forecastTask('Busy', { ...TASK.schedule, strategy: TASK.strategy, busySec: BUSY_SEC }),
      customers(50),
    );
    // A real clock that moves a minute each time the forecast looks at it: past the limit of
    // 100 s at its first check.
    let wall = 0;
    const r = await runForecast({
      seed: await readForecastSeed(h.store.db, h.tenant, id, null),
      from: new Date('2026-11-24T09:00:00+08:00'),
      until: new Date('2026-11-25T00:00:00+08:00'),
      model: { model: MODEL, source: 'request', sample: 0 },
      wallLimitMs: 100_000,
      wallNow: () => (wall += 60_000),
    });
    expect(r.truncated).toBe(true);
    // Not an hour later: the limit is looked at every 5 simulated minutes.
    expect(r.simulatedUntil).toBe('2026-11-24T09:05:00+08:00');
    expect(r.attempts.total).toBeGreaterThan(0);
  }, 600_000);
});
