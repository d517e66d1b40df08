import { Type, type Static } from '@sinclair/typebox';
import { LocalWindows } from './task-config.ts';

/** Rules a called number must pass (checked on import; E.164 normalisation when a country is set). */
export const NumberRules = Type.Object(
  {
    defaultCountry: Type.Union([Type.String({ pattern: '^[A-Z]{2}$' }), Type.Null()], {
      default: null,
      description: 'ISO 3166 alpha-2; numbers are normalised to E.164 for this country',
    }),
    minLength: Type.Integer({ minimum: 1, maximum: 24, default: 3 }),
    maxLength: Type.Integer({ minimum: 1, maximum: 24, default: 24 }),
    allowedPrefixes: Type.Array(Type.String({ pattern: '^\\+?[0-9*#]*$' }), {
      default: [],
      description: 'Leading digits a number must start with (after normalisation); empty = any',
    }),
  },
  { additionalProperties: false },
);
export type NumberRules = Static<typeof NumberRules>;

/** Where the tenant's SMS go: an HTTPS SMS API (`cloud`) and/or an SMPP 3.4 gateway. */
export const SmsProviders = Type.Object(
  {
    cloud: Type.Union(
      [
        Type.Object(
          {
            endpoint: Type.String({
              pattern: '^https?://',
              description: 'POST {to, from, text, reference} as JSON',
            }),
            apiKey: Type.String({
              minLength: 1,
              description: 'sent as Authorization: Bearer; write-only',
            }),
            sender: Type.String({ default: '' }),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { default: null },
    ),
    gateway: Type.Union(
      [
        Type.Object(
          {
            host: Type.String({ minLength: 1 }),
            port: Type.Integer({ minimum: 1, maximum: 65535, default: 2775 }),
            systemId: Type.String({ minLength: 1, maxLength: 16 }),
            password: Type.String({ maxLength: 9, description: 'write-only' }),
            sourceAddr: Type.String({ default: '' }),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { default: null },
    ),
  },
  { additionalProperties: false, default: { cloud: null, gateway: null } },
);
export type SmsProviders = Static<typeof SmsProviders>;

/**
 * At most `max` attempts (or connected calls) to one number per period, across every task of the
 * tenant, or of one OU's tasks when `ouId` is set (docs/engine.md "Caps per number").
 */
export const NumberCap = Type.Object(
  {
    max: Type.Integer({ minimum: 1, maximum: 1000 }),
    period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('30days')]),
    count: Type.Union([Type.Literal('attempts'), Type.Literal('connected')], {
      default: 'attempts',
      description: 'attempts: every call started; connected: answered calls',
    }),
    ouId: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], {
        description: 'only the tasks of this OU (and only their calls count); absent: all tasks',
      }),
    ),
  },
  { additionalProperties: false },
);
export type NumberCap = Static<typeof NumberCap>;

/**
 * Tenant settings (product.md Appendix C). Fields marked system-only are set by the system
 * administrator (channels bought, trial, approved trustlists); the rest by the tenant admin.
 */
export const TenantSettings = Type.Object(
  {
    channels: Type.Integer({
      minimum: 1,
      maximum: 100000,
      default: 30,
      description: 'system-only',
    }),
    timeZone: Type.String({ default: '+08:00' }),
    priorityMode: Type.Union([Type.Literal('strict'), Type.Literal('fill')], { default: 'strict' }),
    isolation: Type.Boolean({ default: false }),
    trial: Type.Boolean({ default: false, description: 'system-only' }),
    calledTrustlist: Type.Array(Type.String(), { default: [], description: 'system-only' }),
    callbackTrustlist: Type.Array(Type.String(), { default: [], description: 'system-only' }),
    maxCallerNumbers: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 100,
      description: 'system-only',
    }),
    ownCallerNumbers: Type.Boolean({ default: false, description: 'system-only' }),
    attributeFeatures: Type.Boolean({ default: false }),
    callbackMaxTries: Type.Integer({
      minimum: 1,
      maximum: 50,
      default: 15,
      description: 'tries of one callback or SMS before it is given up',
    }),
    numberRules: NumberRules,
    smsProviders: SmsProviders,
    localWindows: Type.Union([LocalWindows, Type.Null()], {
      default: null,
      description: "calling windows in each customer's own zone, for every task of the tenant",
    }),
    numberCaps: Type.Array(NumberCap, { default: [], maxItems: 20 }),
  },
  { additionalProperties: false },
);
export type TenantSettings = Static<typeof TenantSettings>;

export const SYSTEM_ONLY_SETTINGS = [
  'channels',
  'trial',
  'calledTrustlist',
  'callbackTrustlist',
  'maxCallerNumbers',
  'ownCallerNumbers',
] as const satisfies readonly (keyof TenantSettings)[];

export const DEFAULT_NUMBER_RULES: NumberRules = {
  defaultCountry: null,
  minLength: 3,
  maxLength: 24,
  allowedPrefixes: [],
};

export function defaultTenantSettings(): TenantSettings {
  return {
    channels: 30,
    timeZone: '+08:00',
    priorityMode: 'strict',
    isolation: false,
    trial: false,
    calledTrustlist: [],
    callbackTrustlist: [],
    maxCallerNumbers: 100,
    ownCallerNumbers: false,
    attributeFeatures: false,
    callbackMaxTries: 15,
    numberRules: { ...DEFAULT_NUMBER_RULES },
    smsProviders: { cloud: null, gateway: null },
    localWindows: null,
    numberCaps: [],
  };
}
