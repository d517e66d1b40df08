import { Type, type Static, type TObject } from '@sinclair/typebox';
import type { TenantSettings } from './tenant.ts';
import { Prompt } from '../ivr/flow.ts';

/**
 * The resources a task refers to (product.md Appendix C). Each kind has an `id` (the tenant's own
 * string) and an optional `ouId`; the rest is the kind's document.
 */
const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^/?#\\s]+$' });
const OuId = Type.Union([Id, Type.Null()], { default: null });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Status = Type.Union([Type.Literal('draft'), Type.Literal('published')], { default: 'draft' });
const Phone = Type.String({ pattern: '^\\+?[0-9]{3,24}$' });

export const Ou = Type.Object({ id: Id, name: Name }, { additionalProperties: false });
export const CallerNumber = Type.Object(
  { id: Type.Optional(Id), number: Phone, ouId: OuId },
  { additionalProperties: false },
);
export const CallerGroup = Type.Object(
  {
    id: Id,
    name: Type.Optional(Name),
    ouId: OuId,
    numbers: Type.Array(Phone, { minItems: 1, maxItems: 1000 }),
  },
  { additionalProperties: false },
);
export const Flow = Type.Object(
  {
    id: Id,
    name: Type.Optional(Name),
    kind: Type.Literal('ivr', { default: 'ivr' }),
    status: Status,
    ouId: OuId,
    document: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  },
  { additionalProperties: false },
);
export const Robot = Type.Object(
  {
    id: Id,
    name: Type.Optional(Name),
    status: Status,
    ouId: OuId,
    kind: Type.Optional(
      Type.Union([Type.Literal('http'), Type.Literal('speech')], {
        description:
          '`http` (default): the integrator’s bot at `endpoint`; `speech`: `document` is a dialogue Outbound runs itself, listening offline (docs/robots.md)',
      }),
    ),
    endpoint: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
    document: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  },
  { additionalProperties: false },
);
export const SkillQueue = Type.Object(
  { id: Id, name: Name, ouId: OuId },
  { additionalProperties: false },
);
export const BusinessResult = Type.Object(
  {
    id: Id,
    name: Name,
    ouId: OuId,
    subResults: Type.Array(Type.Object({ code: Id, name: Name }, { additionalProperties: false }), {
      default: [],
    }),
  },
  { additionalProperties: false },
);
/**
 * A question of a questionnaire. In a flow (kinds `ivr`, `manual_and_ivr`) it is played (`prompt`,
 * else `text` spoken), one answer is collected as keys, a key that is not an allowed answer is
 * asked again up to `retries` times, and no answer within `timeoutSec` counts as a wrong one.
 * Answers are plain strings (keys in a flow, choices for an agent) or `{key, label}` pairs.
 */
export const QuestionAnswer = Type.Union([
  Type.String({ minLength: 1, maxLength: 200 }),
  Type.Object(
    {
      key: Type.String({ minLength: 1, maxLength: 32 }),
      label: Type.String({ minLength: 1, maxLength: 200 }),
    },
    { additionalProperties: false },
  ),
]);
export const QuestionnaireQuestion = Type.Object(
  {
    id: Id,
    text: Type.String({ maxLength: 1000 }),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    prompt: Type.Optional(Prompt),
    answers: Type.Optional(Type.Array(QuestionAnswer, { maxItems: 12 })),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, description: 'default 1' })),
    timeoutSec: Type.Optional(
      Type.Number({ minimum: 0.5, maximum: 120, description: 'default 5' }),
    ),
  },
  { additionalProperties: false },
);
export type QuestionnaireQuestion = Static<typeof QuestionnaireQuestion>;
export const Questionnaire = Type.Object(
  {
    id: Id,
    name: Name,
    ouId: OuId,
    kind: Type.Union([Type.Literal('ivr'), Type.Literal('manual'), Type.Literal('manual_and_ivr')]),
    questions: Type.Array(QuestionnaireQuestion, { default: [], maxItems: 50 }),
  },
  { additionalProperties: false },
);
export const SmsTemplate = Type.Object(
  {
    id: Id,
    name: Type.Optional(Name),
    type: Type.Union([Type.Literal('cloud'), Type.Literal('gateway')]),
    ouId: OuId,
    text: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false },
);
export const BlocklistEntry = Type.Object(
  {
    number: Type.String({ pattern: '^\\+?[0-9*#]{1,24}$' }),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { default: null }),
    restrict: Type.Union(
      [
        Type.Object(
          {
            times: Type.Integer({ minimum: 1, maximum: 1000 }),
            period: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { default: null, description: 'null: never call; else at most `times` calls per `period`' },
    ),
  },
  { additionalProperties: false },
);
export type BlocklistEntry = Static<typeof BlocklistEntry>;
export const Blocklist = Type.Object(
  {
    id: Id,
    name: Type.Optional(Name),
    ouId: OuId,
    entries: Type.Array(BlocklistEntry, { default: [] }),
  },
  { additionalProperties: false },
);
export const SpecialDate = Type.Object(
  {
    id: Id,
    name: Name,
    ouId: OuId,
    type: Type.Union([Type.Literal('weekday'), Type.Literal('dateRange'), Type.Literal('yearly')]),
    weekdays: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1 })),
    from: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
    to: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
    dates: Type.Optional(Type.Array(Type.String({ pattern: '^\\d{2}-\\d{2}$' }), { minItems: 1 })),
  },
  { additionalProperties: false },
);
export const Attribute = Type.Object(
  {
    id: Type.Optional(Id),
    code: Id,
    name: Name,
    ouId: OuId,
    type: Type.Union([
      Type.Literal('string'),
      Type.Literal('number'),
      Type.Literal('boolean'),
      Type.Literal('date'),
    ]),
    mandatory: Type.Boolean({ default: false }),
    encrypted: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export const NumberType = Type.Object(
  { id: Id, name: Type.Optional(Name), ouId: OuId },
  { additionalProperties: false },
);
export const ResultDefinition = Type.Object(
  {
    id: Type.Optional(Id),
    code: Id,
    label: Name,
    ouId: OuId,
    results: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type Ou = Static<typeof Ou>;
export type CallerNumber = Static<typeof CallerNumber>;
export type CallerGroup = Static<typeof CallerGroup>;
export type Flow = Static<typeof Flow>;
export type Robot = Static<typeof Robot>;
export type SkillQueue = Static<typeof SkillQueue>;
export type BusinessResult = Static<typeof BusinessResult>;
export type Questionnaire = Static<typeof Questionnaire>;
export type SmsTemplate = Static<typeof SmsTemplate>;
export type Blocklist = Static<typeof Blocklist>;
export type SpecialDate = Static<typeof SpecialDate>;
export type Attribute = Static<typeof Attribute>;
export type NumberType = Static<typeof NumberType>;
export type ResultDefinition = Static<typeof ResultDefinition>;

/**
 * Every resource kind: its URL segment, schema, and which field is its id (caller numbers are
 * identified by their number, attributes and result definitions by their code).
 */
export const RESOURCE_KINDS = {
  ous: { schema: Ou, idField: 'id', label: 'OU' },
  callerNumbers: { schema: CallerNumber, idField: 'number', label: 'caller number' },
  callerGroups: { schema: CallerGroup, idField: 'id', label: 'caller group' },
  flows: { schema: Flow, idField: 'id', label: 'flow' },
  robots: { schema: Robot, idField: 'id', label: 'robot' },
  skillQueues: { schema: SkillQueue, idField: 'id', label: 'skill queue' },
  businessResults: { schema: BusinessResult, idField: 'id', label: 'business result' },
  questionnaires: { schema: Questionnaire, idField: 'id', label: 'questionnaire' },
  smsTemplates: { schema: SmsTemplate, idField: 'id', label: 'SMS template' },
  blocklists: { schema: Blocklist, idField: 'id', label: 'blocklist' },
  specialDates: { schema: SpecialDate, idField: 'id', label: 'special date' },
  attributes: { schema: Attribute, idField: 'code', label: 'attribute' },
  numberTypes: { schema: NumberType, idField: 'id', label: 'number type' },
  resultDefinitions: { schema: ResultDefinition, idField: 'code', label: 'result definition' },
} as const satisfies Record<string, { schema: TObject; idField: string; label: string }>;

export type ResourceKind = keyof typeof RESOURCE_KINDS;
export const RESOURCE_KIND_NAMES = Object.keys(RESOURCE_KINDS) as ResourceKind[];

/**
 * Everything a task configuration may refer to: the tenant's settings and resources. The same
 * shape as product.md Appendix C, so `simulate` scenarios and the store both produce it.
 */
export interface World {
  tenant: TenantSettings;
  ous: Ou[];
  callerNumbers: CallerNumber[];
  callerGroups: CallerGroup[];
  flows: Flow[];
  robots: Robot[];
  skillQueues: SkillQueue[];
  businessResults: BusinessResult[];
  questionnaires: Questionnaire[];
  smsTemplates: SmsTemplate[];
  blocklists: Blocklist[];
  specialDates: SpecialDate[];
  attributes: Attribute[];
  numberTypes: NumberType[];
  resultDefinitions: ResultDefinition[];
}

export function emptyWorld(tenant: TenantSettings): World {
  return {
    tenant,
    ous: [],
    callerNumbers: [],
    callerGroups: [],
    flows: [],
    robots: [],
    skillQueues: [],
    businessResults: [],
    questionnaires: [],
    smsTemplates: [],
    blocklists: [],
    specialDates: [],
    attributes: [],
    numberTypes: [],
    resultDefinitions: [],
  };
}

/** Under isolation a task of OU X may use resources of X or of no OU; otherwise any. */
export function ouAllowed(
  tenant: Pick<TenantSettings, 'isolation'>,
  taskOu: string | null | undefined,
  resourceOu: string | null | undefined,
): boolean {
  if (!tenant.isolation) return true;
  return resourceOu == null || resourceOu === (taskOu ?? null);
}
