import { Type } from '@sinclair/typebox';
import { EXPLAIN_REASONS } from '../../domain/explain-reasons.ts';

/**
 * Response schemas of the task's read-outs (progress, deliveries, explain, results): what the
 * OpenAPI document promises and what Fastify serialises with. Objects stay open
 * (`additionalProperties: true`) so a field added to a handler is sent, never dropped, before the
 * schema names it.
 */
const open = { additionalProperties: true } as const;
const Instant = Type.String({ format: 'date-time' });
const MaybeInstant = Type.Union([Instant, Type.Null()]);
const MaybeString = Type.Union([Type.String(), Type.Null()]);
const Counts = Type.Record(Type.String(), Type.Integer());
/** A string of a known set, documented as an enum; typed as the store's plain string. */
const OneOf = (values: string[]) => Type.Unsafe<string>({ type: 'string', enum: values });

export const ProgressView = Type.Object(
  {
    taskId: Type.String(),
    state: Type.String(),
    total: Type.Integer({ description: 'customers of the task' }),
    // Every state is present (0 when none); typed as the store's record.
    byState: Type.Unsafe<Record<string, number>>(
      Type.Object(
        {
          ready: Type.Integer(),
          waiting: Type.Integer(),
          dialing: Type.Integer(),
          filtered: Type.Integer(),
          finished: Type.Integer(),
        },
        { ...open, description: 'customers by state' },
      ),
    ),
    finalResults: { ...Counts, description: 'finished customers by final result' },
    attempts: Type.Object(
      { total: Type.Integer(), active: Type.Integer(), byResult: Counts },
      open,
    ),
    firstAttemptAt: MaybeInstant,
    lastAttemptAt: MaybeInstant,
    held: Type.Object(
      {
        localHours: Type.Integer({
          description: 'waiting customers held outside their local hours (part of byState.waiting)',
        }),
        numberCap: Type.Integer({
          description: 'waiting customers whose number is at a cap (part of byState.waiting)',
        }),
      },
      open,
    ),
    channels: Type.Object(
      {
        tenant: Type.Integer({ description: "the tenant's channel limit" }),
        inUse: Type.Integer({ description: "the tenant's calls in progress, all tasks" }),
      },
      open,
    ),
    agentPacing: Type.Optional(
      Type.Union([
        Type.Object(
          {
            mode: OneOf(['progressive', 'predictive']),
            queueId: Type.String(),
            paused: Type.Union([OneOf(['no_agents_logged_in', 'no_queue_state']), Type.Null()], {
              description: 'why dialing is paused by the queue, or null',
            }),
            gain: Type.Number(),
            reachRate: Type.Number({ description: 'estimated answer rate × transfer rate' }),
            ready: Type.Union([Type.Integer(), Type.Null()]),
            busy: Type.Union([Type.Integer(), Type.Null()]),
            loggedIn: Type.Union([Type.Integer(), Type.Null()]),
            waiting: Type.Integer(),
            abandonRate: Type.Number({ description: 'over the rolling window' }),
            abandoned: Type.Integer(),
            outcomes: Type.Integer({
              description: 'transfers answered or abandoned in the window',
            }),
            waitP50Sec: Type.Union([Type.Number(), Type.Null()]),
            waitP95Sec: Type.Union([Type.Number(), Type.Null()]),
            occupancy: Type.Union([Type.Number(), Type.Null()]),
            at: Instant,
          },
          { ...open, description: 'pacing by agents, as the last engine tick measured it' },
        ),
        Type.Null(),
      ]),
    ),
    at: Instant,
  },
  open,
);

export const DeliveryItem = Type.Object(
  {
    id: Type.Integer(),
    kind: OneOf(['callback', 'sms']),
    event: Type.String(),
    attemptId: Type.Union([Type.Integer(), Type.Null()]),
    sessionId: MaybeString,
    target: Type.String({
      description: 'callback URL, or SMS number (masked without personal data)',
    }),
    state: OneOf(['pending', 'delivered', 'failed']),
    tries: Type.Integer(),
    lastStatus: Type.Union([Type.Integer(), Type.Null()]),
    lastError: MaybeString,
    createdAt: Instant,
    deliveredAt: MaybeInstant,
    nextAt: Instant,
  },
  open,
);

export const DeliveryPage = Type.Object({
  items: Type.Array(DeliveryItem),
  next: Type.Union([Type.Integer(), Type.Null()], { description: 'pass as `after`' }),
});

export const ExplanationView = Type.Object(
  {
    sessionId: Type.String(),
    callableNow: Type.Boolean(),
    reason: Type.Union(EXPLAIN_REASONS.map((r) => Type.Literal(r))),
    detail: Type.String(),
    until: Type.Optional(MaybeInstant),
    rule: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  open,
);

export const ResultItem = Type.Object(
  {
    sessionId: Type.String(),
    state: Type.String(),
    finalResult: MaybeString,
    finalCode: MaybeString,
    finishReason: MaybeString,
    attempts: Type.Integer(),
    firstAttemptAt: MaybeInstant,
    lastAttemptAt: MaybeInstant,
    numbers: Type.Array(Type.String(), { description: 'masked without personal data' }),
    businessResult: MaybeString,
    businessSubResult: MaybeString,
    customField: MaybeString,
    attributes: Type.Record(Type.String(), Type.Unknown(), {
      description: "encrypted attributes are '***' without personal data",
    }),
  },
  open,
);

export const ResultPage = Type.Object({
  items: Type.Array(ResultItem),
  next: Type.Union([Type.Integer(), Type.Null()], { description: 'pass as `after`' }),
});
