import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../store/db.ts';
import { runningAgentPacing } from '../store/skill-queues.ts';

/**
 * Pacing by agents, per running task and the skill queue it paces on, as the engines' last ticks
 * left it (docs/engine.md "Pacing by agents"): read from the database at scrape time like the
 * other shared figures, so every process reports the same.
 */
export function registerPacingMetrics(registry: Registry, db: Db): void {
  const labelNames = ['tenant', 'task', 'queue'] as const;
  // A scrape collects the gauges concurrently: they share one read of the rows.
  let reading: Promise<void> | undefined;
  const collect = () =>
    (reading ??= runningAgentPacing(db)
      .then(fill)
      .finally(() => (reading = undefined)));
  const gauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect });
  const gauges = {
    abandon: gauge(
      'outbound_pacing_abandon_ratio',
      'Customers transferred to the queue who hung up before an agent answered, over the task’s rolling window',
    ),
    p50: gauge(
      'outbound_pacing_agent_wait_p50_seconds',
      'Median wait of the customers an agent answered, over the rolling window',
    ),
    p95: gauge(
      'outbound_pacing_agent_wait_p95_seconds',
      '95th percentile wait of the customers an agent answered, over the rolling window',
    ),
    occupancy: gauge(
      'outbound_pacing_agent_occupancy_ratio',
      'Busy agent time over logged-in agent time of the queue, over the rolling window',
    ),
    paused: gauge(
      'outbound_pacing_paused',
      '1 while the queue keeps the task from dialing (no agent logged in, no fresh state)',
    ),
  };
  function fill(rows: Awaited<ReturnType<typeof runningAgentPacing>>): void {
    for (const g of Object.values(gauges)) g.reset();
    for (const { tenantId, taskId, agent: a } of rows) {
      const l = { tenant: tenantId, task: taskId, queue: a.queueId };
      gauges.abandon.set(l, a.abandonRate);
      if (a.waitP50Sec !== null) gauges.p50.set(l, a.waitP50Sec);
      if (a.waitP95Sec !== null) gauges.p95.set(l, a.waitP95Sec);
      if (a.occupancy !== null) gauges.occupancy.set(l, a.occupancy);
      gauges.paused.set(l, a.paused ? 1 : 0);
    }
  }
}
