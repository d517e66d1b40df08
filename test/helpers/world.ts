import { testApp, tenantWithKey, type TestApp } from './app.ts';

/**
 * Seeds a tenant with the resources of product.md Appendix C through the API, so tests can create
 * tasks with every option.
 */
export const WORLD = {
  ous: [
    { id: 'ou-sales', name: 'Sales' },
    { id: 'ou-support', name: 'Support' },
  ],
  callerNumbers: [
    { number: '+862188880001', ouId: null },
    { number: '+862188880002', ouId: null },
    { number: '+862188880003', ouId: 'ou-sales' },
    { number: '+862188880004', ouId: 'ou-support' },
  ],
  callerGroups: [{ id: 'grp-1', ouId: null, numbers: ['+862188880001', '+862188880002'] }],
  flows: [
    { id: 'flow-notice', kind: 'ivr', status: 'published', ouId: null, document: {} },
    { id: 'flow-sales', kind: 'ivr', status: 'published', ouId: 'ou-sales', document: {} },
    { id: 'flow-support', kind: 'ivr', status: 'published', ouId: 'ou-support', document: {} },
    { id: 'flow-draft', kind: 'ivr', status: 'draft', ouId: null, document: {} },
  ],
  robots: [
    {
      id: 'robot-1',
      status: 'published',
      ouId: null,
      endpoint: 'https://crm.example.com/robot',
      document: {},
    },
  ],
  skillQueues: [{ id: 'sq-vip', name: 'vip-care', ouId: null }],
  businessResults: [
    {
      id: 'callback-later',
      name: 'Call back later',
      ouId: null,
      subResults: [{ code: 'evening', name: 'Evening' }],
    },
  ],
  questionnaires: [
    { id: 'q-ivr', name: 'Satisfaction', ouId: null, kind: 'ivr', questions: [] },
    { id: 'q-manual', name: 'Agent survey', ouId: null, kind: 'manual', questions: [] },
  ],
  smsTemplates: [
    {
      id: 'sms-missed-notice',
      type: 'cloud',
      ouId: null,
      text: 'Dear {name}, we tried to reach you about {topic}.',
    },
  ],
  blocklists: [
    {
      id: 'bl-default',
      ouId: null,
      entries: [
        { number: '+8613800000099', expiresAt: null, restrict: null },
        {
          number: '+8613800000098',
          expiresAt: '2026-12-01T00:00:00+08:00',
          restrict: { times: 1, period: 'day' },
        },
      ],
    },
  ],
  specialDates: [
    { id: 'weekend', name: 'Weekends', type: 'weekday', weekdays: [6, 7] },
    { id: 'new-year', name: 'New year', type: 'yearly', dates: ['01-01'] },
    { id: 'maint', name: 'Maintenance', type: 'dateRange', from: '2026-12-24', to: '2026-12-26' },
  ],
  attributes: [
    { code: 'city', name: 'City', type: 'string', mandatory: false, encrypted: false },
    { code: 'vip', name: 'VIP level', type: 'number', mandatory: true, encrypted: false },
    { code: 'idcard', name: 'ID card', type: 'string', mandatory: false, encrypted: true },
  ],
  numberTypes: [{ id: 'mobile' }, { id: 'home' }, { id: 'office' }],
  resultDefinitions: [
    {
      code: 'R-NOREACH',
      label: 'Not reached',
      results: ['no_answer', 'ring_timeout', 'unreachable'],
    },
  ],
} as const;

export const segment = (kind: string) => kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Creates the tenant's resources; caller numbers with the system administrator's key. */
export async function seedWorld(t: TestApp, tenantKey: string, tenantId: string): Promise<void> {
  // A published robot's endpoint must be under the tenant's trustlist: tests that replace the
  // trustlist (a callback receiver on loopback) get the robot under their first entry.
  const tenant = await t.call(t.adminKey, { method: 'GET', url: `/api/v1/tenants/${tenantId}` });
  const trusted = (tenant.body.settings?.callbackTrustlist as string[] | undefined)?.[0];
  for (const [kind, list] of Object.entries(WORLD)) {
    const items =
      kind === 'robots' && trusted
        ? WORLD.robots.map((r) => ({ ...r, endpoint: new URL('robot', trusted).href }))
        : list;
    for (const item of items) {
      const key = kind === 'callerNumbers' ? t.adminKey : tenantKey;
      const r = await t.call(key, {
        method: 'POST',
        url: `/api/v1/tenants/${tenantId}/${segment(kind)}`,
        payload: item,
      });
      if (r.status !== 201) throw new Error(`seed ${kind}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }
}

/** A task configuration with every option of product.md §3 set (Appendix A). */
export function fullTaskConfig(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    name: 'Product change notice',
    description: 'Major product change, Nov 2026',
    ouId: null,
    type: 'ivr',
    flowId: 'flow-notice',
    robotId: null,
    callerNumbers: ['+862188880001', '+862188880002'],
    callerGroupId: null,
    start: '2026-11-23T00:00:00+08:00',
    end: '2026-12-31T23:59:59+08:00',
    timeZone: '+08:00',
    priority: 3,
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
      specialDates: ['weekend'],
      specialPeriods: [{ start: '10:00', end: '16:00' }],
      allocations: {
        enabled: true,
        entries: [{ dates: ['2026-12-24'], periods: [{ start: '09:00', end: '12:00' }] }],
      },
    },
    strategy: {
      maxRingSec: 20,
      intervalSec: 3,
      callsPerInterval: 3,
      filter: { join: 'and', conditions: [{ attribute: 'city', op: 'eq', value: 'Shenzhen' }] },
    },
    callStrategy: {
      order: { by: 'attributes', attributes: [{ attribute: 'vip', direction: 'desc' }] },
      numberRounds: { mode: 'numberType', numberTypes: ['mobile', 'home'] },
    },
    resultPolicy: {
      kind: 'global',
      byResult: true,
      rules: [{ result: 'busy', retries: 2, intervalSec: 300 }],
      nonRetryResults: ['unallocated', 'rejected'],
    },
    businessResultPolicy: [
      { code: 'callback-later', subCode: null, action: 'call_same_number', intervalSec: 3600 },
    ],
    ...overrides,
  };
}

/** Settings that make every option of fullTaskConfig legal. */
export const FULL_SETTINGS = {
  attributeFeatures: true,
  callbackTrustlist: ['https://crm.example.com/'],
};

/** Calling every day 09:00–18:00, no special dates: the window most engine tests dial in. */
export const WORKDAY = {
  regular: [{ start: '09:00', end: '18:00' }],
  specialDates: [],
  specialPeriods: [],
  allocations: { enabled: false, entries: [] },
};

/** Customers in import order, numbers in sequence. */
export const IN_ORDER = { order: { by: 'none' }, numberRounds: { mode: 'sequence' } };

/** A result policy that calls again only after `result`: `retries` times, each `intervalSec` later. */
export const retrying = (result: string, retries: number, intervalSec: number) => ({
  kind: 'global',
  byResult: true,
  rules: [{ result, retries, intervalSec }],
  nonRetryResults: [],
});

/**
 * A task of the full configuration that dials 5 calls a second in working hours, customers in
 * import order, a no-answer retried once after a minute, no SMS: what tests on the sim network use
 * when only the call itself matters.
 */
export function workdayTask(name: string, overrides: Record<string, unknown> = {}) {
  return fullTaskConfig({
    name,
    sms: null,
    schedule: WORKDAY,
    strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 5 },
    callStrategy: IN_ORDER,
    resultPolicy: retrying('no_answer', 1, 60),
    businessResultPolicy: [],
    ...overrides,
  });
}

/**
 * A robot task named "Renewals" of the full configuration calling the speech robot `robotId` (no
 * flow, no questionnaire, no SMS), 5 calls a second in working hours, customers in import order;
 * the robot hands over to the skill queue `sq-vip`.
 */
export function speechRobotTask(robotId: string) {
  return fullTaskConfig({
    name: 'Renewals',
    type: 'robot',
    flowId: null,
    robotId,
    skillQueueId: 'sq-vip',
    questionnaire: { mode: 'none', questionnaireId: null },
    sms: null,
    schedule: WORKDAY,
    strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 5 },
    callStrategy: IN_ORDER,
    businessResultPolicy: [],
  });
}

/**
 * A test app with tenant `acme` (FULL_SETTINGS, a tenant administrator key), its resources seeded,
 * and one draft task of the full configuration: where the API's input tests start.
 */
export async function acmeWithTask(): Promise<{ t: TestApp; key: string; taskId: string }> {
  const t = await testApp();
  const key = await tenantWithKey(t, 'acme', FULL_SETTINGS);
  await seedWorld(t, key, 'acme');
  const r = await t.call(key, {
    method: 'POST',
    url: '/api/v1/tenants/acme/tasks',
    payload: fullTaskConfig(),
  });
  if (r.status !== 201) throw new Error(`task: ${r.status} ${JSON.stringify(r.body)}`);
  return { t, key, taskId: r.body.id as string };
}

/** A task dialing all day, every day, with one attempt per customer and the given pace. */
export const allDay = (
  name: string,
  intervalSec: number,
  callsPerInterval: number,
  extra: Record<string, unknown> = {},
) =>
  fullTaskConfig({
    name,
    schedule: {
      regular: [{ start: '00:00', end: '23:59' }],
      specialDates: [],
      specialPeriods: [],
      allocations: { enabled: false, entries: [] },
    },
    strategy: { maxRingSec: 20, intervalSec, callsPerInterval },
    callStrategy: IN_ORDER,
    resultPolicy: retrying('busy', 0, 0),
    businessResultPolicy: [],
    ...extra,
  });
