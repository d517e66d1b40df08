import { describe, expect, it } from 'vitest';
import { orderKey, passesFilter } from '../../src/domain/contact-order.ts';
import type { Attribute } from '../../src/domain/resources.ts';
import type { CallStrategy } from '../../src/domain/task-config.ts';

const attrs: Attribute[] = [
  { code: 'vip', name: 'VIP', ouId: null, type: 'number', mandatory: true, encrypted: false },
  { code: 'city', name: 'City', ouId: null, type: 'string', mandatory: true, encrypted: false },
];
const contact = (vip: unknown, city: unknown, priority = 3, number = '+861') => ({
  priority,
  numbers: [{ number }],
  attributes: { vip, city },
});
const by = (order: CallStrategy['order']): CallStrategy => ({
  order,
  numberRounds: { mode: 'sequence' },
});
/** Sorts names by their key bytewise, as PostgreSQL's collate "C" does. */
const sorted = (items: [string, ReturnType<typeof contact>][], s: CallStrategy) =>
  items
    .map(([n, c]) => [n, orderKey(c, s, attrs)] as const)
    .sort((a, b) => Buffer.compare(Buffer.from(a[1]), Buffer.from(b[1])))
    .map(([n]) => n);

describe('customer order keys', () => {
  it('orders numbers numerically, negatives and decimals included, asc and desc', () => {
    const items: [string, ReturnType<typeof contact>][] = [
      ['a', contact(10, 'x')],
      ['b', contact(-2.5, 'x')],
      ['c', contact(3, 'x')],
      ['d', contact(0, 'x')],
      ['e', contact(undefined, 'x')],
    ];
    expect(
      sorted(items, by({ by: 'attributes', attributes: [{ attribute: 'vip', direction: 'asc' }] })),
    ).toEqual(['b', 'd', 'c', 'a', 'e']);
    expect(
      sorted(
        items,
        by({ by: 'attributes', attributes: [{ attribute: 'vip', direction: 'desc' }] }),
      ),
    ).toEqual(['a', 'c', 'd', 'b', 'e']);
  });

  it('orders strings with prefixes first (asc) and last (desc), then by the next key', () => {
    const items: [string, ReturnType<typeof contact>][] = [
      ['a', contact(1, 'Shen')],
      ['b', contact(1, 'Shenzhen')],
      ['c', contact(2, 'Beijing')],
      ['d', contact(1, 'Beijing')],
    ];
    const s = by({
      by: 'attributes',
      attributes: [
        { attribute: 'city', direction: 'desc' },
        { attribute: 'vip', direction: 'asc' },
      ],
    });
    expect(sorted(items, s)).toEqual(['b', 'a', 'd', 'c']);
    const asc = by({
      by: 'attributes',
      attributes: [
        { attribute: 'city', direction: 'asc' },
        { attribute: 'vip', direction: 'desc' },
      ],
    });
    expect(sorted(items, asc)).toEqual(['c', 'd', 'a', 'b']);
  });

  it('orders by priority (1 first) and by number', () => {
    const items: [string, ReturnType<typeof contact>][] = [
      ['a', contact(0, '', 3, '+8613')],
      ['b', contact(0, '', 1, '+8619')],
      ['c', contact(0, '', 5, '+8611')],
    ];
    expect(sorted(items, by({ by: 'priority' }))).toEqual(['b', 'a', 'c']);
    expect(sorted(items, by({ by: 'number' }))).toEqual(['c', 'a', 'b']);
    expect(new Set(items.map(([, c]) => orderKey(c, by({ by: 'none' }), attrs)))).toEqual(
      new Set(['']),
    );
  });
});

describe('attribute filter', () => {
  const a = { vip: 3, city: 'Shenzhen' };
  it('joins conditions with and / or', () => {
    const conds = [
      { attribute: 'city', op: 'eq' as const, value: 'Shenzhen' },
      { attribute: 'vip', op: 'gt' as const, value: 5 },
    ];
    expect(passesFilter(a, { join: 'and', conditions: conds }, attrs)).toBe(false);
    expect(passesFilter(a, { join: 'or', conditions: conds }, attrs)).toBe(true);
  });
  it('supports in, contains, ne, ge and le with typed values', () => {
    expect(
      passesFilter(
        a,
        {
          join: 'and',
          conditions: [{ attribute: 'city', op: 'in', value: ['Beijing', 'Shenzhen'] }],
        },
        attrs,
      ),
    ).toBe(true);
    expect(
      passesFilter(
        a,
        { join: 'and', conditions: [{ attribute: 'city', op: 'contains', value: 'zhen' }] },
        attrs,
      ),
    ).toBe(true);
    expect(
      passesFilter(
        a,
        {
          join: 'and',
          conditions: [
            { attribute: 'vip', op: 'ge', value: '3' },
            { attribute: 'vip', op: 'le', value: 3 },
          ],
        },
        attrs,
      ),
    ).toBe(true);
    expect(
      passesFilter(
        { city: 'X' },
        { join: 'and', conditions: [{ attribute: 'vip', op: 'ne', value: 1 }] },
        attrs,
      ),
    ).toBe(true);
    expect(
      passesFilter(
        { city: 'X' },
        { join: 'and', conditions: [{ attribute: 'vip', op: 'eq', value: 1 }] },
        attrs,
      ),
    ).toBe(false);
  });
});
