import { afterEach, describe, expect, it } from 'vitest';
import { Dialer } from '../../src/engine/dialer.ts';
import type { CallRequest, Telephony } from '../../src/telephony/port.ts';
import { dbKind } from '../helpers/db.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig } from '../helpers/world.ts';

/**
 * The task's `strategy.amd` reaches the adapter with each call, and the adapter's decision
 * (`answering_machine`, `detail.amd`) is what the attempt keeps.
 */
describe(`strategy.amd through the engine (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  it('passes the task amd to the adapter and stores its answering_machine end and detail.amd', async () => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00' });
    await h.dialer.stop();
    const seen: CallRequest[] = [];
    const amdDetail = { decision: 'machine', reason: 'max_words', words: 3, analysisMs: 1540 };
    const machine: Telephony = {
      originate(req, events) {
        seen.push(req);
        const at = h.sched.now();
        void Promise.resolve(events.answered(at)).then(() =>
          events.ended({
            result: 'answering_machine',
            at: new Date(at.getTime() + 2000),
            detail: { ending: 'answering_machine', amd: amdDetail },
          }),
        );
      },
      hangup() {},
      close: async () => {},
    };
    const dialer = new Dialer({
      db: h.store.db,
      scheduler: h.sched,
      telephony: machine,
      engineId: 'amd',
      idleMs: 3600_000,
    });
    dialer.start();
    const amd = { enabled: true, action: 'hangup', thresholds: { maxWords: 4 } };
    const cfg = fullTaskConfig({
      name: 'AMD',
      callbackUrl: null,
      schedule: WORKDAY,
      strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 1, amd },
      callStrategy: IN_ORDER,
      businessResultPolicy: [],
    });
    const id = await h.startTask(cfg, customers(1));
    await h.runUntil('2026-11-23T09:00:10+08:00');
    await dialer.stop();
    expect(seen[0]?.amd).toEqual(amd);
    const [row] = await h.store.db
      .selectFrom('attempts')
      .select(['result', 'code', 'detail'])
      .where('task_id', '=', id)
      .execute();
    expect(row).toMatchObject({
      result: 'answering_machine',
      code: '00162',
      detail: { amd: amdDetail },
    });
  });
});
