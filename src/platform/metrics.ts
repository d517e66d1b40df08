import {
  Counter,
  Gauge,
  Registry,
  collectDefaultMetrics,
  type OpenMetricsContentType,
} from 'prom-client';
import { sql } from 'kysely';
import type { Db } from '../store/db.ts';
import type { Clock } from './clock.ts';
import { registerPacingMetrics } from './pacing-metrics.ts';

/**
 * Prometheus metrics of one process. Figures about the shared state (calls in progress, outbox
 * lag) are read from the database at scrape time, so every process reports the same truth;
 * counters of this process's own work are fed by the engine and the dispatcher.
 */
export interface Metrics {
  /** Prometheus text format. */
  registry: Registry;
  /** The same metrics in OpenMetrics text format (served when a scraper asks for it). */
  openMetrics: Registry<OpenMetricsContentType>;
  callsPlaced: Counter;
  sweeperRecoveries: Counter;
  /** Calls in progress of this (live) process that another engine's sweeper closed. */
  liveCallsSwept: Counter;
  deliveries: Counter<'kind' | 'outcome'>;
  /** This process's leased calls (set by the engine). */
  leasesHeld: Gauge;
}

export function createMetrics(db: Db, clock: Clock): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'outbound_process_' });
  // prom-client also serves three gauges named `…_total`, which Prometheus reserves for counters
  // (`promtool check metrics` refuses them). The same counts stay as `…_active_handles`,
  // `…_active_requests` and `…_active_resources` (by type).
  for (const name of ['handles', 'requests', 'resources'])
    registry.removeSingleMetric(`outbound_process_nodejs_active_${name}_total`);
  const callsPlaced = new Counter({
    name: 'outbound_calls_placed_total',
    help: 'Calls this process placed',
    registers: [registry],
  });
  const sweeperRecoveries = new Counter({
    name: 'outbound_sweeper_recoveries_total',
    help: 'Calls of dead engines this process closed as system_error',
    registers: [registry],
  });
  const liveCallsSwept = new Counter({
    name: 'outbound_live_calls_swept_total',
    help: 'Calls in progress of this live engine that a sweeper closed as engine lost (its heartbeat was late); should stay 0',
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'outbound_deliveries_total',
    help: 'Callbacks and SMS this process tried, by outcome',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const leasesHeld = new Gauge({
    name: 'outbound_leases_held',
    help: 'Calls leased by this process',
    registers: [registry],
  });
  new Gauge({
    name: 'outbound_calls_in_progress',
    help: 'Active attempts (channels in use), all engines, by tenant',
    labelNames: ['tenant'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('attempts')
        .select(['tenant_id', (e) => e.fn.countAll<number>().as('n')])
        .where('state', '=', 'active')
        .groupBy('tenant_id')
        .execute();
      for (const r of rows) this.set({ tenant: r.tenant_id }, Number(r.n));
    },
  });
  new Gauge({
    name: 'outbound_outbox_pending',
    help: 'Callbacks and SMS waiting to be delivered',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('outbox')
        .select(['kind', (e) => e.fn.countAll<number>().as('n')])
        .where('state', '=', 'pending')
        .groupBy('kind')
        .execute();
      for (const r of rows) this.set({ kind: r.kind }, Number(r.n));
    },
  });
  new Gauge({
    name: 'outbound_outbox_lag_seconds',
    help: 'How long the oldest due message has been waiting',
    registers: [registry],
    async collect() {
      const now = clock.now();
      const r = await sql<{
        d: Date | null;
      }>`select min(next_at) as d from outbox where state = 'pending' and next_at <= ${now}`.execute(
        db,
      );
      const d = r.rows[0]?.d;
      this.set(d ? Math.max(0, (now.getTime() - new Date(d).getTime()) / 1000) : 0);
    },
  });
  new Gauge({
    name: 'outbound_tasks',
    help: 'Tasks by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('tasks')
        .select(['state', (e) => e.fn.countAll<number>().as('n')])
        .groupBy('state')
        .execute();
      for (const r of rows) this.set({ state: r.state }, Number(r.n));
    },
  });
  registerPacingMetrics(registry, db);
  const openMetrics = new Registry<OpenMetricsContentType>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const { name } of registry.getMetricsAsArray())
    openMetrics.registerMetric(registry.getSingleMetric(name)!);
  return {
    registry,
    openMetrics,
    callsPlaced,
    sweeperRecoveries,
    liveCallsSwept,
    deliveries,
    leasesHeld,
  };
}
