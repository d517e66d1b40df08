import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { RESULT_NAMES, type ResultName } from '../../domain/result-codes.ts';
import { SimQueue } from './agents.ts';

/**
 * The simulated carrier network's rules (the `network` of a simulate scenario): which outcome a
 * call to a number has. Deterministic for a seed: the n-th call to a number always has the same
 * outcome, whatever order the calls are placed in.
 */
export const Outcome = Type.Object(
  {
    result: Type.Union(RESULT_NAMES.map((r) => Type.Literal(r))),
    ringSec: Type.Optional(Type.Number({ minimum: 0, maximum: 600 })),
    talkSec: Type.Optional(Type.Number({ minimum: 0, maximum: 86400 })),
    digits: Type.Optional(
      Type.String({
        pattern: '^[0-9*#]*$',
        description: 'keys the callee presses, one every 0.5 s while it is listened to',
      }),
    ),
    keys: Type.Optional(
      Type.Array(
        Type.Object(
          {
            atSec: Type.Number({ minimum: 0, maximum: 86400 }),
            digits: Type.String({ pattern: '^[0-9*#]+$', maxLength: 32 }),
          },
          { additionalProperties: false },
        ),
        {
          maxItems: 100,
          description: 'keys pressed at given times after the answer, listened to or not',
        },
      ),
    ),
    says: Type.Optional(
      Type.Array(Type.String({ maxLength: 500 }), {
        maxItems: 100,
        description:
          'what the callee says to a speech robot, one utterance per time it listens ("" is silence); recognised as text',
      }),
    ),
    machine: Type.Optional(
      Type.Object(
        { greetingSec: Type.Number({ minimum: 0.5, maximum: 120 }) },
        {
          additionalProperties: false,
          description:
            'an answering machine answers: its greeting lasts greetingSec, after which the machine is detected and the call ends as answering_machine',
        },
      ),
    ),
    weight: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type Outcome = Static<typeof Outcome>;

export const NetworkRules = Type.Object(
  {
    default: Type.Optional(Outcome),
    rules: Type.Optional(
      Type.Array(
        Type.Object(
          {
            match: Type.String({ description: 'regular expression on the called number' }),
            outcomes: Type.Optional(Type.Array(Outcome, { minItems: 1 })),
            sequence: Type.Optional(
              Type.Array(Outcome, {
                minItems: 1,
                description: 'the n-th call gets the n-th outcome; the last repeats',
              }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    queues: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 200 }), SimQueue, {
        description:
          'the agents behind each skill queue, by the name flows transfer to (./agents.ts)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type NetworkRules = Static<typeof NetworkRules>;

export const DEFAULT_OUTCOME: Outcome = { result: 'success', ringSec: 5, talkSec: 30 };

export class SimNetwork {
  readonly #rules: { re: RegExp; outcomes?: Outcome[]; sequence?: Outcome[] }[];
  readonly #default: Outcome;
  readonly #seed: number;
  readonly #calls = new Map<string, number>();

  constructor(rules: NetworkRules = {}, seed = 1) {
    this.#default = { ...DEFAULT_OUTCOME, ...rules.default };
    this.#rules = (rules.rules ?? []).map((r) => ({
      re: new RegExp(r.match),
      ...(r.outcomes ? { outcomes: r.outcomes } : {}),
      ...(r.sequence ? { sequence: r.sequence } : {}),
    }));
    this.#seed = seed;
  }

  /** How many calls reached `number` so far. */
  callsTo(number: string): number {
    return this.#calls.get(number) ?? 0;
  }

  /** The outcome of the next call to `number`. */
  next(number: string): Outcome & { ringSec: number; talkSec: number } {
    const n = (this.#calls.get(number) ?? 0) + 1;
    this.#calls.set(number, n);
    const rule = this.#rules.find((r) => r.re.test(number));
    let o: Outcome = this.#default;
    if (rule?.sequence) o = rule.sequence[Math.min(n, rule.sequence.length) - 1]!;
    else if (rule?.outcomes) o = this.#pick(rule.outcomes, `${number}#${n}`);
    return {
      ...o,
      ringSec: o.ringSec ?? this.#default.ringSec ?? 5,
      talkSec: o.talkSec ?? this.#default.talkSec ?? 30,
    };
  }

  #pick(outcomes: Outcome[], key: string): Outcome {
    const total = outcomes.reduce((s, o) => s + (o.weight ?? 1), 0);
    const h = createHash('sha256').update(`${this.#seed}:${key}`).digest();
    let x = (h.readUInt32BE(0) / 2 ** 32) * total;
    for (const o of outcomes) {
      x -= o.weight ?? 1;
      if (x < 0) return o;
    }
    return outcomes.at(-1)!;
  }
}

/** Results that come with an answered call. */
export const ANSWERED: ReadonlySet<ResultName> = new Set([
  'success',
  'customer_hangup',
  'answering_machine',
]);
