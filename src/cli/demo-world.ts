import type { NetworkRules } from '../telephony/sim/network.ts';

/**
 * The demo's tenant, resources, task and customers: the seed's business scenario (notify customers
 * of a major product change by playing a voice; working hours on workdays and also on weekends;
 * a busy customer is called twice more).
 */
export const DEMO_TENANT = 'demo';
export const DEMO_TASK = 'Product change notice';

export const DEMO_SETTINGS = { channels: 60, timeZone: '+08:00', priorityMode: 'strict' };

/** Resources by kind (product.md Appendix C), created once per database. */
export const DEMO_RESOURCES: Record<string, Record<string, unknown>[]> = {
  callerNumbers: [
    { number: '+862188880001', ouId: null },
    { number: '+862188880002', ouId: null },
  ],
  flows: [
    {
      id: 'flow-notice',
      name: 'Product change notice',
      kind: 'ivr',
      status: 'published',
      ouId: null,
      document: {},
    },
  ],
  specialDates: [{ id: 'weekend', name: 'Weekends', type: 'weekday', weekdays: [6, 7] }],
  numberTypes: [{ id: 'mobile' }, { id: 'home' }],
  attributes: [{ code: 'city', name: 'City', type: 'string', mandatory: false, encrypted: false }],
  smsTemplates: [
    {
      id: 'sms-missed-notice',
      type: 'cloud',
      ouId: null,
      text: 'Dear customer, we tried to reach you about a major change to your product.',
    },
  ],
};

export function demoTask(name: string, start: Date, end: Date): Record<string, unknown> {
  return {
    name,
    description: 'Major product change: a recorded notice to every customer',
    ouId: null,
    type: 'ivr',
    flowId: 'flow-notice',
    callerNumbers: ['+862188880001', '+862188880002'],
    start: start.toISOString(),
    end: end.toISOString(),
    timeZone: '+08:00',
    priority: 3,
    sms: { type: 'cloud', templateId: 'sms-missed-notice' },
    schedule: {
      regular: [
        { start: '09:00', end: '11:30' },
        { start: '14:00', end: '18:00' },
      ],
      // Weekends are special dates called all day: the seed's "also on weekends".
      specialDates: ['weekend'],
      specialPeriods: [{ start: '00:00', end: '23:59' }],
      allocations: { enabled: false, entries: [] },
    },
    // The seed's advice: 3 calls every 3 s, 60 a minute.
    strategy: { maxRingSec: 30, intervalSec: 3, callsPerInterval: 3 },
    callStrategy: {
      order: { by: 'priority' },
      numberRounds: { mode: 'numberType', numberTypes: ['mobile', 'home'] },
    },
    resultPolicy: {
      kind: 'global',
      byResult: true,
      rules: [{ result: 'busy', retries: 2, intervalSec: 300 }],
      nonRetryResults: ['unallocated', 'rejected'],
    },
  };
}

const CITIES = ['Shenzhen', 'Shanghai', 'Beijing', 'Chengdu', 'Hangzhou'];

/** n customers; every fourth has a home number too. Numbers are +86139000NNNNN. */
export function demoCustomers(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    const id = String(i).padStart(5, '0');
    const numbers: Record<string, unknown>[] = [{ number: `+86139000${id}`, type: 'mobile' }];
    if (i % 4 === 0) numbers.push({ number: `+86215550${id}`, type: 'home', delaySec: 60 });
    return {
      sessionId: `D-${String(i).padStart(6, '0')}`,
      priority: (i % 5) + 1,
      customField: `order ${10_000 + i}`,
      attributes: { city: CITIES[i % CITIES.length] },
      numbers,
    };
  });
}

/**
 * The carrier network by the number's last digits: …7 always busy (called twice more, then
 * given up), …13 busy once then answered, …[0-4]9 never answers (ring timeout, then the home
 * number if any), …99 unallocated; the rest mostly answer after a few seconds' ringing.
 * Durations are whole multiples of the engine's 3 s tick, so that calls end on a tick: each end
 * that falls between ticks costs the engine an extra tick, and the demo should be quick.
 */
export const DEMO_NETWORK: NetworkRules = {
  default: { result: 'success', ringSec: 6, talkSec: 30 },
  rules: [
    {
      match: '13$',
      sequence: [
        { result: 'busy', ringSec: 3 },
        { result: 'success', ringSec: 6, talkSec: 42 },
      ],
    },
    { match: '7$', outcomes: [{ result: 'busy', ringSec: 3 }] },
    { match: '[0-4]9$', outcomes: [{ result: 'no_answer', ringSec: 60 }] },
    { match: '99$', outcomes: [{ result: 'unallocated', ringSec: 3 }] },
    {
      match: '^\\+86',
      outcomes: [
        { weight: 5, result: 'success', ringSec: 6, talkSec: 30 },
        { weight: 3, result: 'success', ringSec: 9, talkSec: 54 },
        { weight: 1, result: 'customer_hangup', ringSec: 6, talkSec: 9 },
        { weight: 1, result: 'powered_off', ringSec: 3 },
      ],
    },
  ],
};
