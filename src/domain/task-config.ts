import { Type, type Static } from '@sinclair/typebox';

/**
 * The task configuration document (product.md §3, Appendix A). The same shape is used by the API,
 * templates, the console and `simulate`. Field names are a contract: add, never rename.
 * Structural rules live here; rules that need the tenant's world live in validate-task.ts.
 */
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Id = Type.String({ minLength: 1, maxLength: 64 });
const NullableId = Nullable(Id);

export const TimeOfDay = Type.String({
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  description: 'HH:mm',
});
export const Period = Type.Object(
  { start: TimeOfDay, end: TimeOfDay },
  {
    additionalProperties: false,
    description: 'Half-open [start, end); end 23:59 means end of day; 00:00-00:00 is empty',
  },
);
export type Period = Static<typeof Period>;

export const LocalDate = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: 'yyyy-MM-dd',
});

export const Schedule = Type.Object(
  {
    regular: Type.Array(Period, { minItems: 1 }),
    specialDates: Type.Array(Id, { maxItems: 20, default: [] }),
    specialPeriods: Type.Array(Period, { default: [] }),
    allocations: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        entries: Type.Array(
          Type.Object(
            { dates: Type.Array(LocalDate, { minItems: 1 }), periods: Type.Array(Period) },
            { additionalProperties: false },
          ),
          { default: [] },
        ),
      },
      { additionalProperties: false, default: { enabled: false, entries: [] } },
    ),
  },
  { additionalProperties: false },
);
export type Schedule = Static<typeof Schedule>;

/**
 * Calling windows in each customer's own time zone (docs/engine.md "Customer's local hours"):
 * regular periods, and the special periods on the listed special dates, both read on the
 * customer's local clock. They apply on top of the task's schedule.
 */
export const LocalWindows = Type.Object(
  {
    regular: Type.Array(Period, { minItems: 1 }),
    specialDates: Type.Optional(Type.Array(Id, { maxItems: 20 })),
    specialPeriods: Type.Optional(Type.Array(Period)),
  },
  { additionalProperties: false },
);
export type LocalWindows = Static<typeof LocalWindows>;

export const FilterOp = Type.Union(
  ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in', 'contains'].map((o) => Type.Literal(o)),
);
export const Filter = Type.Object(
  {
    join: Type.Union([Type.Literal('and'), Type.Literal('or')]),
    conditions: Type.Array(
      Type.Object(
        { attribute: Id, op: FilterOp, value: Type.Unknown() },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
  },
  { additionalProperties: false },
);
export type Filter = Static<typeof Filter>;

/** A prompt as flows write it (src/ivr/flow.ts `Prompt`): a WAV file, or text for espeak-ng. */
const MessagePrompt = Type.Union([
  Type.Object(
    { file: Type.String({ minLength: 1, maxLength: 1024 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      text: Type.String({ minLength: 1, maxLength: 2000 }),
      voice: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+_-]{1,32}$' })),
    },
    { additionalProperties: false },
  ),
]);

const Ms = (minimum: number, maximum: number, description: string) =>
  Type.Optional(Type.Integer({ minimum, maximum, description }));

/** Answering machine detection thresholds; each defaults to Asterisk's AMD value (docs/sip.md). */
export const AmdThresholds = Type.Object(
  {
    initialSilenceMs: Ms(500, 10_000, 'silence before any word: machine (2500)'),
    greetingMs: Ms(300, 10_000, 'speech longer than this: machine (1500)'),
    afterGreetingSilenceMs: Ms(200, 5000, 'silence after a short greeting: human (800)'),
    totalAnalysisMs: Ms(1000, 30_000, 'undecided after this: notsure (5000)'),
    minWordMs: Ms(20, 1000, 'shorter voice is noise, not a word (100)'),
    betweenWordsSilenceMs: Ms(20, 1000, 'silence that ends a word (50)'),
    maxWords: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 50, description: 'this many words: machine (4)' }),
    ),
    maxWordMs: Ms(500, 30_000, 'one word longer than this: machine (5000)'),
    silenceThreshold: Ms(1, 32_767, 'mean absolute 16-bit amplitude of voice (256)'),
    endOfGreetingSilenceMs: Ms(
      200,
      10_000,
      'leave_message: silence that ends the greeting and its beep (1000)',
    ),
    maxGreetingWaitMs: Ms(
      1000,
      120_000,
      'leave_message: play the message after this anyway (30000)',
    ),
  },
  { additionalProperties: false },
);
export type AmdThresholds = Static<typeof AmdThresholds>;

export const Amd = Type.Object(
  {
    enabled: Type.Boolean(),
    action: Type.Union(
      [Type.Literal('hangup'), Type.Literal('leave_message'), Type.Literal('continue')],
      { default: 'hangup' },
    ),
    messagePrompt: Type.Optional(Type.Union([MessagePrompt, Type.Null()])),
    thresholds: Type.Optional(AmdThresholds),
  },
  { additionalProperties: false },
);
export type Amd = Static<typeof Amd>;

export const Strategy = Type.Object(
  {
    maxRingSec: Type.Integer({ minimum: 5, maximum: 120, default: 20 }),
    intervalSec: Type.Integer({ minimum: 1, maximum: 9999 }),
    callsPerInterval: Type.Integer({ minimum: 1, default: 1 }),
    filter: Type.Optional(Type.Union([Filter, Type.Null()])),
    /** Answering machine detection after answer (the `sip` adapter). */
    amd: Type.Optional(Type.Union([Amd, Type.Null()])),
    /** Pacing by the agents of a skill queue (domain/agent-pacing.ts); absent: `fixed`. */
    pacing: Type.Optional(
      Type.Union([Type.Literal('fixed'), Type.Literal('progressive'), Type.Literal('predictive')]),
    ),
    /** The skill queue whose agents pace the task (default: the task's `skillQueueId`). */
    pacingQueueId: Type.Optional(NullableId),
    /** Progressive: calls in flight per ready agent. */
    agentRatio: Type.Optional(Type.Number({ minimum: 0.1, maximum: 20 })),
    /** Predictive: the abandon rate to stay under (fraction; 0.03 = 3 %). */
    abandonTarget: Type.Optional(Type.Number({ minimum: 0.001, maximum: 0.5 })),
    /** Predictive: the rolling window the abandon rate is held over. */
    abandonWindowSec: Type.Optional(Type.Integer({ minimum: 300, maximum: 86400 })),
  },
  { additionalProperties: false },
);
export type Strategy = Static<typeof Strategy>;

export const OrderBy = Type.Union([
  Type.Literal('none'),
  Type.Literal('number'),
  Type.Literal('priority'),
  Type.Literal('attributes'),
]);
export const CallStrategy = Type.Object(
  {
    order: Type.Object(
      {
        by: OrderBy,
        attributes: Type.Optional(
          Type.Array(
            Type.Object(
              { attribute: Id, direction: Type.Union([Type.Literal('asc'), Type.Literal('desc')]) },
              { additionalProperties: false },
            ),
          ),
        ),
      },
      { additionalProperties: false, default: { by: 'none' } },
    ),
    numberRounds: Type.Object(
      {
        mode: Type.Union([
          Type.Literal('sequence'),
          Type.Literal('numberType'),
          Type.Literal('sequenceNumber'),
        ]),
        numberTypes: Type.Optional(Type.Array(Id)),
      },
      { additionalProperties: false, default: { mode: 'sequence' } },
    ),
  },
  {
    additionalProperties: false,
    default: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
  },
);
export type CallStrategy = Static<typeof CallStrategy>;

/** A §6 result name or a tenant result definition code. */
const ResultRef = Type.String({ minLength: 1, maxLength: 64 });
export const ResultRule = Type.Object(
  {
    result: ResultRef,
    retries: Type.Integer({ minimum: 0, maximum: 100 }),
    intervalSec: Type.Integer({ minimum: 0, maximum: 30 * 86400 }),
  },
  { additionalProperties: false },
);
export type ResultRule = Static<typeof ResultRule>;

const policyFields = {
  byResult: Type.Boolean({ default: false }),
  maxAttemptDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
  maxAttemptsPerDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  retryIntervalSec: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86400 })),
  rules: Type.Optional(Type.Array(ResultRule)),
  nonRetryResults: Type.Array(ResultRef, { default: [] }),
};
/** One policy without `kind`: the shape used by `global` and by each number type of `contact`. */
export const PolicyBody = Type.Object(policyFields, { additionalProperties: false });
export type PolicyBody = Static<typeof PolicyBody>;

export const GlobalPolicy = Type.Object(
  { kind: Type.Literal('global'), ...policyFields },
  { additionalProperties: false },
);
export const ContactPolicy = Type.Object(
  {
    kind: Type.Literal('contact'),
    default: PolicyBody,
    numberTypes: Type.Array(
      Type.Object({ numberType: Id, ...policyFields }, { additionalProperties: false }),
      { default: [] },
    ),
  },
  { additionalProperties: false },
);
export const ResultPolicy = Type.Union([GlobalPolicy, ContactPolicy]);
export type GlobalPolicy = Static<typeof GlobalPolicy>;
export type ContactPolicy = Static<typeof ContactPolicy>;
export type ResultPolicy = Static<typeof ResultPolicy>;

export const BusinessResultAction = Type.Union([
  Type.Literal('stop'),
  Type.Literal('call_next_number'),
  Type.Literal('call_same_number'),
]);
export const BusinessResultRule = Type.Object(
  {
    code: Id,
    subCode: Type.Optional(NullableId),
    action: BusinessResultAction,
    intervalSec: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: 30 * 86400 }), Type.Null()]),
    ),
  },
  { additionalProperties: false },
);
export type BusinessResultRule = Static<typeof BusinessResultRule>;

export const TaskConfig = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    ouId: Type.Optional(NullableId),
    type: Type.Union([Type.Literal('ivr'), Type.Literal('robot')]),
    flowId: Type.Optional(NullableId),
    robotId: Type.Optional(NullableId),
    callerNumbers: Type.Optional(
      Type.Union([Type.Array(Type.String({ minLength: 1, maxLength: 24 })), Type.Null()]),
    ),
    callerGroupId: Type.Optional(NullableId),
    start: Type.String({ format: 'date-time' }),
    end: Type.String({ format: 'date-time' }),
    timeZone: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
    priority: Type.Integer({ minimum: 1, maximum: 5, default: 3 }),
    questionnaire: Type.Object(
      {
        mode: Type.Union([
          Type.Literal('none'),
          Type.Literal('ivr'),
          Type.Literal('manual_and_ivr'),
        ]),
        questionnaireId: Type.Optional(NullableId),
      },
      { additionalProperties: false, default: { mode: 'none', questionnaireId: null } },
    ),
    sms: Type.Optional(
      Type.Union([
        Type.Object(
          { type: Type.Union([Type.Literal('cloud'), Type.Literal('gateway')]), templateId: Id },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    ),
    skillQueueId: Type.Optional(NullableId),
    businessResultId: Type.Optional(NullableId),
    manualQuestionnaireId: Type.Optional(NullableId),
    blocklistId: Type.Optional(NullableId),
    callbackUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
    schedule: Schedule,
    localWindows: Type.Optional(Type.Union([LocalWindows, Type.Null()])),
    strategy: Strategy,
    callStrategy: CallStrategy,
    resultPolicy: ResultPolicy,
    businessResultPolicy: Type.Array(BusinessResultRule, { default: [] }),
  },
  { additionalProperties: false, $id: 'TaskConfig' },
);
export type TaskConfig = Static<typeof TaskConfig>;

export type TaskType = TaskConfig['type'];
