import { Type } from '@sinclair/typebox';
import {
  maskNumber,
  typedAttribute,
  type AttributeValue,
  type ContactNumber,
} from '../../domain/contact.ts';
import type { Attribute } from '../../domain/resources.ts';
import type { Cipher } from '../../platform/cipher.ts';
import type { ContactRow } from '../../store/contacts.ts';

export const HIDDEN = '***';

export const ContactView = Type.Object({
  sessionId: Type.String(),
  priority: Type.Integer(),
  customField: Type.Union([Type.String(), Type.Null()]),
  callData: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  attributes: Type.Record(Type.String(), Type.Unknown(), {
    description: `encrypted attributes read "${HIDDEN}" for roles that may not see personal data`,
  }),
  numbers: Type.Array(
    Type.Object({
      number: Type.String({
        description: 'masked (last 4 digits shown) unless personal data may be seen',
      }),
      type: Type.Optional(Type.String()),
      sequence: Type.Optional(Type.Integer()),
      delaySec: Type.Optional(Type.Integer()),
      timeZones: Type.Optional(
        Type.Array(Type.String(), {
          description:
            "the number's zones for local windows, resolved at import; absent: the task's",
        }),
      ),
      timeZoneFrom: Type.Optional(
        Type.Union([Type.Literal('contact'), Type.Literal('number')], {
          description: 'whether the zones are the contact’s timeZone or come from the number',
        }),
      ),
    }),
  ),
  timeZone: Type.Union([Type.String(), Type.Null()], {
    description: 'the time zone given for the customer at import, if any',
  }),
  state: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const ImportError = Type.Object({
  row: Type.Integer({ description: '1-based data row (header excluded); 0: the header' }),
  sessionId: Type.Union([Type.String(), Type.Null()]),
  path: Type.String({ description: 'the column (files) or JSON pointer in the item (JSON)' }),
  message: Type.String(),
});
const ImportWarning = Type.Object({
  row: Type.Integer(),
  sessionId: Type.String(),
  number: Type.Union([Type.String(), Type.Null()]),
  message: Type.String(),
});
export const ImportReportView = Type.Object({
  received: Type.Integer(),
  inserted: Type.Integer(),
  updated: Type.Integer(),
  rejected: Type.Integer(),
  errors: Type.Array(ImportError, { description: 'at most 1000' }),
  errorsTruncated: Type.Boolean(),
  warnings: Type.Array(ImportWarning, { description: 'at most 1000' }),
  warningsTruncated: Type.Boolean(),
});

/**
 * A contact as the API shows it. `reveal` (roles that may see personal data) shows numbers in full
 * and decrypts encrypted attributes back to their type; otherwise numbers are masked and encrypted
 * values hidden. Values are recognised as encrypted by their stored form, so a value stays
 * protected even if its attribute was later changed or removed.
 */
export function contactView(
  c: ContactRow,
  o: { reveal: boolean; cipher: Cipher; attributes: ReadonlyMap<string, Attribute> },
) {
  const attributes: Record<string, AttributeValue> = {};
  for (const [code, v] of Object.entries(c.attributes)) {
    if (!o.cipher.isEncrypted(v)) attributes[code] = v;
    else if (!o.reveal) attributes[code] = HIDDEN;
    else attributes[code] = reveal(v as string, o.attributes.get(code), o.cipher);
  }
  return {
    sessionId: c.sessionId,
    priority: c.priority,
    customField: c.customField,
    callData: c.callData,
    attributes,
    numbers: o.reveal ? c.numbers : c.numbers.map((n) => ({ ...n, number: maskNumber(n.number) })),
    timeZone: contactTimeZone(c.numbers),
    state: c.state,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

/** The contact's own zone: stored on each number at import (domain/contact.ts withZones). */
export function contactTimeZone(numbers: readonly ContactNumber[]): string | null {
  const first = numbers[0];
  return first?.timeZoneFrom === 'contact' ? (first.timeZones?.[0] ?? null) : null;
}

function reveal(stored: string, def: Attribute | undefined, cipher: Cipher): AttributeValue {
  let text: string;
  try {
    text = cipher.decrypt(stored);
  } catch {
    // Encrypted under another key (a restored backup): nothing to show.
    return HIDDEN;
  }
  if (!def) return text;
  const t = typedAttribute(def.type, text);
  return t.ok ? t.value : text;
}
