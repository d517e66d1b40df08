import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/platform/metrics.ts';
import { registerMetrics } from '../../src/api/app.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

describe(`Prometheus metrics (${dbKind})`, () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      network: { default: { result: 'success', ringSec: 1, talkSec: 120 } },
    });
  });
  afterAll(() => h.stop());

  it('reports calls in progress per tenant, pending outbox messages and tasks by state', async () => {
    const metrics = createMetrics(h.store.db, h.sched);
    const probe = Fastify();
    registerMetrics(probe, metrics);
    await h.startTask(
      fullTaskConfig({
        name: 'Metrics',
        schedule: WORKDAY,
        strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 4 },
        callStrategy: IN_ORDER,
      }),
      customers(4),
    );
    await h.dispatcher.stop(); // keep the callbacks pending
    await h.runUntil('2026-11-23T09:00:05+08:00');
    const text = (await probe.inject({ method: 'GET', url: '/metrics' })).body;
    await probe.close();
    expect(text).toContain('outbound_calls_in_progress{tenant="acme"} 4');
    expect(text).toContain('outbound_outbox_pending{kind="callback"} 4');
    expect(text).toContain('outbound_tasks{state="running"} 1');
    expect(text).toMatch(/outbound_outbox_lag_seconds \d/);
  });
});
