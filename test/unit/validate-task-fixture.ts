import { Value, ValuePointer } from '@sinclair/typebox/value';
import { expect } from 'vitest';
import type { FieldError } from '../../src/platform/errors.ts';
import type { World } from '../../src/domain/resources.ts';
import type { TaskConfig } from '../../src/domain/task-config.ts';
import { defaultTenantSettings } from '../../src/domain/tenant.ts';
import { validateTaskConfig } from '../../src/domain/validate-task.ts';

/** A tenant world with one resource of every kind, plus OU-bound and unusable variants. */
export function world(): World {
  return {
    tenant: {
      ...defaultTenantSettings(),
      channels: 30,
      callbackTrustlist: ['https://crm.example.com/'],
      attributeFeatures: true,
    },
    ous: [
      { id: 'ou-sales', name: 'Sales' },
      { id: 'ou-billing', name: 'Billing' },
    ],
    callerNumbers: [
      { number: '+862188880001', ouId: null },
      { number: '+862188880002', ouId: 'ou-sales' },
      { number: '+862188880003', ouId: 'ou-billing' },
      ...Array.from({ length: 101 }, (_, i) => ({
        number: `+8621999${String(i).padStart(5, '0')}`,
        ouId: null,
      })),
    ],
    callerGroups: [
      { id: 'grp-1', ouId: null, numbers: ['+862188880001'] },
      { id: 'grp-billing', ouId: 'ou-billing', numbers: ['+862188880003'] },
    ],
    flows: [
      { id: 'flow-notice', kind: 'ivr', status: 'published', ouId: null, document: {} },
      { id: 'flow-draft', kind: 'ivr', status: 'draft', ouId: null, document: {} },
      { id: 'flow-billing', kind: 'ivr', status: 'published', ouId: 'ou-billing', document: {} },
    ],
    robots: [
      { id: 'robot-1', status: 'published', ouId: null, document: {} },
      { id: 'robot-draft', status: 'draft', ouId: null, document: {} },
      { id: 'robot-billing', status: 'published', ouId: 'ou-billing', document: {} },
    ],
    skillQueues: [
      { id: 'sq-vip', name: 'VIP care', ouId: null },
      { id: 'sq-billing', name: 'Billing', ouId: 'ou-billing' },
    ],
    businessResults: [
      {
        id: 'callback-later',
        name: 'Call back later',
        ouId: null,
        subResults: [
          { code: 'morning', name: 'Morning' },
          { code: 'evening', name: 'Evening' },
        ],
      },
      { id: 'sale', name: 'Sale', ouId: null, subResults: [] },
      { id: 'br-billing', name: 'Billing', ouId: 'ou-billing', subResults: [] },
    ],
    questionnaires: [
      { id: 'q-ivr', name: 'IVR survey', ouId: null, kind: 'ivr', questions: [] },
      { id: 'q-manual', name: 'Agent survey', ouId: null, kind: 'manual', questions: [] },
      { id: 'q-both', name: 'Both', ouId: null, kind: 'manual_and_ivr', questions: [] },
      {
        id: 'q-billing',
        name: 'Billing',
        ouId: 'ou-billing',
        kind: 'manual_and_ivr',
        questions: [],
      },
    ],
    smsTemplates: [
      { id: 'sms-missed-notice', type: 'cloud', ouId: null, text: 'Dear {name}, we tried.' },
      { id: 'sms-gw', type: 'gateway', ouId: null, text: 'We tried to reach you.' },
      { id: 'sms-billing', type: 'cloud', ouId: 'ou-billing', text: 'Billing.' },
    ],
    blocklists: [
      { id: 'bl-default', ouId: null, entries: [] },
      { id: 'bl-billing', ouId: 'ou-billing', entries: [] },
    ],
    specialDates: [
      { id: 'weekend', name: 'Weekends', ouId: null, type: 'weekday', weekdays: [6, 7] },
      { id: 'new-year', name: 'New year', ouId: null, type: 'yearly', dates: ['01-01'] },
      {
        id: 'billing-day',
        name: 'Billing day',
        ouId: 'ou-billing',
        type: 'yearly',
        dates: ['01-15'],
      },
    ],
    attributes: [
      {
        code: 'city',
        name: 'City',
        ouId: null,
        type: 'string',
        mandatory: false,
        encrypted: false,
      },
      { code: 'vip', name: 'VIP', ouId: null, type: 'number', mandatory: true, encrypted: false },
      { code: 'since', name: 'Since', ouId: null, type: 'date', mandatory: true, encrypted: false },
      {
        code: 'active',
        name: 'Active',
        ouId: null,
        type: 'boolean',
        mandatory: true,
        encrypted: false,
      },
      {
        code: 'idcard',
        name: 'ID card',
        ouId: null,
        type: 'string',
        mandatory: true,
        encrypted: true,
      },
      {
        code: 'region',
        name: 'Region',
        ouId: 'ou-billing',
        type: 'string',
        mandatory: true,
        encrypted: false,
      },
    ],
    numberTypes: [
      { id: 'mobile', ouId: null },
      { id: 'home', ouId: null },
      { id: 'office', ouId: null },
      { id: 'billing-line', ouId: 'ou-billing' },
    ],
    resultDefinitions: [
      {
        code: 'R-NOREACH',
        label: 'Not reached',
        ouId: null,
        results: ['no_answer', 'ring_timeout'],
      },
      { code: 'R-BILLING', label: 'Billing', ouId: 'ou-billing', results: ['busy'] },
    ],
  };
}

/** Appendix A with every option of an IVR task set. */
export function ivrConfig(): TaskConfig {
  return {
    name: 'Product change notice',
    description: 'Major product change, Nov 2026',
    ouId: 'ou-sales',
    type: 'ivr',
    flowId: 'flow-notice',
    robotId: null,
    callerNumbers: ['+862188880001', '+862188880002'],
    callerGroupId: null,
    start: '2026-11-23T00:00:00+08:00',
    end: '2026-12-31T23:59:59+08:00',
    timeZone: 'Asia/Shanghai',
    priority: 2,
    questionnaire: { mode: 'ivr', questionnaireId: 'q-ivr' },
    sms: { type: 'cloud', templateId: 'sms-missed-notice' },
    skillQueueId: null,
    businessResultId: null,
    manualQuestionnaireId: null,
    blocklistId: 'bl-default',
    callbackUrl: 'https://crm.example.com/outbound/events',
    schedule: {
      regular: [
        { start: '09:00', end: '11:30' },
        { start: '14:00', end: '18:00' },
      ],
      specialDates: ['weekend', 'new-year'],
      specialPeriods: [{ start: '10:00', end: '16:00' }],
      allocations: {
        enabled: true,
        entries: [
          { dates: ['2026-12-24'], periods: [{ start: '09:00', end: '12:00' }] },
          { dates: ['2026-12-25', '2026-12-26'], periods: [{ start: '00:00', end: '00:00' }] },
        ],
      },
    },
    strategy: {
      maxRingSec: 20,
      intervalSec: 3,
      callsPerInterval: 3,
      filter: {
        join: 'and',
        conditions: [
          { attribute: 'city', op: 'eq', value: 'Shenzhen' },
          { attribute: 'vip', op: 'ge', value: 1 },
          { attribute: 'since', op: 'lt', value: '2026-01-01' },
          { attribute: 'active', op: 'ne', value: false },
          { attribute: 'city', op: 'in', value: ['Shenzhen', 'Shanghai'] },
          { attribute: 'city', op: 'contains', value: 'Shen' },
        ],
      },
    },
    callStrategy: {
      order: {
        by: 'attributes',
        attributes: [
          { attribute: 'vip', direction: 'desc' },
          { attribute: 'since', direction: 'asc' },
        ],
      },
      numberRounds: { mode: 'numberType', numberTypes: ['mobile', 'home'] },
    },
    resultPolicy: {
      kind: 'global',
      byResult: true,
      maxAttemptDays: 2,
      maxAttemptsPerDay: 3,
      retryIntervalSec: 600,
      rules: [
        { result: 'busy', retries: 2, intervalSec: 300 },
        { result: 'R-NOREACH', retries: 1, intervalSec: 900 },
      ],
      nonRetryResults: ['unallocated', 'rejected'],
    },
    businessResultPolicy: [
      { code: 'callback-later', subCode: null, action: 'call_same_number', intervalSec: 3600 },
      { code: 'callback-later', subCode: 'morning', action: 'call_next_number', intervalSec: null },
      { code: 'sale', action: 'stop' },
    ],
  };
}

/** A robot task with the robot-only options and a contact result policy. */
export function robotConfig(): TaskConfig {
  return {
    ...ivrConfig(),
    type: 'robot',
    flowId: null,
    robotId: 'robot-1',
    callerNumbers: null,
    callerGroupId: 'grp-1',
    timeZone: '+08:00',
    questionnaire: { mode: 'manual_and_ivr', questionnaireId: 'q-both' },
    skillQueueId: 'sq-vip',
    businessResultId: 'callback-later',
    manualQuestionnaireId: 'q-manual',
    resultPolicy: {
      kind: 'contact',
      default: {
        byResult: false,
        maxAttemptDays: 2,
        maxAttemptsPerDay: 3,
        retryIntervalSec: 600,
        nonRetryResults: ['rejected'],
      },
      numberTypes: [
        {
          numberType: 'home',
          byResult: true,
          rules: [{ result: 'busy', retries: 2, intervalSec: 300 }],
          nonRetryResults: [],
        },
        {
          numberType: 'office',
          byResult: false,
          maxAttemptDays: 1,
          maxAttemptsPerDay: 1,
          retryIntervalSec: 0,
          nonRetryResults: [],
        },
      ],
    },
    businessResultPolicy: [
      { code: 'callback-later', subCode: 'evening', action: 'call_same_number', intervalSec: 3600 },
    ],
  };
}

/**
 * A copy of `base` with the values at the given JSON pointers replaced; `undefined` removes the
 * field. Lets a test state the one thing it breaks, including shapes the type would not allow.
 */
export function mutate(base: unknown, changes: Record<string, unknown>): unknown {
  const copy: unknown = Value.Clone(base);
  for (const [pointer, value] of Object.entries(changes)) {
    if (value === undefined) ValuePointer.Delete(copy, pointer);
    else ValuePointer.Set(copy, pointer, value);
  }
  return copy;
}

export function errorsOf(doc: unknown, w: World = world()): FieldError[] {
  const r = validateTaskConfig(doc, w);
  return r.ok ? [] : r.errors;
}

/** Asserts an error at exactly `path` whose message contains `fragment`. */
export function expectError(
  doc: unknown,
  path: string,
  fragment: string,
  w: World = world(),
): void {
  const errors = errorsOf(doc, w);
  expect(errors).toContainEqual({ path, message: expect.stringContaining(fragment) });
}

export function expectValid(doc: unknown, w: World = world()): void {
  expect(errorsOf(doc, w)).toEqual([]);
}
