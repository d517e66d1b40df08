import { describe, expect, it } from 'vitest';
import { orderNumbers, roundOrder, type ContactNumber } from '../../src/domain/number-rounds.ts';

const numbers: ContactNumber[] = [
  { number: '+8613800000001', type: 'office', sequence: 3, delaySec: 0 },
  { number: '+8613800000002', type: 'mobile', sequence: 2, delaySec: 60 },
  { number: '+8613800000003', type: 'fax', sequence: 1, delaySec: 0 },
  { number: '+8613800000004', type: 'home', sequence: 2, delaySec: 0 },
  { number: '+8613800000005', type: 'mobile', sequence: null, delaySec: 0 },
];
const called = (mode: Parameters<typeof orderNumbers>[1]) =>
  orderNumbers(numbers, mode).map((n) => n.number.slice(-1));

describe('number rounds', () => {
  it('sequence: import order', () => {
    expect(called({ mode: 'sequence' })).toEqual(['1', '2', '3', '4', '5']);
    expect(roundOrder(numbers, { mode: 'sequence' })).toEqual([0, 1, 2, 3, 4]);
  });

  it('numberType: listed types first in the listed order, the rest in import order', () => {
    expect(called({ mode: 'numberType', numberTypes: ['mobile', 'home'] })).toEqual([
      '2',
      '5',
      '4',
      '1',
      '3',
    ]);
    expect(roundOrder(numbers, { mode: 'numberType', numberTypes: ['home'] })).toEqual([
      3, 0, 1, 2, 4,
    ]);
  });

  it('numberType with no list or unknown types keeps import order', () => {
    expect(called({ mode: 'numberType' })).toEqual(['1', '2', '3', '4', '5']);
    expect(called({ mode: 'numberType', numberTypes: ['pager'] })).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
    ]);
  });

  it('sequenceNumber: ascending sequence, ties by import order, unnumbered last', () => {
    expect(called({ mode: 'sequenceNumber' })).toEqual(['3', '2', '4', '1', '5']);
  });

  it('does not reorder the input and handles a single number', () => {
    const copy = [...numbers];
    orderNumbers(numbers, { mode: 'sequenceNumber' });
    expect(numbers).toEqual(copy);
    expect(
      roundOrder([{ number: '1', type: 'mobile' }], { mode: 'numberType', numberTypes: [] }),
    ).toEqual([0]);
    expect(roundOrder([], { mode: 'sequenceNumber' })).toEqual([]);
  });
});
