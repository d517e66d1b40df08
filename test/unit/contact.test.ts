import { describe, expect, it } from 'vitest';
import {
  contactRulesFor,
  maskNumber,
  normaliseNumber,
  validateContact,
  type ContactRules,
} from '../../src/domain/contact.ts';
import { DEFAULT_NUMBER_RULES, type NumberRules } from '../../src/domain/tenant.ts';
import type { Attribute } from '../../src/domain/resources.ts';
import { columnOf, planColumns, rowInput } from '../../src/api/contacts/columns.ts';

const attr = (code: string, type: Attribute['type'], more: Partial<Attribute> = {}): Attribute => ({
  code,
  name: code,
  ouId: null,
  type,
  mandatory: false,
  encrypted: false,
  ...more,
});

const ATTRIBUTES = [
  attr('city', 'string'),
  attr('vip', 'number', { mandatory: true }),
  attr('member', 'boolean'),
  attr('birthday', 'date'),
  attr('salesOnly', 'string', { ouId: 'ou-sales' }),
];

const rulesWith = (over: Partial<Parameters<typeof contactRulesFor>[0]> = {}): ContactRules =>
  contactRulesFor({
    numberRules: DEFAULT_NUMBER_RULES,
    isolation: false,
    taskOuId: null,
    attributes: ATTRIBUTES,
    numberTypes: ['mobile', 'home'],
    taskNumberTypes: [],
    ...over,
  });

const cn: NumberRules = { ...DEFAULT_NUMBER_RULES, defaultCountry: 'CN' };

describe('normaliseNumber', () => {
  it('normalises to E.164 for the tenant country and drops separators', () => {
    expect(normaliseNumber('138 0000 0001', cn)).toEqual({ ok: true, number: '+8613800000001' });
    expect(normaliseNumber('021-8888-0123', cn)).toEqual({ ok: true, number: '+862188880123' });
    expect(normaliseNumber('008613800000001', cn)).toEqual({ ok: true, number: '+8613800000001' });
    expect(normaliseNumber('+1 (212) 555-0100', cn)).toEqual({ ok: true, number: '+12125550100' });
  });

  it('refuses a number that is not valid in the tenant country', () => {
    expect(normaliseNumber('12345', cn)).toEqual({
      ok: false,
      message: 'is not a valid phone number for CN',
    });
  });

  it('keeps numbers as typed without a country, and numbers with * or # always', () => {
    expect(normaliseNumber('13800000001', DEFAULT_NUMBER_RULES)).toEqual({
      ok: true,
      number: '13800000001',
    });
    expect(normaliseNumber('*99#', cn)).toEqual({ ok: true, number: '*99#' });
  });

  it('checks characters, length and allowed prefixes', () => {
    expect(normaliseNumber('1380000abc', DEFAULT_NUMBER_RULES).ok).toBe(false);
    expect(normaliseNumber('1'.repeat(25), DEFAULT_NUMBER_RULES)).toMatchObject({
      message: 'must be at most 24 characters',
    });
    const rules = { ...DEFAULT_NUMBER_RULES, minLength: 5, maxLength: 11, allowedPrefixes: ['1'] };
    expect(normaliseNumber('1234', rules)).toMatchObject({
      message: 'must have between 5 and 11 digits',
    });
    expect(normaliseNumber('+123456789012', rules).ok).toBe(false);
    expect(normaliseNumber('23456', rules)).toMatchObject({ message: 'must start with 1' });
    expect(normaliseNumber('13456', rules)).toEqual({ ok: true, number: '13456' });
  });
});

describe('maskNumber', () => {
  it('keeps the last 4 digits', () => {
    expect(maskNumber('+8613800000001')).toBe('+86138****0001');
    expect(maskNumber('13800000001')).toBe('138****0001');
    expect(maskNumber('10086')).toBe('*0086');
    expect(maskNumber('110')).toBe('***');
  });
});

describe('validateContact', () => {
  it('applies defaults and types attribute values from their text', () => {
    const r = validateContact(
      {
        sessionId: 'C-1',
        numbers: [{ number: '13800000001', type: 'mobile' }],
        attributes: { vip: '2', member: 'yes', birthday: '1990-02-28', city: 'Shenzhen' },
      },
      rulesWith(),
    );
    expect(r).toEqual({
      ok: true,
      contact: {
        sessionId: 'C-1',
        priority: 3,
        customField: null,
        callData: null,
        attributes: { vip: 2, member: true, birthday: '1990-02-28', city: 'Shenzhen' },
        // Without a country code the number's zone is not known: the task's applies.
        numbers: [{ number: '13800000001', type: 'mobile' }],
        timeZone: null,
      },
    });
  });

  it('names every problem of a row at once', () => {
    const r = validateContact(
      {
        sessionId: 'x'.repeat(33),
        priority: 6,
        customField: 'y'.repeat(201),
        callData: { blob: 'z'.repeat(1100) },
        attributes: { vip: 'lots', birthday: '2026-02-30', member: 'maybe', shoe: 42 },
        numbers: [
          { number: '13800000001', type: 'fax', delaySec: 7201, sequence: 0 },
          { number: '138-0000-0001' },
          { number: 'call me' },
        ],
        extra: 1,
      },
      rulesWith(),
    );
    expect(r.ok).toBe(false);
    expect(!r.ok && Object.fromEntries(r.errors.map((e) => [e.path, e.message]))).toEqual({
      '/extra': 'is not a known field',
      '/sessionId': 'must be at most 32 characters',
      '/priority': 'must be a whole number between 1 and 5',
      '/customField': 'must be at most 200 characters',
      '/callData': 'must be at most 1024 bytes of JSON',
      '/numbers/0/type': "'fax' is not a number type of this tenant",
      '/numbers/0/sequence': 'must be a whole number between 1 and 100',
      '/numbers/0/delaySec': 'must be a whole number between 0 and 7200',
      '/numbers/1/number': 'repeats number 1 of this customer',
      '/numbers/2/number': 'must contain only digits, * and #, with an optional leading +',
      '/attributes/vip': 'must be a number',
      '/attributes/birthday': 'must be a date (yyyy-MM-dd)',
      '/attributes/member': 'must be true or false',
      '/attributes/shoe': 'is not an attribute of this tenant',
    });
  });

  it('requires a sessionId, a number and mandatory attributes', () => {
    const r = validateContact({ sessionId: '', numbers: [] }, rulesWith());
    expect(!r.ok && r.errors).toEqual([
      { path: '/sessionId', message: 'is required' },
      { path: '/numbers', message: 'must have at least one number' },
      { path: '/attributes/vip', message: 'is required' },
    ]);
  });

  it('accepts the types a task names, and any type when the tenant defines none', () => {
    const input = {
      sessionId: 'C',
      numbers: [{ number: '123', type: 'pager' }],
      attributes: { vip: 1 },
    };
    expect(validateContact(input, rulesWith()).ok).toBe(false);
    expect(validateContact(input, rulesWith({ taskNumberTypes: ['pager'] })).ok).toBe(true);
    expect(validateContact(input, rulesWith({ numberTypes: [] })).ok).toBe(true);
  });

  it('offers only attributes of the task OU or of no OU under isolation', () => {
    const input = {
      sessionId: 'C',
      numbers: [{ number: '123' }],
      attributes: { vip: 1, salesOnly: 'x' },
    };
    expect(validateContact(input, rulesWith({ isolation: true, taskOuId: 'ou-support' })).ok).toBe(
      false,
    );
    expect(validateContact(input, rulesWith({ isolation: true, taskOuId: 'ou-sales' })).ok).toBe(
      true,
    );
    expect(validateContact(input, rulesWith({ isolation: false, taskOuId: 'ou-support' })).ok).toBe(
      true,
    );
  });
});

describe('contact file columns', () => {
  const rules = rulesWith();

  it('maps the header, reports unknown columns once and refuses missing required ones', () => {
    const ok = planColumns(
      ['sessionId', 'number1', 'type1', 'number2', 'vip', 'colour', 'type3', ''],
      rules,
    );
    expect(ok.fatal).toEqual([]);
    expect(ok.unknown.map((u) => u.path)).toEqual(['colour', 'type3']);
    const bad = planColumns(['priority', 'city', 'city'], rules);
    expect(bad.fatal.map((f) => f.path)).toEqual(['city', 'sessionId', 'number1', 'vip']);
  });

  it('turns a row into a contact and names errors by column', () => {
    const { plan } = planColumns(
      [
        'sessionId',
        'priority',
        'number1',
        'type1',
        'number2',
        'type2',
        'delaySec2',
        'vip',
        'callData',
      ],
      rules,
    );
    const { input, ns, pre } = rowInput(
      [' C-9 ', 'high', '', 'mobile', '13800000002', 'fax', '60', '3', '{bad'],
      plan,
    );
    expect(input).toEqual({
      sessionId: 'C-9',
      priority: 'high',
      numbers: [{ number: '13800000002', type: 'fax', delaySec: 60 }],
      attributes: { vip: '3' },
    });
    expect(pre).toEqual([{ path: '/callData', message: 'must be valid JSON' }]);
    const r = validateContact(input, rules);
    expect(!r.ok && r.errors.map((e) => columnOf(e.path, ns))).toEqual(['priority', 'type2']);
  });
});
