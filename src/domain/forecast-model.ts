import { Type, type Static } from '@sinclair/typebox';
import { RESULT_NAMES, type ResultName } from './result-codes.ts';

/**
 * The network model of a forecast: how the calls of a task end, as shares of the attempts by
 * result with their mean ring and talk time. It comes from the task's own past attempts when it
 * has enough of them (`MIN_SAMPLE`), else from the request, else from `DEFAULT_MODEL`.
 *
 * Only results the network decides are modelled: a number skipped without a call (`blocked`,
 * `not_trusted`, `invalid_number`) depends on the data and the tenant, and the forecast's engine
 * decides it again itself; `channel_limit` and `system_error` are the platform's own, not the
 * customer's.
 */
const MODELLED = RESULT_NAMES.filter(
  (r) => !['blocked', 'not_trusted', 'invalid_number', 'channel_limit', 'system_error'].includes(r),
) as ResultName[];

export const ModelOutcome = Type.Object(
  {
    result: Type.Union(MODELLED.map((r) => Type.Literal(r))),
    share: Type.Number({
      minimum: 0,
      maximum: 1_000_000,
      description: 'relative weight: the shares need not add up to 1',
    }),
    ringSec: Type.Number({
      minimum: 0,
      maximum: 600,
      description: 'seconds from the start of the call to the answer or the end',
    }),
    talkSec: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 86_400,
        description: 'answered results: how long the callee stays on the line (default 30)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ModelOutcome = Static<typeof ModelOutcome>;

export const ForecastModel = Type.Object(
  { outcomes: Type.Array(ModelOutcome, { minItems: 1, maxItems: 20 }) },
  { additionalProperties: false },
);
export type ForecastModel = Static<typeof ForecastModel>;

/** Where the model of a forecast came from. */
export type ModelSource = 'task' | 'request' | 'default';

/**
 * The model when the task has too few attempts and the request gives none: rates of a typical
 * consumer notice campaign on mobile numbers in the daytime (about half the calls answered).
 * `no_answer` rings for a minute: a task's `maxRingSec` cuts it to `ring_timeout` first.
 */
export const DEFAULT_MODEL: ForecastModel = {
  outcomes: [
    { result: 'success', share: 0.45, ringSec: 8, talkSec: 40 },
    { result: 'customer_hangup', share: 0.05, ringSec: 8, talkSec: 12 },
    { result: 'no_answer', share: 0.2, ringSec: 60 },
    { result: 'busy', share: 0.1, ringSec: 3 },
    { result: 'powered_off', share: 0.08, ringSec: 2 },
    { result: 'unreachable', share: 0.07, ringSec: 3 },
    { result: 'unallocated', share: 0.05, ringSec: 1 },
  ],
};

/** Attempts of the task with a network result needed before the forecast trusts its own figures. */
export const MIN_SAMPLE = 30;

/** What the store reports of a task's past attempts, per result. */
export interface ResultStats {
  result: string;
  n: number;
  /** Mean seconds to the answer (answered) or to the end (unanswered). */
  ringSec: number;
  /** Mean seconds from the answer to the end; null when none was answered. */
  talkSec: number | null;
}

const MODELLED_SET: ReadonlySet<string> = new Set(MODELLED);
const round1 = (x: number) => Math.round(x * 10) / 10;

/** The task's own model from its past attempts, or null when it has fewer than MIN_SAMPLE. */
export function modelFromStats(
  stats: ResultStats[],
): { model: ForecastModel; sample: number } | null {
  const used = stats.filter((s) => MODELLED_SET.has(s.result) && s.n > 0);
  const sample = used.reduce((a, s) => a + s.n, 0);
  if (sample < MIN_SAMPLE) return null;
  return {
    sample,
    model: {
      outcomes: used
        .sort((a, b) => b.n - a.n || (a.result < b.result ? -1 : 1))
        .map((s) => ({
          result: s.result as ModelOutcome['result'],
          share: Math.round((1000 * s.n) / sample) / 1000,
          ringSec: round1(s.ringSec),
          ...(s.talkSec !== null ? { talkSec: round1(s.talkSec) } : {}),
        })),
    },
  };
}

/** The model a forecast uses: the request's, else the task's own, else the default. */
export function chooseModel(
  requested: ForecastModel | undefined,
  own: { model: ForecastModel; sample: number } | null,
): { model: ForecastModel; source: ModelSource; sample: number } {
  if (requested) return { model: requested, source: 'request', sample: 0 };
  if (own) return { ...own, source: 'task' };
  return { model: DEFAULT_MODEL, source: 'default', sample: 0 };
}
