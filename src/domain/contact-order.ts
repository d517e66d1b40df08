import type { Attribute } from './resources.ts';
import type { CallStrategy, Filter } from './task-config.ts';

/**
 * The customer order of a task as one sortable string per contact (compared bytewise, collate
 * "C"), so one index serves every `order.by`. Ties fall to due time, then import order, in SQL.
 */
export interface OrderableContact {
  priority: number;
  numbers: readonly { number: string }[];
  attributes: Record<string, unknown>;
}

// Order-preserving fixed-width encoding of a double: flip the sign bit of positives, all bits of
// negatives, then hex. Missing values sort last in either direction.
function encodeNumber(n: number): string {
  const buf = Buffer.alloc(8);
  buf.writeDoubleBE(n);
  if (buf[0]! & 0x80) for (let i = 0; i < 8; i++) buf[i] = ~buf[i]! & 0xff;
  else buf[0] = buf[0]! | 0x80;
  return buf.toString('hex');
}

const invertHex = (h: string) => [...h].map((c) => (15 - parseInt(c, 16)).toString(16)).join('');

// Strings: each UTF-16 unit as 4 hex digits then a terminator that sorts below every digit, so a
// prefix sorts first; for desc, invert the digits and use a terminator that sorts above them.
function encodeString(s: string, desc: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const h = s.charCodeAt(i).toString(16).padStart(4, '0');
    out += desc ? invertHex(h) : h;
  }
  return out + (desc ? '~' : '!');
}

function encodeValue(v: unknown, type: Attribute['type'] | undefined, desc: boolean): string {
  if (v === undefined || v === null || v === '') return 'z'; // after every encoded value
  let part: string;
  if (type === 'number' || typeof v === 'number') {
    const n = Number(v);
    if (Number.isNaN(n)) return 'z';
    part = encodeNumber(n);
    return '1' + (desc ? invertHex(part) : part);
  }
  if (type === 'boolean' || typeof v === 'boolean') {
    const b = v === true || v === 'true' || v === 1 || v === '1';
    return '1' + (b !== desc ? '1' : '0');
  }
  return '1' + encodeString(String(v), desc);
}

export function orderKey(
  c: OrderableContact,
  strategy: CallStrategy,
  attributes: readonly Attribute[],
): string {
  switch (strategy.order.by) {
    case 'none':
      return '';
    case 'priority':
      return String(c.priority);
    case 'number':
      return encodeValue(c.numbers[0]?.number, 'string', false);
    case 'attributes':
      return (strategy.order.attributes ?? [])
        .map((a) =>
          encodeValue(
            c.attributes[a.attribute],
            attributes.find((x) => x.code === a.attribute)?.type,
            a.direction === 'desc',
          ),
        )
        .join('|');
  }
}

/** Whether a contact passes the task's attribute filter (all conditions joined by one and/or). */
export function passesFilter(
  attrs: Record<string, unknown>,
  filter: Filter | null | undefined,
  attributes: readonly Attribute[],
): boolean {
  if (!filter || filter.conditions.length === 0) return true;
  const test = (c: Filter['conditions'][number]): boolean => {
    const type = attributes.find((a) => a.code === c.attribute)?.type;
    const raw = attrs[c.attribute];
    if (raw === undefined || raw === null) return c.op === 'ne';
    const norm = (v: unknown): number | string | boolean =>
      type === 'number'
        ? Number(v)
        : type === 'boolean'
          ? v === true || v === 'true' || v === 1
          : String(v);
    const a = norm(raw);
    switch (c.op) {
      case 'eq':
        return a === norm(c.value);
      case 'ne':
        return a !== norm(c.value);
      case 'gt':
        return a > norm(c.value);
      case 'ge':
        return a >= norm(c.value);
      case 'lt':
        return a < norm(c.value);
      case 'le':
        return a <= norm(c.value);
      case 'in':
        return Array.isArray(c.value) && c.value.map(norm).includes(a);
      case 'contains':
        return String(raw).includes(String(c.value));
    }
    return false;
  };
  return filter.join === 'and' ? filter.conditions.every(test) : filter.conditions.some(test);
}
