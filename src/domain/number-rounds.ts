import type { CallStrategy } from './task-config.ts';

/**
 * The order in which a customer's numbers are called in each round (product.md §3 `numberRounds`,
 * §5 "Which customer next"). Numbers are identified by their import index (position in the
 * contact's `numbers` array), which is what attempts and the retry policy refer to.
 *
 * Decisions where the spec is silent:
 * - `numberType`: numbers of listed types come first, grouped in the listed type order; numbers of
 *   unlisted (or missing) types follow in import order, not grouped by type. Type names match
 *   exactly (case-sensitive), as number types are tenant-defined ids.
 * - `sequenceNumber`: numbers without a `sequence` come after all numbered ones, in import order.
 * - Every mode breaks ties by import order, so the order is total and stable.
 */

/** A contact's number (product.md Appendix B). */
export interface ContactNumber {
  number: string;
  type?: string | null;
  sequence?: number | null;
  delaySec?: number | null;
}

export type NumberRounds = CallStrategy['numberRounds'];

/** Import indexes of `numbers` in calling order. */
export function roundOrder(numbers: readonly ContactNumber[], rounds: NumberRounds): number[] {
  const indexes = numbers.map((_, i) => i);
  switch (rounds.mode) {
    case 'sequence':
      return indexes;
    case 'numberType': {
      const rank = new Map<string, number>();
      (rounds.numberTypes ?? []).forEach((t, i) => {
        if (!rank.has(t)) rank.set(t, i);
      });
      const rankOf = (i: number): number => {
        const type = numbers[i]?.type;
        return (type != null ? rank.get(type) : undefined) ?? Number.POSITIVE_INFINITY;
      };
      return indexes.sort((a, b) => compare(rankOf(a), rankOf(b)) || a - b);
    }
    case 'sequenceNumber': {
      const seq = (i: number): number => numbers[i]?.sequence ?? Number.POSITIVE_INFINITY;
      return indexes.sort((a, b) => compare(seq(a), seq(b)) || a - b);
    }
  }
}

/** The numbers themselves in calling order. */
export function orderNumbers<T extends ContactNumber>(
  numbers: readonly T[],
  rounds: NumberRounds,
): T[] {
  return roundOrder(numbers, rounds).map((i) => numbers[i] as T);
}

/** Like a - b, but Infinity vs Infinity is a tie rather than NaN. */
function compare(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
