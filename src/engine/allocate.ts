/**
 * Splits free channels between tasks (product.md §5 "Priority between tasks"). Tasks come
 * grouped by priority, highest first. `strict`: a group blocks every lower group while one of its
 * tasks is inside its window with data left, used channels or not. `fill`: lower groups get what
 * higher ones leave. Within a group, channels are shared in proportion to the tasks' configured
 * rates; the fraction of a channel a task was owed and did not get (rounding) is carried to the
 * next split as its `credit`, so one channel freed at a time goes round the tasks by rate rather
 * than always to the same one.
 */
export interface Claimant {
  id: string;
  priority: number;
  /** Channels the task may take now (its pacing quota, less channels already held for it). */
  due: number;
  rate: number;
  /** Inside its window with data that may still be called (blocks lower priorities in strict). */
  holdsPriority: boolean;
  /** Channels owed from earlier splits (a fraction, between -1 and 1). */
  credit?: number;
}

/** The tasks a higher priority keeps from dialing at all (strict mode only). */
export function heldBack(claimants: Claimant[], mode: 'strict' | 'fill'): Set<string> {
  const out = new Set<string>();
  if (mode !== 'strict') return out;
  const holding = claimants.filter((c) => c.holdsPriority).map((c) => c.priority);
  if (holding.length === 0) return out;
  const top = Math.min(...holding);
  for (const c of claimants) if (c.priority > top) out.add(c.id);
  return out;
}

/**
 * Channels for each task out of `free`. With `credits`, the fraction each task is owed after this
 * split is filled in there (0 for a task that got all it could take).
 */
export function allocate(
  claimants: Claimant[],
  free: number,
  mode: 'strict' | 'fill',
  credits?: Map<string, number>,
): Map<string, number> {
  const out = new Map<string, number>(claimants.map((c) => [c.id, 0]));
  // A task that takes no part in a split (nothing free, or held back) keeps what it is owed.
  for (const c of claimants) credits?.set(c.id, c.credit ?? 0);
  const priorities = [...new Set(claimants.map((c) => c.priority))].sort((a, b) => a - b);
  let left = Math.max(0, free);
  for (const p of priorities) {
    const group = claimants.filter((c) => c.priority === p);
    const granted = share(group, left, credits);
    for (const [id, n] of granted) {
      out.set(id, n);
      left -= n;
    }
    if (mode === 'strict' && group.some((c) => c.holdsPriority)) break;
  }
  return out;
}

/** Proportional to rate, capped by each task's due calls; leftovers go round by rate again. */
function share(
  group: Claimant[],
  free: number,
  credits?: Map<string, number>,
): Map<string, number> {
  const got = new Map<string, number>(group.map((c) => [c.id, 0]));
  let left = free;
  let open = group.filter((c) => c.due > 0);
  // What each task was owed in the first round (its credit included), to carry the difference.
  // Credits are taken relative to the tasks sharing now, so they add up to nothing: what one task
  // is owed, the others owe.
  const owed = new Map<string, number>();
  const mean = open.reduce((s, c) => s + (c.credit ?? 0), 0) / Math.max(1, open.length);
  let first = true;
  while (left > 0 && open.length) {
    const total = open.reduce((s, c) => s + c.rate, 0);
    let given = 0;
    const fractions: { c: Claimant; frac: number }[] = [];
    for (const c of open) {
      const want = c.due - got.get(c.id)!;
      const owedNow = (left * c.rate) / total + (first ? (c.credit ?? 0) - mean : 0);
      if (first) owed.set(c.id, owedNow);
      const exact = Math.max(0, owedNow);
      const n = Math.min(want, Math.floor(exact), left - given);
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
    first = false;
    if (given === 0) break;
  }
  if (credits)
    for (const c of group) {
      if (!owed.has(c.id)) continue;
      const n = got.get(c.id)!;
      // A task that got all it could take is owed nothing more (it wanted less than its share),
      // but still owes what it got beyond its share.
      const carry = n >= c.due ? Math.min(0, owed.get(c.id)! - n) : owed.get(c.id)! - n;
      credits.set(c.id, Math.max(-1, Math.min(1, carry)));
    }
  return got;
}
