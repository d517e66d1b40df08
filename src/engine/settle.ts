import { nextWindowStart } from '../domain/calling-windows.ts';
import { roundOrder } from '../domain/number-rounds.ts';
import { CONNECTED_RESULTS, RESULT_CODES, type ResultName } from '../domain/result-codes.ts';
import { decideAfterAttempt } from '../domain/retry-policy.ts';
import type { Transaction } from 'kysely';
import { callbackPayload, smsRecipient, smsText } from '../notify/messages.ts';
import { recordingOf } from '../store/recordings.ts';
import type { HistoryEntry, StoredNumber } from '../store/claim.ts';
import { enqueueAll, type OutboxMessage } from '../store/outbox.ts';
import type { Database } from '../store/schema.ts';
import {
  applyCallEvents,
  settleContacts,
  type AppliedCall,
  type CallEventRow,
  type ContactOutcome,
  type LockedContact,
} from '../store/settle.ts';
import type { CallEnd } from '../telephony/port.ts';
import type { TaskRuntime } from './task-runtime.ts';

/**
 * Settling call events in batches: the answers and ends heard at one instant (or the calls one
 * sweep closes) are applied with a constant number of statements, and give exactly what applying
 * them one after the other would: the attempts, each customer by its result policy, the connect
 * and release callbacks and the failure SMS, in the order of the events.
 */
export type SettleItem =
  | { kind: 'answered'; rt: TaskRuntime; attemptId: number; at: Date }
  | {
      kind: 'ended';
      rt: TaskRuntime;
      attemptId: number;
      end: CallEnd;
      /** No other call of the task is in progress here once this one ended. */
      lastCall: boolean;
    };

export interface SettleOptions {
  /** Sweeping: end a call only if its lease is still expired at this instant (not renewed since). */
  leaseExpiredBy?: Date | undefined;
  /** When the task ticks next on this engine, if known. */
  nextTaskTick(taskId: string): number | undefined;
}

/** The decision of the task's result policy after an attempt was added to `history`. */
export function decide(
  rt: TaskRuntime,
  numbers: StoredNumber[],
  history: HistoryEntry[],
  now: Date,
): ContactOutcome {
  const order = roundOrder(numbers, rt.config.callStrategy.numberRounds);
  const d = decideAfterAttempt({
    policy: rt.config.resultPolicy,
    resultDefinitions: rt.resultDefinitions,
    numbers,
    order,
    attempts: history.map((h) => ({
      numberIndex: h.numberIndex,
      startedAt: new Date(h.startedAt),
      endedAt: new Date(h.endedAt),
      result: h.result,
    })),
    zone: rt.zone,
    windowStart: (t) => nextWindowStart(t, rt.window),
  });
  if (d.kind === 'finish')
    return { kind: 'finish', result: history.at(-1)!.result, reason: d.reason, at: now };
  return {
    kind: 'retry',
    numberIndex: d.numberIndex,
    dueAt: d.notBefore,
    ready: d.notBefore.getTime() <= now.getTime(),
  };
}

/**
 * Splits the items into parts that may each be applied at once: within a part an attempt has at
 * most one answer and one end, the answer first. An event that would break that (a second answer,
 * an answer after the end) starts a new part, applied after the previous one.
 */
function parts(items: SettleItem[]): number[][] {
  const out: number[][] = [];
  let part: number[] = [];
  let seen = new Map<number, { answered: boolean; ended: boolean }>();
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const s = seen.get(it.attemptId);
    if (s && (it.kind === 'answered' || s.ended)) {
      out.push(part);
      part = [];
      seen = new Map();
    }
    const cur = seen.get(it.attemptId) ?? { answered: false, ended: false };
    if (it.kind === 'answered') cur.answered = true;
    else cur.ended = true;
    seen.set(it.attemptId, cur);
    part.push(i);
  }
  if (part.length) out.push(part);
  return out;
}

/**
 * Applies the items in `trx`; returns, per item, when the engine should tick again for it
 * (undefined: no need).
 */
export async function settle(
  trx: Transaction<Database>,
  items: SettleItem[],
  o: SettleOptions,
): Promise<(number | undefined)[]> {
  const wakes: (number | undefined)[] = items.map(() => undefined);
  const messages: OutboxMessage[] = [];
  for (const part of parts(items)) await settlePart(trx, items, part, o, wakes, messages);
  await enqueueAll(trx, messages);
  return wakes;
}

async function settlePart(
  trx: Transaction<Database>,
  items: SettleItem[],
  part: number[],
  o: SettleOptions,
  wakes: (number | undefined)[],
  messages: OutboxMessage[],
): Promise<void> {
  const rows = new Map<number, CallEventRow>();
  for (const i of part) {
    const it = items[i]!;
    const row = rows.get(it.attemptId) ?? { attemptId: it.attemptId, answeredAt: null, end: null };
    if (it.kind === 'answered') row.answeredAt = it.at;
    else
      row.end = {
        result: it.end.result,
        code: RESULT_CODES[it.end.result],
        at: it.end.at,
        digits: it.end.digits ?? null,
        detail: it.end.detail ?? null,
      };
    rows.set(it.attemptId, row);
  }
  const { applied, contacts } = await applyCallEvents(trx, [...rows.values()], o.leaseExpiredBy);
  const settled = new Map<
    number,
    {
      id: number;
      history: HistoryEntry[];
      outcome: ContactOutcome;
      businessResult: Record<string, unknown> | undefined;
    }
  >();
  for (const i of part) {
    const it = items[i]!;
    const a = applied.get(it.attemptId);
    if (!a) continue;
    if (it.kind === 'answered') {
      const url = it.rt.config.callbackUrl;
      if (a.answeredContact && url) messages.push(connect(it.rt, a, url, it.at));
      continue;
    }
    const c = contacts.get(a.contact_id);
    if (!c) continue;
    const end = it.end;
    const history = [
      ...c.history,
      {
        numberIndex: a.number_index,
        startedAt: a.started_at.toISOString(),
        endedAt: end.at.toISOString(),
        result: end.result,
      },
    ];
    const outcome = decide(it.rt, c.numbers, history, end.at);
    // A later end of the same customer in this part (never in practice) sees this one.
    c.history = history;
    settled.set(c.id, { id: c.id, history, outcome, businessResult: robotResult(end) });
    // Wake on the task's next tick, not at every call's end: calls ending within a tick are
    // settled by one engine tick (pacing only starts calls on task ticks anyway).
    const due = outcome.kind === 'retry' ? outcome.dueAt.getTime() : end.at.getTime();
    // The task's last call here ending: tick at once, the task may be complete.
    wakes[i] = it.lastCall ? due : Math.max(due, o.nextTaskTick(it.rt.taskId) ?? due);
    const url = it.rt.config.callbackUrl;
    if (url) messages.push(release(it.rt, a, c, end, url));
    if (outcome.kind === 'finish') {
      const sms = failureSms(it.rt, c, history, end.at);
      if (sms) messages.push(sms);
    }
  }
  await settleContacts(trx, [...settled.values()]);
}

/** The business result a speech robot set during the call, as the contact stores one. */
function robotResult(end: CallEnd): Record<string, unknown> | undefined {
  const br = end.detail?.businessResult as
    { code: string; subCode: string | null; remark: string | null } | undefined;
  if (!br?.code) return undefined;
  return { ...br, at: end.at.toISOString(), by: 'robot' };
}

function connect(rt: TaskRuntime, a: AppliedCall, url: string, at: Date): OutboxMessage {
  const payload = callbackPayload(
    'connect',
    {
      attemptId: a.id,
      tenantId: a.tenant_id,
      taskId: a.task_id,
      contactId: a.contact_id,
      sessionId: a.answeredContact!.session_id,
      customField: a.answeredContact!.custom_field,
      number: a.number,
      callerNo: a.caller_no,
      attemptNo: a.attempt_no,
      startedAt: a.started_at,
      answeredAt: a.answered_at,
      endedAt: null,
      result: null,
    },
    rt.zone,
  );
  return {
    tenantId: a.tenant_id,
    taskId: a.task_id,
    kind: 'callback',
    event: 'connect',
    attemptId: a.id,
    contactId: a.contact_id,
    idempotencyKey: `cb:${a.id}:connect`,
    target: url,
    payload: { ...payload },
    at,
  };
}

function release(
  rt: TaskRuntime,
  a: AppliedCall,
  c: LockedContact,
  end: CallEnd,
  url: string,
): OutboxMessage {
  const payload = callbackPayload(
    'release',
    {
      attemptId: a.id,
      tenantId: a.tenant_id,
      taskId: a.task_id,
      contactId: c.id,
      sessionId: c.session_id,
      customField: c.custom_field,
      number: a.number,
      callerNo: a.caller_no,
      attemptNo: a.attempt_no,
      startedAt: a.started_at,
      answeredAt: a.answered_at,
      endedAt: end.at,
      result: end.result,
      digits: end.digits ?? null,
      recording: recordingOf(end.detail),
      detail: end.detail ?? null,
    },
    rt.zone,
  );
  return {
    tenantId: a.tenant_id,
    taskId: a.task_id,
    kind: 'callback',
    event: 'release',
    attemptId: a.id,
    contactId: c.id,
    idempotencyKey: `cb:${a.id}:release`,
    target: url,
    payload: { ...payload },
    at: end.at,
  };
}

/** A customer finished without any connected call gets the task's SMS (product.md §7). */
function failureSms(
  rt: TaskRuntime,
  c: LockedContact,
  history: HistoryEntry[],
  at: Date,
): OutboxMessage | null {
  if (!rt.sms || history.some((h) => CONNECTED_RESULTS.has(h.result as ResultName))) return null;
  const to = smsRecipient(c.numbers);
  if (!to) return null;
  const text = smsText(
    rt.sms.text,
    { sessionId: c.session_id, customField: c.custom_field, attributes: c.attributes },
    rt.encrypted,
  );
  return {
    tenantId: rt.tenantId,
    taskId: rt.taskId,
    kind: 'sms',
    event: 'failed_customer',
    attemptId: null,
    contactId: c.id,
    idempotencyKey: `sms:${c.id}:${history.length}`,
    target: to,
    payload: {
      provider: rt.sms.type,
      templateId: rt.sms.templateId,
      to,
      text,
      sessionId: c.session_id,
    },
    at,
  };
}
