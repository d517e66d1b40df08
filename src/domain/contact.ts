import { Type, type Static } from '@sinclair/typebox';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { FieldError } from '../platform/errors.ts';
import type { Attribute } from './resources.ts';
import type { NumberRules } from './tenant.ts';
import { parseZone } from './calling-windows.ts';
import { withZones } from './number-zones.ts';
import { unstorablePaths } from './storable-text.ts';

/**
 * A contact: one customer of a task (product.md §8, Appendix B). Validation is hand-written rather
 * than schema-driven because it runs once per imported row (millions per file) and must name every
 * problem of the row at once; the TypeBox schemas below document the API.
 */
export const CONTACT_LIMITS = {
  sessionId: 32,
  number: 24,
  numbers: 20,
  customField: 200,
  callDataBytes: 1024,
  delaySec: 7200,
  sequence: 100,
  numberType: 64,
  attributeText: 1000,
} as const;

export const ContactNumberInput = Type.Object(
  {
    number: Type.String({ maxLength: 24, description: '0-9 * # and a leading +' }),
    type: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    sequence: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100 }), Type.Null()])),
    delaySec: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 7200 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const ContactInput = Type.Object(
  {
    sessionId: Type.String({ minLength: 1, maxLength: 32, description: 'the customer id' }),
    priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, default: 3 })),
    customField: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    callData: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
        description: 'a JSON object of at most 1 KiB, passed to the flow',
      }),
    ),
    attributes: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'values by attribute code' }),
    ),
    numbers: Type.Array(ContactNumberInput, { minItems: 1, maxItems: 20 }),
    timeZone: Type.Optional(
      Type.Union([Type.String({ maxLength: 64 }), Type.Null()], {
        description:
          "the customer's time zone (IANA name or offset) for local windows; else from the number",
      }),
    ),
  },
  { additionalProperties: false },
);
export type ContactInput = Static<typeof ContactInput>;

export interface ContactNumber {
  number: string;
  type?: string;
  sequence?: number;
  delaySec?: number;
  /** Resolved at import: the contact's `timeZone`, else the number's zones (none: the task's). */
  timeZones?: string[];
  timeZoneFrom?: 'contact' | 'number';
}

export type AttributeValue = string | number | boolean;

/** A row that passed validation: numbers normalised, attribute values typed, defaults applied. */
export interface Contact {
  sessionId: string;
  priority: number;
  customField: string | null;
  callData: Record<string, unknown> | null;
  attributes: Record<string, AttributeValue>;
  numbers: ContactNumber[];
  timeZone: string | null;
}

/** What one row is checked against: the tenant's number rules and what this task may use. */
export interface ContactRules {
  numberRules: NumberRules;
  /** Allowed number types; null when any type is accepted. */
  numberTypes: ReadonlySet<string> | null;
  /** Attributes usable by the task, by code. */
  attributes: ReadonlyMap<string, Attribute>;
  mandatory: readonly string[];
}

/**
 * The rules for contacts of a task. Under isolation only attributes of the task's OU or of no OU
 * apply. Number types are checked only when the tenant defines some; the types the task itself
 * names (number rounds, per-type policies) are accepted too, as the seed lets a task add types.
 */
export function contactRulesFor(a: {
  numberRules: NumberRules;
  isolation: boolean;
  taskOuId: string | null;
  attributes: readonly Attribute[];
  numberTypes: readonly string[];
  taskNumberTypes: readonly string[];
}): ContactRules {
  const attributes = new Map<string, Attribute>();
  for (const at of a.attributes) {
    if (!a.isolation || at.ouId == null || at.ouId === a.taskOuId) attributes.set(at.code, at);
  }
  return {
    numberRules: a.numberRules,
    numberTypes: a.numberTypes.length ? new Set([...a.numberTypes, ...a.taskNumberTypes]) : null,
    attributes,
    mandatory: [...attributes.values()].filter((x) => x.mandatory).map((x) => x.code),
  };
}

export type NumberCheck = { ok: true; number: string } | { ok: false; message: string };

const SEPARATORS = /[\s\-().]/g;
const DIALABLE = /^\+?[0-9*#]+$/;
const DIGITS = /^\+?[0-9]+$/;

/**
 * Normalises a called number and checks it against the tenant's rules. Spaces, dashes, dots and
 * brackets are dropped; with a default country a plain number becomes E.164 and must be a valid
 * number there; numbers with * or # (extensions, service codes) are kept as typed. Length is
 * counted without the leading +.
 */
export function normaliseNumber(raw: string, rules: NumberRules): NumberCheck {
  let n = raw.replace(SEPARATORS, '');
  if (n === '') return { ok: false, message: 'is required' };
  if (!DIALABLE.test(n))
    return { ok: false, message: 'must contain only digits, * and #, with an optional leading +' };
  if (rules.defaultCountry && DIGITS.test(n)) {
    const p = parsePhoneNumberFromString(n, rules.defaultCountry as CountryCode);
    if (!p || !p.isValid())
      return { ok: false, message: `is not a valid phone number for ${rules.defaultCountry}` };
    n = p.number;
  }
  if (n.length > CONTACT_LIMITS.number)
    return { ok: false, message: `must be at most ${CONTACT_LIMITS.number} characters` };
  const len = n.startsWith('+') ? n.length - 1 : n.length;
  if (len < rules.minLength || len > rules.maxLength)
    return {
      ok: false,
      message: `must have between ${rules.minLength} and ${rules.maxLength} digits`,
    };
  if (rules.allowedPrefixes.length && !rules.allowedPrefixes.some((p) => n.startsWith(p)))
    return { ok: false, message: `must start with ${rules.allowedPrefixes.join(' or ')}` };
  return { ok: true, number: n };
}

/**
 * Shows the last 4 characters and hides the 4 before them, keeping at most 6 leading characters
 * (country and operator): `+8613800000001` → `+86138****0001`. Longer numbers hide more.
 */
export function maskNumber(n: string): string {
  if (n.length <= 4) return '*'.repeat(n.length);
  const keep = Math.min(6, Math.max(0, n.length - 8));
  return n.slice(0, keep) + '*'.repeat(n.length - 4 - keep) + n.slice(-4);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TRUE = new Set(['true', '1', 'yes', 'y']);
const FALSE = new Set(['false', '0', 'no', 'n']);
const NUMERIC = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * The typed value of an attribute, from JSON or from a file cell (text). Strings must be strings;
 * numbers, booleans and dates (yyyy-MM-dd) are also read from their text forms, since that is all a
 * CSV cell can hold.
 */
export function typedAttribute(
  type: Attribute['type'],
  v: unknown,
): { ok: true; value: AttributeValue } | { ok: false; message: string } {
  switch (type) {
    case 'string':
      if (typeof v !== 'string') return { ok: false, message: 'must be a string' };
      if (v.length > CONTACT_LIMITS.attributeText)
        return { ok: false, message: `must be at most ${CONTACT_LIMITS.attributeText} characters` };
      return { ok: true, value: v };
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && NUMERIC.test(v) ? +v : NaN;
      return Number.isFinite(n)
        ? { ok: true, value: n }
        : { ok: false, message: 'must be a number' };
    }
    case 'boolean': {
      if (typeof v === 'boolean') return { ok: true, value: v };
      const t = typeof v === 'number' || typeof v === 'string' ? String(v).toLowerCase() : '';
      if (TRUE.has(t)) return { ok: true, value: true };
      if (FALSE.has(t)) return { ok: true, value: false };
      return { ok: false, message: 'must be true or false' };
    }
    case 'date': {
      const m = typeof v === 'string' ? DATE.exec(v) : null;
      if (m) {
        const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
        if (d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!)
          return { ok: true, value: v as string };
      }
      return { ok: false, message: 'must be a date (yyyy-MM-dd)' };
    }
  }
}

const CONTACT_KEYS = new Set([
  'sessionId',
  'priority',
  'customField',
  'callData',
  'attributes',
  'numbers',
  'timeZone',
]);
const NUMBER_KEYS = new Set(['number', 'type', 'sequence', 'delaySec']);
// Control characters would break CSV exports and logs; the id is also a URL segment.
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null || v === '';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export type ContactResult = { ok: true; contact: Contact } | { ok: false; errors: FieldError[] };

// Validation runs once per imported row: no closures or path strings are built unless a row fails.
const err = (errors: FieldError[], path: string, message: string) => {
  errors.push({ path, message });
};

/** Checks one contact; every problem of the row at once, with JSON-pointer paths into it. */
export function validateContact(input: unknown, rules: ContactRules): ContactResult {
  if (!isObject(input)) return { ok: false, errors: [{ path: '/', message: 'must be an object' }] };
  // Text the database cannot store is reported first; other checks of the same field are noise.
  const unstorable = unstorablePaths(input);
  const errors: FieldError[] = [...unstorable];
  for (const k in input) if (!CONTACT_KEYS.has(k)) err(errors, `/${k}`, 'is not a known field');

  const sid = input.sessionId;
  if (absent(sid)) err(errors, '/sessionId', 'is required');
  else if (typeof sid !== 'string') err(errors, '/sessionId', 'must be a string');
  else if (sid.length > CONTACT_LIMITS.sessionId)
    err(errors, '/sessionId', `must be at most ${CONTACT_LIMITS.sessionId} characters`);
  else if (hasControl(sid) || sid.trim() !== sid)
    err(errors, '/sessionId', 'must not contain control characters or surrounding spaces');

  const pr = input.priority;
  if (!absent(pr) && !(isInt(pr) && pr >= 1 && pr <= 5))
    err(errors, '/priority', 'must be a whole number between 1 and 5');

  const cf = input.customField;
  if (!absent(cf)) {
    if (typeof cf !== 'string') err(errors, '/customField', 'must be a string');
    else if (cf.length > CONTACT_LIMITS.customField)
      err(errors, '/customField', `must be at most ${CONTACT_LIMITS.customField} characters`);
  }

  const cd = input.callData;
  if (!absent(cd)) {
    if (!isObject(cd)) err(errors, '/callData', 'must be a JSON object');
    else if (Buffer.byteLength(JSON.stringify(cd)) > CONTACT_LIMITS.callDataBytes)
      err(errors, '/callData', `must be at most ${CONTACT_LIMITS.callDataBytes} bytes of JSON`);
  }

  const tz = input.timeZone;
  if (!absent(tz)) {
    if (typeof tz !== 'string' || tz.length > 64 || parseZone(tz) === null)
      err(
        errors,
        '/timeZone',
        'must be a time zone: an IANA name such as America/New_York or an offset such as -05:00',
      );
  }

  const numbers = checkNumbers(input.numbers, rules, errors);
  const attributes = checkAttributes(input.attributes, rules, errors);

  if (unstorable.length) {
    const seen = new Set<string>();
    return {
      ok: false,
      errors: errors.filter((e) => !seen.has(e.path) && seen.add(e.path)),
    };
  }
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    contact: {
      sessionId: sid as string,
      priority: absent(pr) ? 3 : (pr as number),
      customField: absent(cf) ? null : (cf as string),
      callData: absent(cd) ? null : (cd as Record<string, unknown>),
      attributes,
      numbers: withZones(numbers, absent(tz) ? null : (tz as string)),
      timeZone: absent(tz) ? null : (tz as string),
    },
  };
}

function checkNumbers(v: unknown, rules: ContactRules, errors: FieldError[]): ContactNumber[] {
  const out: ContactNumber[] = [];
  if (absent(v) || (Array.isArray(v) && v.length === 0)) {
    err(errors, '/numbers', 'must have at least one number');
    return out;
  }
  if (!Array.isArray(v)) {
    err(errors, '/numbers', 'must be an array');
    return out;
  }
  if (v.length > CONTACT_LIMITS.numbers)
    err(errors, '/numbers', `must have at most ${CONTACT_LIMITS.numbers} numbers`);
  for (let i = 0; i < v.length; i++) {
    const item: unknown = v[i];
    if (!isObject(item)) {
      err(errors, `/numbers/${i}`, 'must be an object');
      continue;
    }
    for (const k in item)
      if (!NUMBER_KEYS.has(k)) err(errors, `/numbers/${i}/${k}`, 'is not a known field');
    const raw =
      typeof item.number === 'number' && Number.isSafeInteger(item.number)
        ? String(item.number)
        : item.number;
    const n: ContactNumber = { number: '' };
    if (absent(raw)) err(errors, `/numbers/${i}/number`, 'is required');
    else if (typeof raw !== 'string') err(errors, `/numbers/${i}/number`, 'must be a string');
    else {
      const c = normaliseNumber(raw, rules.numberRules);
      if (!c.ok) err(errors, `/numbers/${i}/number`, c.message);
      else {
        const first = out.findIndex((o) => o.number === c.number);
        if (first >= 0)
          err(errors, `/numbers/${i}/number`, `repeats number ${first + 1} of this customer`);
        n.number = c.number;
      }
    }
    const { type, sequence, delaySec } = item;
    if (!absent(type)) {
      if (typeof type !== 'string' || type.length > CONTACT_LIMITS.numberType)
        err(
          errors,
          `/numbers/${i}/type`,
          `must be a string of at most ${CONTACT_LIMITS.numberType} characters`,
        );
      else if (rules.numberTypes && !rules.numberTypes.has(type))
        err(errors, `/numbers/${i}/type`, `'${type}' is not a number type of this tenant`);
      else n.type = type;
    }
    if (!absent(sequence)) {
      if (!(isInt(sequence) && sequence >= 1 && sequence <= CONTACT_LIMITS.sequence))
        err(
          errors,
          `/numbers/${i}/sequence`,
          `must be a whole number between 1 and ${CONTACT_LIMITS.sequence}`,
        );
      else n.sequence = sequence;
    }
    if (!absent(delaySec)) {
      if (!(isInt(delaySec) && delaySec >= 0 && delaySec <= CONTACT_LIMITS.delaySec))
        err(
          errors,
          `/numbers/${i}/delaySec`,
          `must be a whole number between 0 and ${CONTACT_LIMITS.delaySec}`,
        );
      else n.delaySec = delaySec;
    }
    out.push(n);
  }
  return out;
}

function checkAttributes(
  v: unknown,
  rules: ContactRules,
  errors: FieldError[],
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!absent(v) && !isObject(v)) {
    err(errors, '/attributes', 'must be an object of values by attribute code');
    return out;
  }
  const given = (v ?? {}) as Record<string, unknown>;
  for (const code in given) {
    const def = rules.attributes.get(code);
    if (!def) {
      err(errors, `/attributes/${code}`, 'is not an attribute of this tenant');
      continue;
    }
    const value = given[code];
    if (absent(value)) continue;
    const t = typedAttribute(def.type, value);
    if (t.ok) out[code] = t.value;
    else err(errors, `/attributes/${code}`, t.message);
  }
  for (const code of rules.mandatory) {
    if (absent(given[code])) err(errors, `/attributes/${code}`, 'is required');
  }
  return out;
}
