import type { Zone } from 'luxon';
import type { BusinessResultRule, PolicyBody, ResultPolicy, ResultRule } from './task-config.ts';
import type { ResultDefinition } from './resources.ts';
import { CONNECTED_RESULTS, isResultName } from './result-codes.ts';
import { localDay, startOfNextLocalDay } from './calling-windows.ts';

/**
 * What happens to a customer after an attempt ends (product.md §5 "After an attempt", §3 result
 * policy, Appendix A). Pure: the customer's attempt history comes in, a decision comes out.
 *
 * Model and decisions where the spec is silent:
 * - Rounds, in both policy shapes: a round visits the customer's numbers in round order
 *   (number-rounds.ts). After an attempt on number p the round continues with the first later
 *   number that is ready now; it is called at once, after its own delaySec. When no later number
 *   is ready, a new round starts with the number that can go earliest (ties: round order).
 * - delaySec means "not sooner than delaySec after the customer's previous attempt on another
 *   number"; it is not added on top of retry intervals (the larger one applies).
 * - global without rules: retryIntervalSec separates rounds (with one number: every attempt).
 *   Within a round the next number goes at once. A number that has used up today's
 *   maxAttemptsPerDay is skipped in the current round and comes back in a later round on its next
 *   local day. maxAttemptDays counts distinct local days on which the number was attempted (days
 *   without attempts, e.g. without a window, do not count). A day is the local date of the
 *   attempt's start in the task zone. Missing fields default to 1 attempt/day, 1 day, 0 s.
 * - per-result rules: a number is retried while its last result has a rule and the attempts of that
 *   number whose result falls under that rule number at most `retries` (busy, retries 2: three
 *   attempts). The retry waits intervalSec after the failed attempt ended; meanwhile the round goes
 *   on with the customer's other ready numbers. A result without a rule ends that number for good.
 *   A rule naming the result itself wins over a rule naming a result definition that includes it.
 * - contact policy: each number follows the body of its type (`default` for other types); the
 *   nonRetryResults checked are those of the body of the number just attempted.
 * - `exhausted`: no number can ever be attempted again under its policy.
 * - Retries are placed in calling windows through the optional `windowStart` hook, and the day
 *   caps are checked on the day the call will really start. If the hook finds no window before the
 *   task's end, the raw due time is kept: the customer stays pending and the task expires around it
 *   (extending the task's end lets it be called) rather than being marked exhausted.
 * - `channel_limit` (origination refused, the customer never rang) does not count as an attempt:
 *   the same number is retried at once, unless channel_limit is a non-retry result.
 * - `not_trusted` and `invalid_number` end that number (they will not change during the task) but
 *   not the customer; `blocked` is an ordinary failure (a blocklist entry may expire or allow a
 *   number of calls per period).
 */

export interface AttemptRecord {
  /** Import index of the number in the contact's `numbers`. */
  numberIndex: number;
  startedAt: Date;
  endedAt: Date;
  /** A §6 result name. */
  result: string;
}

/** What the policy needs of a contact's number (a ContactNumber fits). */
export interface PolicyNumber {
  type?: string | null;
  delaySec?: number | null;
}

export interface RetryInput {
  policy: ResultPolicy;
  resultDefinitions: readonly ResultDefinition[];
  /** The contact's numbers in import order. */
  numbers: readonly PolicyNumber[];
  /** Import indexes in round order (roundOrder() of number-rounds.ts). */
  order: readonly number[];
  /** The customer's attempts, oldest first; the last one is the attempt that just ended. */
  attempts: readonly AttemptRecord[];
  /** The task's zone: local days for the per-day caps. */
  zone: Zone;
  /** Earliest instant >= t at which a call may start (calling-windows nextWindowStart). */
  windowStart?: (t: Date) => Date | null;
}

export type FinishReason = 'success' | 'non_retry' | 'exhausted' | 'business_stop';

export type RetryDecision =
  | { kind: 'finish'; reason: FinishReason }
  | { kind: 'retry'; numberIndex: number; notBefore: Date };

/** Results that end a number but not the customer. */
const NUMBER_FINAL: ReadonlySet<string> = new Set(['not_trusted', 'invalid_number']);
/** Results that are not attempts at all: the call never left. */
const NOT_COUNTED: ReadonlySet<string> = new Set(['channel_limit']);

const SECOND = 1000;

/** The policy body that governs numbers of `numberType`. */
export function policyFor(policy: ResultPolicy, numberType: string | null | undefined): PolicyBody {
  if (policy.kind === 'global') return policy;
  return policy.numberTypes.find((t) => t.numberType === numberType) ?? policy.default;
}

/** Does a policy reference (a result name or a result definition code) cover `result`? */
export function matchesResult(
  ref: string,
  result: string,
  definitions: readonly ResultDefinition[],
): boolean {
  if (ref === result) return true;
  return definitions.some((d) => d.code === ref && d.results.includes(result));
}

/** The rule that applies to `result`: one naming the result itself, else the first definition. */
export function ruleFor(
  body: PolicyBody,
  result: string,
  definitions: readonly ResultDefinition[],
): ResultRule | undefined {
  const rules = body.rules ?? [];
  return (
    rules.find((r) => r.result === result) ??
    rules.find((r) => !isResultName(r.result) && matchesResult(r.result, result, definitions))
  );
}

export function isNonRetry(
  body: PolicyBody,
  result: string,
  definitions: readonly ResultDefinition[],
): boolean {
  return body.nonRetryResults.some((ref) => matchesResult(ref, result, definitions));
}

/** The per-customer facts every number evaluation needs. */
class Customer {
  readonly now: number;
  readonly last: AttemptRecord;
  readonly #input: RetryInput;
  readonly #byNumber = new Map<number, AttemptRecord[]>();

  constructor(input: RetryInput, last: AttemptRecord) {
    this.#input = input;
    this.last = last;
    this.now = last.endedAt.getTime();
    for (const a of input.attempts) {
      if (NOT_COUNTED.has(a.result)) continue;
      const list = this.#byNumber.get(a.numberIndex) ?? [];
      list.push(a);
      this.#byNumber.set(a.numberIndex, list);
    }
  }

  body(q: number): PolicyBody {
    return policyFor(this.#input.policy, this.#input.numbers[q]?.type);
  }
  delayMs(q: number): number {
    return (this.#input.numbers[q]?.delaySec ?? 0) * SECOND;
  }
  attemptsOf(q: number): AttemptRecord[] {
    return this.#byNumber.get(q) ?? [];
  }
  /** Moves a due time into the calling windows; keeps it when no window is left (see above). */
  place(t: number): number {
    return this.#input.windowStart?.(new Date(t))?.getTime() ?? t;
  }
  day(t: number): string {
    return localDay(new Date(t), this.#input.zone);
  }
  nextDay(t: number): number {
    return startOfNextLocalDay(new Date(t), this.#input.zone).getTime();
  }
  get definitions(): readonly ResultDefinition[] {
    return this.#input.resultDefinitions;
  }

  /**
   * Under a body without rules: the earliest instant >= from (placed in a window) at which q may
   * be attempted, and whether the day caps pushed it to a later day; null if q is spent.
   */
  capsEarliest(q: number, from: number): { at: number; nextDay: boolean } | null {
    const body = this.body(q);
    const perDay = body.maxAttemptsPerDay ?? 1;
    const maxDays = body.maxAttemptDays ?? 1;
    const perDayCount = new Map<string, number>();
    for (const a of this.attemptsOf(q)) {
      const d = this.day(a.startedAt.getTime());
      perDayCount.set(d, (perDayCount.get(d) ?? 0) + 1);
    }
    let at = this.place(from);
    // Two rounds at most: today is full -> the next local day (a new day, allowed if days remain).
    for (let pass = 0; pass < 2; pass++) {
      const count = perDayCount.get(this.day(at));
      if (count === undefined) {
        return perDayCount.size < maxDays ? { at, nextDay: pass > 0 } : null;
      }
      if (count < perDay) return { at, nextDay: pass > 0 };
      if (perDayCount.size >= maxDays) return null;
      at = this.place(this.nextDay(at));
    }
    return null;
  }

  /**
   * Under a body with rules: when q's own retry interval has passed (now for a number not yet
   * tried), or null if q is spent.
   */
  ruleDue(q: number): number | null {
    const mine = this.attemptsOf(q);
    const last = mine[mine.length - 1];
    if (!last) return this.now;
    const body = this.body(q);
    const rule = ruleFor(body, last.result, this.definitions);
    if (!rule) return null;
    const used = mine.filter((a) => ruleFor(body, a.result, this.definitions) === rule).length;
    if (used > rule.retries) return null;
    return last.endedAt.getTime() + rule.intervalSec * SECOND;
  }

  isNumberFinal(q: number): boolean {
    return this.attemptsOf(q).some((a) => NUMBER_FINAL.has(a.result));
  }
}

/** The decision after the last attempt in `input.attempts` ended. */
export function decideAfterAttempt(input: RetryInput): RetryDecision {
  const last = input.attempts[input.attempts.length - 1];
  if (!last) throw new RangeError('decideAfterAttempt needs the attempt that just ended');
  if (isResultName(last.result) && CONNECTED_RESULTS.has(last.result)) {
    return { kind: 'finish', reason: 'success' };
  }
  const c = new Customer(input, last);
  const p = last.numberIndex;
  if (isNonRetry(c.body(p), last.result, c.definitions)) {
    return { kind: 'finish', reason: 'non_retry' };
  }
  if (NOT_COUNTED.has(last.result)) {
    return { kind: 'retry', numberIndex: p, notBefore: new Date(c.place(c.now)) };
  }

  // The round goes on with the first later number that is ready.
  // (A number missing from the order has no round to continue: go straight to a new round.)
  const pos = input.order.indexOf(p);
  for (const q of pos < 0 ? [] : input.order.slice(pos + 1)) {
    if (c.isNumberFinal(q)) continue;
    const base = c.now + c.delayMs(q);
    if (c.body(q).byResult) {
      const due = c.ruleDue(q);
      if (due !== null && due <= base) return retry(q, c.place(base));
    } else {
      const e = c.capsEarliest(q, base);
      if (e && !e.nextDay) return retry(q, e.at);
    }
  }

  // A new round: the number that can go earliest; ties by round order.
  let best: { q: number; at: number } | null = null;
  for (const q of input.order) {
    if (c.isNumberFinal(q)) continue;
    const base = q === p ? c.now : c.now + c.delayMs(q);
    const body = c.body(q);
    let at: number | null;
    if (body.byResult) {
      const due = c.ruleDue(q);
      at = due === null ? null : c.place(Math.max(base, due));
    } else {
      const between = c.now + (body.retryIntervalSec ?? 0) * SECOND;
      at = c.capsEarliest(q, Math.max(base, between))?.at ?? null;
    }
    if (at !== null && (best === null || at < best.at)) best = { q, at };
  }
  return best ? retry(best.q, best.at) : { kind: 'finish', reason: 'exhausted' };
}

function retry(numberIndex: number, at: number): RetryDecision {
  return { kind: 'retry', numberIndex, notBefore: new Date(at) };
}

export interface BusinessResultInput {
  rules: readonly BusinessResultRule[];
  code: string;
  subCode?: string | null;
  /** Import index of the number whose call got the business result. */
  numberIndex: number;
  numbers: readonly PolicyNumber[];
  order: readonly number[];
  /** When the business result was written. */
  now: Date;
  windowStart?: (t: Date) => Date | null;
}

/**
 * The business result policy (product.md §3): what a written-back business result does to the
 * customer; null when no rule matches (nothing changes).
 *
 * Decisions where the spec is silent: a rule with the exact subCode wins over one without subCode
 * (which matches any sub-result); the actions override the result policy's caps (they are an
 * explicit request) but still wait for a calling window; `call_next_number` takes the next number
 * in round order after the one called, not sooner than its delaySec or the rule's intervalSec, and
 * finishes the customer as `exhausted` when there is no next number (it does not wrap around).
 */
export function decideAfterBusinessResult(input: BusinessResultInput): RetryDecision | null {
  const sub = input.subCode ?? null;
  const sameCode = input.rules.filter((r) => r.code === input.code);
  const rule =
    (sub !== null ? sameCode.find((r) => r.subCode === sub) : undefined) ??
    sameCode.find((r) => r.subCode == null);
  if (!rule) return null;
  const now = input.now.getTime();
  const interval = (rule.intervalSec ?? 0) * SECOND;
  const place = (t: number): Date => input.windowStart?.(new Date(t)) ?? new Date(t);
  switch (rule.action) {
    case 'stop':
      return { kind: 'finish', reason: 'business_stop' };
    case 'call_same_number':
      return { kind: 'retry', numberIndex: input.numberIndex, notBefore: place(now + interval) };
    case 'call_next_number': {
      const pos = input.order.indexOf(input.numberIndex);
      const next = pos >= 0 ? input.order[pos + 1] : undefined;
      if (next === undefined) return { kind: 'finish', reason: 'exhausted' };
      const delay = (input.numbers[next]?.delaySec ?? 0) * SECOND;
      return {
        kind: 'retry',
        numberIndex: next,
        notBefore: place(now + Math.max(interval, delay)),
      };
    }
  }
}
