import { describe, expect, it } from 'vitest';
import {
  errorsOf,
  expectError,
  expectValid,
  ivrConfig,
  mutate,
  robotConfig,
  world,
} from './validate-task-fixture.ts';

const withoutFeatures = () => {
  const w = world();
  w.tenant.attributeFeatures = false;
  return w;
};

describe('validateTaskConfig: calling windows', () => {
  const regular = (...periods: [string, string][]) =>
    mutate(ivrConfig(), { '/schedule/regular': periods.map(([start, end]) => ({ start, end })) });

  it('requires each period to start before it ends, 23:59 meaning the end of the day', () => {
    expectError(
      regular(['11:00', '09:00']),
      '/schedule/regular/0/end',
      'must be after the start 11:00',
    );
    expectError(regular(['09:00', '09:00']), '/schedule/regular/0/end', 'must be after the start');
    expectError(regular(['22:00', '00:00']), '/schedule/regular/0/end', 'use 23:59');
    expectValid(regular(['18:00', '23:59']));
  });

  it('refuses overlapping periods, but not touching ones', () => {
    expectError(
      regular(['09:00', '12:00'], ['11:00', '13:00']),
      '/schedule/regular/1',
      'overlaps the period 09:00-12:00',
    );
    expectError(
      regular(['14:00', '18:00'], ['08:00', '23:59'], ['09:00', '10:00']),
      '/schedule/regular/0',
      'overlaps',
    );
    expectValid(regular(['09:00', '12:00'], ['12:00', '13:00']));
    expectError(
      mutate(ivrConfig(), {
        '/schedule/specialPeriods': [
          { start: '10:00', end: '16:00' },
          { start: '15:00', end: '17:00' },
        ],
      }),
      '/schedule/specialPeriods/1',
      'overlaps',
    );
  });

  it('allows 00:00-00:00 (no calls) alone in regular periods, and anywhere in special and allocated ones', () => {
    expectValid(regular(['00:00', '00:00']));
    expectError(
      regular(['00:00', '00:00'], ['09:00', '10:00']),
      '/schedule/regular/0',
      'must be the only regular period',
    );
    expectValid(
      mutate(ivrConfig(), { '/schedule/specialPeriods': [{ start: '00:00', end: '00:00' }] }),
    );
    expectValid(
      mutate(ivrConfig(), {
        '/schedule/allocations/entries/0/periods/1': { start: '00:00', end: '00:00' },
      }),
    );
  });

  it('refuses unknown and repeated special dates, and more than 20', () => {
    expectError(
      mutate(ivrConfig(), { '/schedule/specialDates/1': 'xmas' }),
      '/schedule/specialDates/1',
      "special date 'xmas' does not exist",
    );
    expectError(
      mutate(ivrConfig(), { '/schedule/specialDates/1': 'weekend' }),
      '/schedule/specialDates/1',
      'listed twice',
    );
    const many = Array.from({ length: 21 }, () => 'weekend');
    expectError(
      mutate(ivrConfig(), { '/schedule/specialDates': many }),
      '/schedule/specialDates',
      'at most 20 entries',
    );
  });

  it('requires allocated dates to be calendar dates, each in one entry only', () => {
    const dates = '/schedule/allocations/entries/1/dates';
    expectError(
      mutate(ivrConfig(), { [`${dates}/0`]: '2026-02-30' }),
      `${dates}/0`,
      'not a calendar date',
    );
    expectError(mutate(ivrConfig(), { [`${dates}/0`]: '26-12-25' }), `${dates}/0`, 'yyyy-MM-dd');
    expectError(
      mutate(ivrConfig(), { [`${dates}/1`]: '2026-12-24' }),
      `${dates}/1`,
      'already in an allocation entry',
    );
    expectError(
      mutate(ivrConfig(), {
        '/schedule/allocations/entries/0/periods/1': { start: '11:00', end: '13:00' },
      }),
      '/schedule/allocations/entries/0/periods/1',
      'overlaps',
    );
  });
});

describe('validateTaskConfig: pacing and filter', () => {
  it('limits calls per interval to the tenant channels', () => {
    expectError(
      mutate(ivrConfig(), { '/strategy/callsPerInterval': 31 }),
      '/strategy/callsPerInterval',
      "must not exceed the tenant's 30 channels",
    );
    expectValid(mutate(ivrConfig(), { '/strategy/callsPerInterval': 30 }));
    expectError(
      mutate(ivrConfig(), { '/strategy/callsPerInterval': 0 }),
      '/strategy/callsPerInterval',
      'at least 1',
    );
  });

  it('offers filters only when the tenant has attribute features', () => {
    expectError(
      ivrConfig(),
      '/strategy/filter',
      'attribute filters are not enabled',
      withoutFeatures(),
    );
    expectValid(
      mutate(ivrConfig(), { '/strategy/filter': null, '/callStrategy/order': { by: 'priority' } }),
      withoutFeatures(),
    );
  });

  it('requires filter attributes to exist and be unencrypted', () => {
    const cond = '/strategy/filter/conditions/0';
    expectError(
      mutate(ivrConfig(), { [`${cond}/attribute`]: 'zip' }),
      `${cond}/attribute`,
      "attribute 'zip' does not exist",
    );
    expectError(
      mutate(ivrConfig(), { [`${cond}/attribute`]: 'idcard' }),
      `${cond}/attribute`,
      "attribute 'idcard' is encrypted and cannot be used in a filter",
    );
  });

  it('requires a list for in, and values of the attribute type', () => {
    const cond = (c: object) => mutate(ivrConfig(), { '/strategy/filter/conditions/0': c });
    const value = '/strategy/filter/conditions/0/value';
    expectError(
      cond({ attribute: 'city', op: 'in', value: 'Shenzhen' }),
      value,
      "non-empty list for 'in'",
    );
    expectError(cond({ attribute: 'city', op: 'in', value: [] }), value, "non-empty list for 'in'");
    expectError(
      cond({ attribute: 'vip', op: 'in', value: [1, 'two'] }),
      `${value}/1`,
      'must be a number',
    );
    expectError(
      cond({ attribute: 'city', op: 'eq', value: 3 }),
      value,
      "must be a string: attribute 'city'",
    );
    expectError(
      cond({ attribute: 'active', op: 'eq', value: 'yes' }),
      value,
      'must be true or false',
    );
    expectError(cond({ attribute: 'vip', op: 'gt', value: '5' }), value, 'must be a number');
    expectError(
      cond({ attribute: 'since', op: 'le', value: '2026-13-01' }),
      value,
      'must be a date',
    );
    expectValid(cond({ attribute: 'since', op: 'le', value: '2026-01-01T00:00:00+08:00' }));
  });

  it('allows ordering comparisons only on number and date attributes, contains only on strings', () => {
    const cond = (c: object) => mutate(ivrConfig(), { '/strategy/filter/conditions/0': c });
    const op = '/strategy/filter/conditions/0/op';
    expectError(
      cond({ attribute: 'city', op: 'gt', value: 'A' }),
      op,
      "'gt' needs a number or date attribute",
    );
    expectError(
      cond({ attribute: 'vip', op: 'contains', value: '1' }),
      op,
      "'contains' needs a string attribute",
    );
  });
});

describe('validateTaskConfig: call order and number rounds', () => {
  const order = '/callStrategy/order';
  it('offers ordering by attributes only when the tenant has attribute features', () => {
    const doc = mutate(ivrConfig(), { '/strategy/filter': null });
    expectError(doc, `${order}/by`, 'ordering by attributes is not enabled', withoutFeatures());
  });

  it('requires a non-empty list of existing, mandatory, unencrypted, distinct attributes', () => {
    expectError(
      mutate(ivrConfig(), { [`${order}/attributes`]: [] }),
      `${order}/attributes`,
      'at least one attribute',
    );
    expectError(
      mutate(ivrConfig(), { [`${order}/attributes`]: undefined }),
      `${order}/attributes`,
      'at least one attribute',
    );
    const first = `${order}/attributes/0/attribute`;
    expectError(mutate(ivrConfig(), { [first]: 'zip' }), first, "attribute 'zip' does not exist");
    expectError(mutate(ivrConfig(), { [first]: 'city' }), first, 'is not mandatory');
    expectError(
      mutate(ivrConfig(), { [first]: 'idcard' }),
      first,
      'encrypted and cannot be a sort key',
    );
    const second = `${order}/attributes/1/attribute`;
    expectError(
      mutate(ivrConfig(), { [second]: 'vip' }),
      second,
      "attribute 'vip' is listed twice",
    );
  });

  it('refuses an attribute list with another kind of order', () => {
    expectError(
      mutate(ivrConfig(), { [`${order}/by`]: 'priority' }),
      `${order}/attributes`,
      'only when ordering by attributes',
    );
    expectValid(mutate(ivrConfig(), { [`${order}/by`]: 'number', [`${order}/attributes`]: [] }));
  });

  const types = '/callStrategy/numberRounds/numberTypes';
  it('requires existing, distinct number types when calling by number type', () => {
    expectError(mutate(ivrConfig(), { [types]: [] }), types, 'at least one number type');
    expectError(mutate(ivrConfig(), { [types]: undefined }), types, 'at least one number type');
    expectError(
      mutate(ivrConfig(), { [`${types}/1`]: 'fax' }),
      `${types}/1`,
      "number type 'fax' does not exist",
    );
    expectError(mutate(ivrConfig(), { [`${types}/1`]: 'mobile' }), `${types}/1`, 'listed twice');
  });

  it('refuses number types with other number round modes', () => {
    expectError(
      mutate(ivrConfig(), { '/callStrategy/numberRounds/mode': 'sequence' }),
      types,
      'only when calling by number type',
    );
  });
});

describe('validateTaskConfig: result policy', () => {
  const perDay = ['maxAttemptDays', 'maxAttemptsPerDay', 'retryIntervalSec'];

  it('without per-result rules, requires each per-day setting', () => {
    const doc = mutate(
      ivrConfig(),
      Object.fromEntries([
        ['/resultPolicy/byResult', false],
        ...perDay.map((f) => [`/resultPolicy/${f}`, undefined]),
      ]),
    );
    for (const f of perDay)
      expectError(
        doc,
        `/resultPolicy/${f}`,
        'is required when retries are not configured per result',
      );
  });

  it('with per-result rules, requires at least one rule and one rule per result', () => {
    expectError(
      mutate(ivrConfig(), { '/resultPolicy/rules': [] }),
      '/resultPolicy/rules',
      'at least one rule',
    );
    const rules = ['busy', 'no_answer', 'busy'].map((result) => ({
      result,
      retries: 1,
      intervalSec: 60,
    }));
    expectError(
      mutate(ivrConfig(), { '/resultPolicy/rules': rules }),
      '/resultPolicy/rules/2/result',
      "a rule for 'busy' already exists",
    );
  });

  it('accepts only result names and result definition codes', () => {
    const doc = mutate(ivrConfig(), {
      '/resultPolicy/rules/0/result': 'bussy',
      '/resultPolicy/nonRetryResults/1': 'R-NONE',
    });
    expectError(doc, '/resultPolicy/rules/0/result', "'bussy' is neither a result name");
    expectError(doc, '/resultPolicy/nonRetryResults/1', "'R-NONE' is neither a result name");
    expectValid(mutate(ivrConfig(), { '/resultPolicy/nonRetryResults/1': 'R-NOREACH' }));
  });

  it('applies the same rules to the default and each number type of a contact policy', () => {
    const doc = mutate(robotConfig(), {
      '/resultPolicy/default/maxAttemptsPerDay': undefined,
      '/resultPolicy/default/nonRetryResults/0': 'nope',
      '/resultPolicy/numberTypes/0/rules': [],
      '/resultPolicy/numberTypes/1/retryIntervalSec': undefined,
    });
    expectError(doc, '/resultPolicy/default/maxAttemptsPerDay', 'is required');
    expectError(doc, '/resultPolicy/default/nonRetryResults/0', 'neither a result name');
    expectError(doc, '/resultPolicy/numberTypes/0/rules', 'at least one rule');
    expectError(doc, '/resultPolicy/numberTypes/1/retryIntervalSec', 'is required');
  });

  it('requires existing, distinct number types in a contact policy', () => {
    const nt = '/resultPolicy/numberTypes/1/numberType';
    expectError(mutate(robotConfig(), { [nt]: 'fax' }), nt, "number type 'fax' does not exist");
    expectError(
      mutate(robotConfig(), { [nt]: 'home' }),
      nt,
      "a policy for number type 'home' already exists",
    );
  });
});

describe('validateTaskConfig: business result policy', () => {
  const rule = (r: object, base = ivrConfig()) => mutate(base, { '/businessResultPolicy/0': r });

  it('requires an existing business result and one of its sub-results', () => {
    expectError(
      rule({ code: 'refund', action: 'stop' }),
      '/businessResultPolicy/0/code',
      "business result 'refund' does not exist",
    );
    expectError(
      rule({ code: 'callback-later', subCode: 'noon', action: 'stop' }),
      '/businessResultPolicy/0/subCode',
      "'noon' is not a sub-result of business result 'callback-later'",
    );
  });

  it('requires an interval for call_same_number', () => {
    expectError(
      rule({ code: 'sale', action: 'call_same_number' }),
      '/businessResultPolicy/0/intervalSec',
      'required when the action is call_same_number',
    );
    expectError(
      rule({ code: 'sale', action: 'call_same_number', intervalSec: null }),
      '/businessResultPolicy/0/intervalSec',
      'required',
    );
  });

  it('allows one rule per business result and sub-result', () => {
    const doc = mutate(ivrConfig(), { '/businessResultPolicy/1/subCode': null });
    expectError(
      doc,
      '/businessResultPolicy/1/code',
      "a rule for business result 'callback-later' already exists",
    );
    const sub = mutate(ivrConfig(), { '/businessResultPolicy/0/subCode': 'morning' });
    expectError(sub, '/businessResultPolicy/1/code', "sub-result 'morning' already exists");
  });

  it('refers only to the business result the task is associated with', () => {
    expectError(
      rule({ code: 'sale', action: 'stop' }, robotConfig()),
      '/businessResultPolicy/0/code',
      "associated with business result 'callback-later'",
    );
  });
});

describe('validateTaskConfig: structural errors do not hide semantic ones elsewhere', () => {
  it('checks policies when the schedule is broken', () => {
    const doc = mutate(ivrConfig(), {
      '/schedule/regular': 'always',
      '/resultPolicy/rules/1/result': 'busy',
    });
    const paths = errorsOf(doc).map((e) => e.path);
    expect(paths).toEqual(['/schedule/regular', '/resultPolicy/rules/1/result']);
  });
});
