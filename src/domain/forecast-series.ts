import { DateTime, type Zone } from 'luxon';
import { CONNECTED_RESULTS, type ResultName } from './result-codes.ts';

/**
 * Calls per hour and channels in use over time, from the attempts of a run (a forecast or a
 * `simulate` scenario). Buckets are whole local hours of the task's zone (local days when the run
 * spans more than `MAX_HOURLY_DAYS`, so that a chart stays readable): `calls` counts the attempts
 * that started in the bucket, `peakChannels` is the most calls in progress at one instant of it
 * and `meanChannels` its mean occupancy (channel-seconds / bucket length).
 *
 * A call holds its channel over [start, end); a call still in progress when the run stopped holds
 * it to the end of the run. At equal instants an end is counted before a start (a call that begins
 * as another ends reuses its channel), as `peakChannels` of the store does.
 */
export interface Span {
  startedAt: Date;
  endedAt: Date | null;
  answered: boolean;
  result: string | null;
}

export interface SeriesPoint {
  /** The bucket's start, ISO 8601 in the task's zone. */
  at: string;
  calls: number;
  /** Calls answered (a connected call or an answering machine). */
  answered: number;
  peakChannels: number;
  meanChannels: number;
}

export interface Series {
  bucket: 'hour' | 'day';
  points: SeriesPoint[];
  /** Calls per hour over the hours in which the task placed calls (0 without calls). */
  callsPerHour: { mean: number; peak: number };
  peakChannels: number;
}

export const MAX_HOURLY_DAYS = 31;

const iso = (ms: number, zone: Zone) =>
  DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })!;

/** Bucket boundaries from the start of `from`'s local hour (or day) to past `to`. */
function boundaries(from: number, to: number, zone: Zone, unit: 'hour' | 'day'): number[] {
  let t = DateTime.fromMillis(from, { zone }).startOf(unit);
  const out = [t.toMillis()];
  // The last bucket holds `to` only when something starts there (a call of no length).
  while (out.length < 2 || out.at(-1)! < to) {
    t = t.plus({ [unit === 'hour' ? 'hours' : 'days']: 1 });
    out.push(t.toMillis());
  }
  return out;
}

/** Index of the bucket holding `ms`: the last boundary ≤ ms. */
function bucketOf(b: number[], ms: number): number {
  let lo = 0;
  let hi = b.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (b[mid]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function buildSeries(spans: Span[], runEnd: Date, zone: Zone): Series {
  if (spans.length === 0)
    return { bucket: 'hour', points: [], callsPerHour: { mean: 0, peak: 0 }, peakChannels: 0 };
  const end = runEnd.getTime();
  let first = Infinity;
  let last = -Infinity;
  const edges: [number, number][] = [];
  for (const s of spans) {
    const a = s.startedAt.getTime();
    const z = s.endedAt ? s.endedAt.getTime() : Math.max(end, a);
    first = Math.min(first, a);
    last = Math.max(last, z);
    if (z > a) edges.push([a, 1], [z, -1]);
  }
  const unit = last - first > MAX_HOURLY_DAYS * 86_400_000 ? 'day' : 'hour';
  const b = boundaries(first, last, zone, unit);
  const n = b.length - 1;
  const calls = new Array<number>(n).fill(0);
  const answered = new Array<number>(n).fill(0);
  const peak = new Array<number>(n).fill(0);
  const busy = new Array<number>(n).fill(0);
  for (const s of spans) {
    const i = bucketOf(b, s.startedAt.getTime());
    calls[i]!++;
    if (s.answered) answered[i]!++;
  }
  // Sweep the channel level; busy channel-ms are added per bucket between consecutive edges.
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let level = 0;
  let at = first;
  let i = 0;
  const addBusy = (to: number) => {
    while (at < to) {
      while (b[i + 1]! <= at) i++;
      const step = Math.min(to, b[i + 1]!);
      busy[i]! += level * (step - at);
      at = step;
    }
  };
  let overall = 0;
  for (const [t, d] of edges) {
    addBusy(t);
    level += d;
    if (d > 0) {
      while (b[i + 1]! <= t) i++;
      if (level > peak[i]!) peak[i] = level;
      if (level > overall) overall = level;
    }
  }
  // A bucket entered with calls in progress has at least that level at its start.
  const levels = levelAtBoundaries(edges, b);
  const points: SeriesPoint[] = [];
  let hoursWithCalls = 0;
  let perHourPeak = 0;
  for (let k = 0; k < n; k++) {
    const len = b[k + 1]! - b[k]!;
    points.push({
      at: iso(b[k]!, zone),
      calls: calls[k]!,
      answered: answered[k]!,
      peakChannels: Math.max(peak[k]!, levels[k] ?? 0),
      meanChannels: Math.round((busy[k]! / len) * 100) / 100,
    });
  }
  const total = calls.reduce((a, x) => a + x, 0);
  if (unit === 'hour') {
    hoursWithCalls = calls.filter((x) => x > 0).length;
    perHourPeak = Math.max(...calls);
  } else {
    // Day buckets: the hours with calls are counted from the spans themselves.
    const hours = new Map<number, number>();
    for (const s of spans) {
      const h = Math.floor(s.startedAt.getTime() / 3_600_000);
      hours.set(h, (hours.get(h) ?? 0) + 1);
    }
    hoursWithCalls = hours.size;
    perHourPeak = Math.max(...hours.values());
  }
  return {
    bucket: unit,
    points,
    callsPerHour: {
      mean: hoursWithCalls ? Math.round((total / hoursWithCalls) * 10) / 10 : 0,
      peak: perHourPeak,
    },
    peakChannels: overall,
  };
}

/** The channel level at each bucket's start (calls that began before it and end after it). */
function levelAtBoundaries(edges: [number, number][], b: number[]): number[] {
  const out: number[] = [];
  let level = 0;
  let e = 0;
  for (let k = 0; k < b.length - 1; k++) {
    // Ends at the boundary are counted before it, starts at it belong to the bucket.
    while (
      e < edges.length &&
      (edges[e]![0] < b[k]! || (edges[e]![0] === b[k] && edges[e]![1] < 0))
    )
      level += edges[e++]![1];
    out.push(level);
  }
  return out;
}

/** Why the customers that were not reached were not: the forecast's `unreached`. */
export interface Unreached {
  total: number;
  /** Finished without a connected call: the policy's attempts ran out or a result stopped them. */
  policy: number;
  /** Finished without a call: every number blocked, not trusted or invalid. */
  blocked: number;
  /** Excluded by the task's attribute filter. */
  filtered: number;
  /** Still to call when the run stopped: the windows (and caps) left no time before its end. */
  timeRanOut: number;
}

const SKIPPED: ReadonlySet<string> = new Set(['blocked', 'not_trusted', 'invalid_number']);

/** `byState` counts per (state, final result) of a task's customers. */
export function unreachedOf(
  rows: { state: string; result: string | null; n: number }[],
): Unreached {
  const u: Unreached = { total: 0, policy: 0, blocked: 0, filtered: 0, timeRanOut: 0 };
  for (const r of rows) {
    if (r.state === 'finished') {
      if (r.result && CONNECTED_RESULTS.has(r.result as ResultName)) continue;
      if (r.result && SKIPPED.has(r.result)) u.blocked += r.n;
      else u.policy += r.n;
    } else if (r.state === 'filtered') u.filtered += r.n;
    else u.timeRanOut += r.n;
  }
  u.total = u.policy + u.blocked + u.filtered + u.timeRanOut;
  return u;
}
