/**
 * A tenant for the console tests, set up over the API as an administrator would: isolation on,
 * two OUs, and resources of each OU and of Unorganized, so that the wizard's choices show the
 * isolation rule.
 */
export interface World {
  tenantId: string;
  admin: string;
  salesOperator: string;
}

async function call(url: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

const ROBOT_ENDPOINT = 'https://robot.acme.invalid/turn';

export async function seedWorld(
  url: string,
  systemKey: string,
  callbackTrustlist: string[] = [],
): Promise<World> {
  const t = 'acme';
  await call(url, systemKey, 'POST', '/tenants', {
    id: t,
    name: 'Acme Telecom',
    settings: {
      channels: 30,
      timeZone: '+08:00',
      isolation: true,
      attributeFeatures: true,
      numberRules: { defaultCountry: 'CN', minLength: 5, maxLength: 20 },
      // A published robot's endpoint must be trustlisted; `.invalid` never resolves, and an
      // address that does not resolve yet is accepted at publish (checked again at call time).
      callbackTrustlist: [...callbackTrustlist, new URL('/', ROBOT_ENDPOINT).href],
    },
  });
  const admin = String(
    (
      await call(url, systemKey, 'POST', `/tenants/${t}/keys`, {
        name: 'e2e admin',
        role: 'tenant_admin',
      })
    ).key,
  );
  for (const [number, ouId] of [
    ['+862188880001', null],
    ['+862188880002', null],
    ['+862188880003', 'ou-sales'],
    ['+862188880009', 'ou-service'],
  ] as const) {
    if (ouId)
      await call(url, admin, 'POST', `/tenants/${t}/ous`, {
        id: ouId,
        name: ouId === 'ou-sales' ? 'Sales' : 'Service',
      }).catch(() => undefined);
    await call(url, systemKey, 'POST', `/tenants/${t}/caller-numbers`, { number, ouId });
  }
  const resources: [string, Record<string, unknown>][] = [
    [
      'caller-groups',
      {
        id: 'grp-main',
        name: 'Main numbers',
        ouId: null,
        numbers: ['+862188880001', '+862188880002'],
      },
    ],
    [
      'flows',
      { id: 'flow-notice', name: 'Product notice', ouId: null, status: 'draft', document: {} },
    ],
    [
      'flows',
      { id: 'flow-sales', name: 'Sales flow', ouId: 'ou-sales', status: 'published', document: {} },
    ],
    [
      'flows',
      {
        id: 'flow-service',
        name: 'Service flow',
        ouId: 'ou-service',
        status: 'published',
        document: {},
      },
    ],
    [
      'robots',
      {
        id: 'robot-1',
        name: 'Sales robot',
        ouId: null,
        status: 'published',
        endpoint: ROBOT_ENDPOINT,
        document: {},
      },
    ],
    ['skill-queues', { id: 'vip-care', name: 'VIP care', ouId: null }],
    [
      'business-results',
      {
        id: 'interested',
        name: 'Interested',
        ouId: null,
        subResults: [{ code: 'callback', name: 'Call back later' }],
      },
    ],
    [
      'questionnaires',
      { id: 'q-satisfaction', name: 'Satisfaction', ouId: null, kind: 'ivr', questions: [] },
    ],
    [
      'sms-templates',
      {
        id: 'sms-missed',
        name: 'Missed call',
        type: 'cloud',
        ouId: null,
        text: 'We tried to reach you about a product change.',
      },
    ],
    ['blocklists', { id: 'bl-default', name: 'Do not call', ouId: null, entries: [] }],
    [
      'special-dates',
      { id: 'weekend', name: 'Weekends', ouId: null, type: 'weekday', weekdays: [6, 7] },
    ],
    [
      'special-dates',
      {
        id: 'service-days',
        name: 'Service days',
        ouId: 'ou-service',
        type: 'dateRange',
        from: '2026-12-24',
        to: '2026-12-26',
      },
    ],
    ['number-types', { id: 'mobile', name: 'Mobile', ouId: null }],
    ['number-types', { id: 'home', name: 'Home', ouId: null }],
    [
      'attributes',
      {
        code: 'city',
        name: 'City',
        ouId: null,
        type: 'string',
        mandatory: false,
        encrypted: false,
      },
    ],
    [
      'result-definitions',
      {
        code: 'R-NOREACH',
        label: 'Not reached',
        ouId: null,
        results: ['no_answer', 'ring_timeout', 'unreachable'],
      },
    ],
  ];
  for (const [kind, doc] of resources) await call(url, admin, 'POST', `/tenants/${t}/${kind}`, doc);
  const salesOperator = String(
    (
      await call(url, admin, 'POST', `/tenants/${t}/keys`, {
        name: 'sales desk',
        role: 'ou_operator',
        ouId: 'ou-sales',
      })
    ).key,
  );
  return { tenantId: t, admin, salesOperator };
}

/** The seed's customers: 20 good rows and one with a bad number, as a CSV file. */
export function contactsCsv(): string {
  const rows = ['sessionId,priority,customField,number1,type1,number2,type2,city'];
  for (let i = 1; i <= 20; i++) {
    const n = String(i).padStart(4, '0');
    rows.push(`C-${n},3,order ${8800 + i},1380000${n},mobile,02188880${n.slice(1)},home,Shenzhen`);
  }
  rows.push('C-BAD,3,bad number,12x,mobile,,,Shenzhen');
  return rows.join('\n') + '\n';
}
