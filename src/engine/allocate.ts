/**
 * Splits free channels between tasks (product.md §5 "Priority between tasks"). Tasks come
 * grouped by priority, highest first. `strict`: a group blocks every lower group while one of its
 * tasks is inside its window with data left, used channels or not. `fill`: lower groups get what
 * higher ones leave this tick. Within a group, channels are shared in proportion to the tasks'
 * configured rates.
 */
export interface Claimant {
  id: string;
  priority: number;
  /** Calls the pacing quota allows this tick. */
  due: number;
  rate: number;
  /** Inside its window with data that may still be called (blocks lower priorities in strict). */
  holdsPriority: boolean;
}

/** The tasks a higher priority keeps from dialing at all this tick (strict mode only). */
export function heldBack(claimants: Claimant[], mode: 'strict' | 'fill'): Set<string> {
  const out = new Set<string>();
  if (mode !== 'strict') return out;
  const holding = claimants.filter((c) => c.holdsPriority).map((c) => c.priority);
  if (holding.length === 0) return out;
  const top = Math.min(...holding);
  for (const c of claimants) if (c.priority > top) out.add(c.id);
  return out;
}

export function allocate(
  claimants: Claimant[],
  free: number,
  mode: 'strict' | 'fill',
): Map<string, number> {
  const out = new Map<string, number>(claimants.map((c) => [c.id, 0]));
  const priorities = [...new Set(claimants.map((c) => c.priority))].sort((a, b) => a - b);
  let left = Math.max(0, free);
  for (const p of priorities) {
    const group = claimants.filter((c) => c.priority === p);
    const granted = share(group, left);
    for (const [id, n] of granted) {
      out.set(id, n);
      left -= n;
    }
    if (mode === 'strict' && group.some((c) => c.holdsPriority)) break;
  }
  return out;
}

/** Proportional to rate, capped by each task's due calls; leftovers go round by rate again. */
function share(group: Claimant[], free: number): Map<string, number> {
  const got = new Map<string, number>(group.map((c) => [c.id, 0]));
  let left = free;
  let open = group.filter((c) => c.due > 0);
  while (left > 0 && open.length) {
    const total = open.reduce((s, c) => s + c.rate, 0);
    let given = 0;
    const fractions: { c: Claimant; frac: number }[] = [];
    for (const c of open) {
      const want = c.due - got.get(c.id)!;
      const exact = (left * c.rate) / total;
      const n = Math.min(want, Math.floor(exact));
      got.set(c.id, got.get(c.id)! + n);
      given += n;
      fractions.push({ c, frac: exact - Math.floor(exact) });
    }
    left -= given;
    // Whole channels left over from rounding go to the largest fractions.
    fractions.sort((a, b) => b.frac - a.frac || b.c.rate - a.c.rate);
    for (const { c } of fractions) {
      if (left <= 0) break;
      if (got.get(c.id)! < c.due) {
        got.set(c.id, got.get(c.id)! + 1);
        left--;
        given++;
      }
    }
    open = open.filter((c) => got.get(c.id)! < c.due);
    if (given === 0) break;
  }
  return got;
}
