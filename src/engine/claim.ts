import type { Transaction } from 'kysely';
import type { PacingState } from '../domain/pacing.ts';
import { RESULT_CODES, type ResultName } from '../domain/result-codes.ts';
import { blockedAmong } from '../store/blocklists.ts';
import {
  claimContacts,
  insertAttempts,
  recentAttempts,
  type HistoryEntry,
  type NewAttempt,
} from '../store/claim.ts';
import type { Db } from '../store/db.ts';
import type { Database } from '../store/schema.ts';
import { settleContacts, type ContactOutcome } from '../store/settle.ts';
import type { PlacedCall } from './calls.ts';
import { claimCallable } from './compliance.ts';
import { decide } from './settle.ts';
import type { TaskRuntime } from './task-runtime.ts';

/** A task's pacing quota and next tick, as saved by the dial phase. */
export type SavedPacing = {
  tenantId: string;
  taskId: string;
  pacing: PacingState;
  nextTickAt: Date;
};

/**
 * Claims up to n customers of the task in `trx` and records their attempts; the calls to place
 * are added to `out`. Returns the attempts made (skipped numbers included); when there are
 * some, the task's pacing was saved with them.
 */
export async function claimCustomers(
  trx: Transaction<Database>,
  engine: { engineId: string; leaseMs: number },
  rt: TaskRuntime,
  n: number,
  now: Date,
  out: { rt: TaskRuntime; call: PlacedCall }[],
  /** The task's pacing once this many attempts were made: saved with them. */
  pacingAfter: (placed: number) => SavedPacing,
): Promise<number> {
  const { engineId } = engine;
  const leaseUntil = new Date(now.getTime() + engine.leaseMs);
  // Customers outside their local hours or at a cap wait instead (./compliance.ts).
  const pick = await claimCallable(trx, rt, n, now, (k) =>
    claimContacts(trx, rt.taskId, k, engineId, leaseUntil),
  );
  if (pick.length === 0) return 0;
  const barred = await barredNumbers(
    trx,
    rt,
    pick.map((p) => p.number),
    now,
  );
  const rows: NewAttempt[] = pick.map(({ c, idx, number }) => {
    const bar = barred.get(number);
    const caller = rt.callers.length ? rt.callers[rt.nextCaller++ % rt.callers.length]! : null;
    return {
      tenantId: rt.tenantId,
      taskId: rt.taskId,
      contactId: c.id,
      sessionId: c.sessionId,
      number,
      numberIndex: idx,
      attemptNo: c.attempts + 1,
      callerNo: bar ? null : caller,
      engineId,
      leaseUntil,
      startedAt: now,
      ...(bar ? { endedWith: { result: bar, code: RESULT_CODES[bar] } } : {}),
    };
  });
  const ids = await insertAttempts(trx, rows, pacingAfter(rows.length));
  const skipped: { id: number; history: HistoryEntry[]; outcome: ContactOutcome }[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const c = pick[i]!.c;
    if (row.endedWith) {
      // Skipped without a call: the customer moves on at once by the same policy.
      const history = [
        ...c.history,
        {
          numberIndex: row.numberIndex,
          startedAt: now.toISOString(),
          endedAt: now.toISOString(),
          result: row.endedWith.result,
        },
      ];
      skipped.push({ id: c.id, history, outcome: decide(rt, c.numbers, history, now) });
    } else {
      out.push({
        rt,
        call: {
          attemptId: ids[i]!,
          to: row.number,
          from: row.callerNo ?? '',
          callData: c.callData,
          attributes: c.attributes,
        },
      });
    }
  }
  // The claimed contacts are locked by this transaction already.
  await settleContacts(trx, skipped);
  return rows.length;
}

/** Numbers that may not be called now: blocklisted (within quota rules) or untrusted in trial. */
async function barredNumbers(
  db: Db,
  rt: TaskRuntime,
  numbers: string[],
  now: Date,
): Promise<Map<string, ResultName>> {
  const out = new Map<string, ResultName>();
  if (rt.tenant.trial) {
    const trusted = new Set(rt.tenant.calledTrustlist);
    for (const n of numbers) if (!trusted.has(n)) out.set(n, 'not_trusted');
  }
  const blocklistId = rt.config.blocklistId;
  if (!blocklistId) return out;
  const entries = await blockedAmong(db, rt.tenantId, blocklistId, numbers, now);
  if (entries.size === 0) return out;
  const limited = [...entries.values()].filter((e) => e.restrict);
  const hour = limited.filter((e) => e.restrict!.period === 'hour').map((e) => e.number);
  const day = limited.filter((e) => e.restrict!.period === 'day').map((e) => e.number);
  const inHour = await recentAttempts(db, rt.tenantId, hour, new Date(now.getTime() - 3600_000));
  const inDay = await recentAttempts(db, rt.tenantId, day, new Date(now.getTime() - 86400_000));
  for (const e of entries.values()) {
    if (out.has(e.number)) continue;
    if (!e.restrict) out.set(e.number, 'blocked');
    else {
      const used = (e.restrict.period === 'hour' ? inHour : inDay).get(e.number) ?? 0;
      if (used >= e.restrict.times) out.set(e.number, 'blocked');
    }
  }
  return out;
}
