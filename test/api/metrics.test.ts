import { spawnSync } from 'node:child_process';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/platform/metrics.ts';
import { registerMetrics } from '../../src/api/app.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).error === undefined;
if (!hasPromtool)
  console.warn('promtool is missing (apt-get install -y prometheus): its metrics check is skipped');

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

  it.skipIf(!hasPromtool)(
    'passes `promtool check metrics`, and serves OpenMetrics to a scraper that asks for it',
    async () => {
      const metrics = createMetrics(h.store.db, h.sched);
      const probe = Fastify();
      registerMetrics(probe, metrics);
      metrics.deliveries.inc({ kind: 'callback', outcome: 'delivered' });
      const text = await probe.inject({ method: 'GET', url: '/metrics' });
      expect(text.headers['content-type']).toContain('text/plain');
      const check = spawnSync('promtool', ['check', 'metrics'], {
        input: text.body,
        encoding: 'utf8',
      });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
      expect(text.body).toContain('outbound_process_nodejs_active_handles ');
      const om = await probe.inject({
        method: 'GET',
        url: '/metrics',
        headers: { accept: 'application/openmetrics-text; version=1.0.0,text/plain;q=0.5' },
      });
      await probe.close();
      expect(om.headers['content-type']).toContain('application/openmetrics-text');
      expect(om.body.trimEnd().endsWith('# EOF')).toBe(true);
      expect(om.body).toContain('outbound_deliveries_total{kind="callback",outcome="delivered"} 1');
    },
  );
});
