import { Dialer } from '../../src/engine/dialer.ts';
import { connectSimAgents, simQueueBoard } from '../../src/cli/sim-agents.ts';
import { VirtualScheduler } from '../../src/platform/scheduler.ts';
import { SimTelephony } from '../../src/telephony/sim/adapter.ts';
import type { NetworkRules } from '../../src/telephony/sim/network.ts';
import { testApp, tenantWithKey, type TestApp } from './app.ts';
import { OutboxDispatcher, type Channel } from '../../src/engine/outbox-dispatcher.ts';
import type { LeasedMessage } from '../../src/store/outbox.ts';
import { FULL_SETTINGS, seedWorld } from './world.ts';

/**
 * The real API, store and dialer on a virtual clock with the sim network: a test sets up a task
 * over HTTP, starts it, runs the clock forward, and reads the attempts a user would see.
 */
export interface EngineHarness extends TestApp {
  sched: VirtualScheduler;
  sim: SimTelephony;
  dialer: Dialer;
  dispatcher: OutboxDispatcher;
  /** Messages the default (recording) channels accepted. */
  sent: LeasedMessage[];
  key: string;
  tenant: string;
  /** Creates the task, loads contacts, starts it; returns its id. */
  startTask(config: Record<string, unknown>, contacts: Record<string, unknown>[]): Promise<string>;
  runUntil(at: string | Date): Promise<void>;
  attempts(taskId: string): Promise<AttemptRow[]>;
  contact(taskId: string, sessionId: string): Promise<Record<string, any>>;
  stop(): Promise<void>;
}

export interface AttemptRow {
  sessionId: string;
  number: string;
  attemptNo: number;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  result: string | null;
  callerNo: string | null;
}

export async function engineHarness(opts: {
  start: string;
  network?: NetworkRules;
  settings?: Record<string, unknown>;
  seed?: number;
  callbacks?: Channel;
  sms?: Channel;
  /** More of the app's dependencies (e.g. `recordingsDir`). */
  app?: Parameters<typeof testApp>[2];
}): Promise<EngineHarness> {
  const sched = new VirtualScheduler(opts.start);
  const t = await testApp(opts.start, sched, opts.app);
  const key = await tenantWithKey(t, 'acme', { ...FULL_SETTINGS, ...opts.settings });
  await seedWorld(t, key, 'acme');
  const sim = new SimTelephony(sched, opts.network ?? {}, opts.seed ?? 1);

  // Callbacks go nowhere unless a test gives a channel (a real sender to a receiver on loopback):
  // the example URLs must never be contacted.
  const sent: LeasedMessage[] = [];
  const recorder: Channel = {
    send: async (m) => (sent.push(m), { ok: true, status: 200, error: null }),
  };
  const dispatcher = new OutboxDispatcher({
    db: t.store.db,
    scheduler: sched,
    owner: 'test-dispatcher',
    channels: { callback: opts.callbacks ?? recorder, sms: opts.sms ?? recorder },
    idleMs: 3600_000,
  });
  dispatcher.start();
  const dialer = new Dialer({
    db: t.store.db,
    scheduler: sched,
    telephony: sim,
    engineId: 'test-engine',
    idleMs: 3600_000,
    onOutbox: () => dispatcher.wakeAt(),
    queueBoard: simQueueBoard(sim.centre),
  });
  connectSimAgents(sim.centre, dialer);
  dialer.start();
  const base = '/api/v1/tenants/acme/tasks';
  return {
    ...t,
    sched,
    sim,
    dialer,
    dispatcher,
    sent,
    key,
    tenant: 'acme',
    async startTask(config, contacts) {
      const created = await t.call(key, { method: 'POST', url: base, payload: config });
      if (created.status !== 201)
        throw new Error(`task: ${created.status} ${JSON.stringify(created.body)}`);
      const id = created.body.id as string;
      for (let i = 0; i < contacts.length; i += 5000) {
        const r = await t.call(key, {
          method: 'POST',
          url: `${base}/${id}/contacts`,
          payload: { contacts: contacts.slice(i, i + 5000) },
        });
        if (r.status !== 200 || r.body.rejected)
          throw new Error(`contacts: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
      }
      const started = await t.call(key, { method: 'POST', url: `${base}/${id}/start` });
      if (started.status !== 200)
        throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
      dialer.wakeAt();
      return id;
    },
    runUntil: (at) => sched.runUntil(new Date(at)),
    async attempts(taskId) {
      const rows = await t.store.db
        .selectFrom('attempts')
        .selectAll()
        .where('task_id', '=', taskId)
        .orderBy('started_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        sessionId: r.session_id,
        number: r.number,
        attemptNo: r.attempt_no,
        startedAt: r.started_at,
        answeredAt: r.answered_at,
        endedAt: r.ended_at,
        result: r.result,
        callerNo: r.caller_no,
      }));
    },
    async contact(taskId, sessionId) {
      return t.store.db
        .selectFrom('contacts')
        .selectAll()
        .where('task_id', '=', taskId)
        .where('session_id', '=', sessionId)
        .executeTakeFirstOrThrow();
    },
    async stop() {
      await dialer.stop();
      await dispatcher.stop();
      await t.close();
    },
  };
}

/** n generated customers with one mobile number each: c0001 → +8613800010001 … */
export function customers(
  n: number,
  extra: (i: number) => Record<string, unknown> = () => ({}),
): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    sessionId: `c${String(i + 1).padStart(4, '0')}`,
    numbers: [{ number: `+86138${String(10000 + i + 1).padStart(8, '0')}`, type: 'mobile' }],
    attributes: { vip: 1, city: 'Shenzhen' },
    ...extra(i),
  }));
}
