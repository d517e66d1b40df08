/**
 * A forecast of a large task runs over a sample of its customers (docs/decisions.md, "Sampled
 * forecasts"): the engine's cost is per tick and per call, and a week of 100,000 customers is
 * hundreds of thousands of calls. The sample is a share `s` of the customers, and the task's
 * pacing and the channels are scaled by the same share, so each sampled customer waits for its
 * turn, its channel and its retries as it would in the full task: calls per hour, channels in use
 * and the counts of the report are the sample's times n / n'.
 *
 * What must hold: the scaled pacing is exactly `s` times the task's rate (integers
 * callsPerInterval' / intervalSec' = s × callsPerInterval / intervalSec), so no call a second is
 * lost or invented by rounding; the scaled channels are near enough to `s` times the real ones
 * (at least MIN_CHANNELS, so that a few channels do not make the queueing of calls coarser than
 * the real task's). A task that cannot be scaled like that — agent pacing, whose agents do not
 * scale, or few channels — is forecast in full. A task of up to `above` customers is always
 * forecast in full: small forecasts are exact.
 */

export interface SamplePolicy {
  /** Tasks of more customers than this are sampled. */
  above: number;
  /** The sample aimed at (customers). */
  size: number;
}

export const DEFAULT_SAMPLE: SamplePolicy = { above: 20_000, size: 5_000 };

/** Fewest channels a sampled forecast may run with. */
export const MIN_CHANNELS = 20;

/** How far the sample's share may move from the one aimed at to make the pacing exact. */
const SHARE_SLACK = 0.02;

export interface SampleInput {
  customers: number;
  strategy: { intervalSec: number; callsPerInterval: number; pacing?: string | undefined };
  channels: number;
}

export interface SamplePlan {
  /** Customers in the sample, and in the task. */
  customers: number;
  of: number;
  /** The pacing's share (callsPerInterval' / intervalSec' over the task's rate). */
  share: number;
  strategy: { intervalSec: number; callsPerInterval: number };
  /** The channels the sample runs with, and the task's. */
  channels: number;
  ofChannels: number;
}

/** How a task is sampled, or null: forecast in full. */
export function planSample(input: SampleInput, policy: SamplePolicy): SamplePlan | null {
  const { customers: n, strategy: st, channels } = input;
  if (n <= policy.above || policy.size >= n) return null;
  if (st.pacing !== undefined && st.pacing !== 'fixed') return null;
  const aim = policy.size / n;
  // intervalSec' = intervalSec × m: the smallest m whose whole callsPerInterval' is within the
  // slack of the share aimed at. Ticks of 3 s where the task's are shorter: the same calls per
  // second, started three seconds' worth at a time (a third of the engine's ticks).
  const first = Math.max(1, Math.ceil(3 / st.intervalSec));
  for (let m = first; st.intervalSec * m <= 9999; m++) {
    const calls = Math.round(st.callsPerInterval * m * aim);
    if (calls < 1) continue;
    const share = calls / (st.callsPerInterval * m);
    if (Math.abs(share / aim - 1) > SHARE_SLACK) continue;
    const scaledChannels = Math.round(channels * share);
    if (scaledChannels < MIN_CHANNELS) return null;
    return {
      customers: Math.round(n * share),
      of: n,
      share,
      strategy: { intervalSec: st.intervalSec * m, callsPerInterval: calls },
      channels: scaledChannels,
      ofChannels: channels,
    };
  }
  return null;
}

/**
 * Whether row `i` (0-based, in the order that stratifies the customers) is in a systematic sample
 * of `k` of `n`: exactly k rows, evenly spaced, the first one placed by `offset` (0 ≤ offset < n).
 */
export function inSample(i: number, k: number, n: number, offset: number): boolean {
  return (i * k + offset) % n < k;
}

/** `x` scaled by `f`, as a whole number. */
export const scaled = (x: number, f: number): number => Math.round(x * f);

/**
 * Counts scaled by `f` so that they add up to `total` (largest remainders): the scaled report's
 * counts by state or result sum to its totals as the full run's would.
 */
export function scaleCounts(
  counts: Record<string, number>,
  f: number,
  total = scaled(
    Object.values(counts).reduce((a, b) => a + b, 0),
    f,
  ),
): Record<string, number> {
  const keys = Object.keys(counts);
  const exact = keys.map((k) => counts[k]! * f);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = keys
    .map((_, i) => i)
    .sort((a, b) => exact[b]! - out[b]! - (exact[a]! - out[a]!) || a - b);
  for (const i of order) {
    if (left <= 0) break;
    out[i]!++;
    left--;
  }
  return Object.fromEntries(keys.map((k, i) => [k, out[i]!]));
}
