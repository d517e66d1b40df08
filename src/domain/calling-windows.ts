import { FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import type { Period, Schedule } from './task-config.ts';
import type { SpecialDate } from './resources.ts';

/**
 * Calling windows (product.md §5): when a task may *start* a call. Pure: every instant comes in as
 * a parameter.
 *
 * Semantics, chosen where the spec is silent:
 * - Wall-clock semantics. The window is open at instant t when the task zone's clock at t shows a
 *   local date and time inside one of that date's periods. So on a spring-forward day a period in
 *   the skipped hour (e.g. 02:00-03:00 in Europe/Berlin) never opens, and on a fall-back day a
 *   period in the repeated hour is open during both occurrences (two real hours).
 * - A period with end <= start (other than the `23:59` end) is empty: no overnight periods; use
 *   22:00-23:59 and 00:00-06:00 instead.
 * - Periods of a day are merged; windows that touch across midnight form one window.
 * - The task's [start, end) bounds everything: a call may start at `start`, not at `end`.
 * - Several enabled allocation entries covering one date: the union of their periods.
 * - Task special-date ids not found among the tenant's special dates are ignored (validation
 *   reports them).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** UTC offsets lie within -12h..+14h; this margin covers every instant of a local date. */
const DAY_MARGIN = 15 * HOUR;
/** Offset transitions are found by sampling at this step, then bisecting to the millisecond. */
const SAMPLE_STEP = 6 * HOUR;
/** How far ahead the scans look for a window; beyond this a schedule is treated as closed. */
export const MAX_SCAN_DAYS = 400;

export interface WindowContext {
  schedule: Schedule;
  /** The tenant's special dates; the task's `schedule.specialDates` ids select among them. */
  specialDates: readonly SpecialDate[];
  zone: Zone;
  taskStart: Date;
  taskEnd: Date;
}

const OFFSET_RE = /^(?:(?:UTC|GMT)\s*)?([+-])(\d{1,2})(?::?([0-5]\d))?$/i;

/**
 * Zones already parsed, by name: checking an IANA name against the tz database (Luxon's
 * `isValidZone` builds an `Intl.DateTimeFormat`) costs ~0.2 ms, and an import or a claim asks for
 * the same few names again and again. Bounded, as names come from users.
 */
const parsedZones = new Map<string, Zone | null>();

/** A zone from an IANA name (`Europe/Berlin`) or a fixed offset (`+08:00`, `UTC+8`, `GMT-05:30`). */
export function parseZone(name: string): Zone | null {
  let zone = parsedZones.get(name);
  if (zone === undefined) {
    zone = parseZoneName(name);
    if (parsedZones.size >= 1000) parsedZones.clear();
    parsedZones.set(name, zone);
  }
  return zone;
}

function parseZoneName(name: string): Zone | null {
  const s = name.trim();
  if (/^(UTC|GMT|Z)$/i.test(s)) return FixedOffsetZone.utcInstance;
  const m = OFFSET_RE.exec(s);
  if (m) {
    const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
    if (minutes > 14 * 60) return null;
    return FixedOffsetZone.instance(m[1] === '-' ? -minutes : minutes);
  }
  return IANAZone.isValidZone(s) ? IANAZone.create(s) : null;
}

/** The task's zone, or the tenant's when the task has none. Throws if the chosen name is invalid. */
export function resolveZone(timeZone: string | null | undefined, tenantZone: string): Zone {
  const name = timeZone != null && timeZone.trim() !== '' ? timeZone : tenantZone;
  const zone = parseZone(name);
  if (!zone) throw new RangeError(`unknown time zone "${name}"`);
  return zone;
}

// ---- local dates as day numbers (days since 1970-01-01), pure arithmetic ----

function dayNumberOf(localDate: string): number {
  return Math.floor(Date.parse(`${localDate}T00:00:00Z`) / DAY);
}
function localDateOf(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}
/** ISO weekday, 1 = Monday … 7 = Sunday. Day 0 (1970-01-01) was a Thursday. */
function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}
function offsetMs(zone: Zone, ts: number): number {
  return zone.offset(ts) * MINUTE;
}
function localDayNumber(ts: number, zone: Zone): number {
  return Math.floor((ts + offsetMs(zone, ts)) / DAY);
}

/** The local date (yyyy-MM-dd) of an instant in a zone. */
export function localDay(at: Date, zone: Zone): string {
  return localDateOf(localDayNumber(at.getTime(), zone));
}

// ---- which periods apply to a local date ----

export type DaySource = 'allocation' | 'special' | 'regular';

function specialDateCovers(sd: SpecialDate, localDate: string, day: number): boolean {
  switch (sd.type) {
    case 'weekday':
      return (sd.weekdays ?? []).includes(isoWeekday(day));
    case 'dateRange':
      // yyyy-MM-dd strings compare like the dates they name.
      return sd.from != null && sd.to != null && sd.from <= localDate && localDate <= sd.to;
    case 'yearly':
      return (sd.dates ?? []).includes(localDate.slice(5));
  }
}

/** The periods of a local date and where they come from: allocation > special date > regular. */
export function resolveDay(
  localDate: string,
  schedule: Schedule,
  specialDates: readonly SpecialDate[],
): { source: DaySource; periods: Period[] } {
  if (schedule.allocations.enabled) {
    const hits = schedule.allocations.entries.filter((e) => e.dates.includes(localDate));
    if (hits.length > 0) return { source: 'allocation', periods: hits.flatMap((e) => e.periods) };
  }
  const day = dayNumberOf(localDate);
  const special = schedule.specialDates.some((id) => {
    const sd = specialDates.find((s) => s.id === id);
    return sd != null && specialDateCovers(sd, localDate, day);
  });
  if (special) return { source: 'special', periods: schedule.specialPeriods };
  return { source: 'regular', periods: schedule.regular };
}

export function periodsForDate(
  localDate: string,
  schedule: Schedule,
  specialDates: readonly SpecialDate[],
): Period[] {
  return resolveDay(localDate, schedule, specialDates).periods;
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Sorted, merged, non-empty [startMin, endMin) ranges; end `23:59` is 1440 (end of day). */
function minuteRanges(periods: readonly Period[]): [number, number][] {
  const ranges = periods
    .map((p): [number, number] => [minutesOf(p.start), p.end === '23:59' ? 1440 : minutesOf(p.end)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  return mergeRanges(ranges);
}

function mergeRanges(sorted: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

function rangesOfDay(day: number, ctx: WindowContext): [number, number][] {
  return minuteRanges(periodsForDate(localDateOf(day), ctx.schedule, ctx.specialDates));
}

// ---- local ranges to real instants ----

interface Segment {
  from: number;
  to: number;
  offset: number;
}

/** Splits [from, to) into pieces of constant UTC offset. */
function offsetSegments(zone: Zone, from: number, to: number): Segment[] {
  if (zone.isUniversal) return [{ from, to, offset: offsetMs(zone, from) }];
  const segments: Segment[] = [];
  let segFrom = from;
  let offset = offsetMs(zone, from);
  for (let probe = from; probe < to;) {
    const next = Math.min(probe + SAMPLE_STEP, to - 1);
    const nextOffset = offsetMs(zone, next);
    if (nextOffset !== offset) {
      // Bisect: lo keeps the old offset, hi has a new one; hi ends as the transition instant.
      let lo = probe;
      let hi = next;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetMs(zone, mid) === offset) lo = mid;
        else hi = mid;
      }
      segments.push({ from: segFrom, to: hi, offset });
      segFrom = hi;
      offset = offsetMs(zone, hi);
      probe = hi;
      continue;
    }
    if (next >= to - 1) break;
    probe = next;
  }
  segments.push({ from: segFrom, to, offset });
  return segments;
}

/**
 * The real instants [start, end) (epoch ms, sorted, merged) at which the local clock shows the
 * given date and a time inside one of the ranges.
 */
function realIntervals(day: number, ranges: [number, number][], zone: Zone): [number, number][] {
  if (ranges.length === 0) return [];
  const midnight = day * DAY; // local midnight written as if it were UTC
  const out: [number, number][] = [];
  for (const seg of offsetSegments(zone, midnight - DAY_MARGIN, midnight + DAY + DAY_MARGIN)) {
    for (const [s, e] of ranges) {
      const a = Math.max(seg.from, midnight + s * MINUTE - seg.offset);
      const b = Math.min(seg.to, midnight + e * MINUTE - seg.offset);
      if (a < b) out.push([a, b]);
    }
  }
  return mergeRanges(out.sort((x, y) => x[0] - y[0]));
}

/** The first instant of the local date after the one `at` falls on (DST-correct). */
export function startOfNextLocalDay(at: Date, zone: Zone): Date {
  const day = localDayNumber(at.getTime(), zone) + 1;
  const first = realIntervals(day, [[0, 1440]], zone)[0];
  // Every local date has instants except dates a zone skipped entirely (Samoa, 2011-12-30).
  return new Date(first ? first[0] : (day + 1) * DAY - offsetMs(zone, (day + 1) * DAY));
}

// ---- the questions the engine asks ----

/** May a call start at `at`? */
export function isWithinWindow(at: Date, ctx: WindowContext): boolean {
  const t = at.getTime();
  if (t < ctx.taskStart.getTime() || t >= ctx.taskEnd.getTime()) return false;
  const local = t + offsetMs(ctx.zone, t);
  const day = Math.floor(local / DAY);
  const minute = (local - day * DAY) / MINUTE;
  return rangesOfDay(day, ctx).some(([s, e]) => s <= minute && minute < e);
}

/**
 * The earliest instant >= `at` at which a call may start, or null if there is none before the
 * task's end (or within MAX_SCAN_DAYS). Scans day by day, never minute by minute.
 */
export function nextWindowStart(at: Date, ctx: WindowContext): Date | null {
  const end = ctx.taskEnd.getTime();
  const t0 = Math.max(at.getTime(), ctx.taskStart.getTime());
  if (t0 >= end) return null;
  // Start a day early: a fall-back transition at midnight can move the local date backwards.
  const firstDay = localDayNumber(t0, ctx.zone) - 1;
  const lastDay = Math.min(localDayNumber(end, ctx.zone) + 1, firstDay + MAX_SCAN_DAYS);
  let best: number | null = null;
  for (let day = firstDay; day <= lastDay; day++) {
    // Instants of later dates all lie after this bound, so nothing earlier can turn up.
    if (best !== null && day * DAY - DAY_MARGIN > best) break;
    for (const [s, e] of realIntervals(day, rangesOfDay(day, ctx), ctx.zone)) {
      if (e <= t0) continue;
      const candidate = Math.max(s, t0);
      if (best === null || candidate < best) best = candidate;
      break;
    }
  }
  return best !== null && best < end ? new Date(best) : null;
}

/**
 * When the window open at `at` closes (the end of the continuous open stretch, across midnight if
 * the next day's window starts right then, capped at the task's end); null if closed at `at`.
 * A window still open MAX_SCAN_DAYS ahead is reported as closing there; ask again then.
 */
export function windowEnd(at: Date, ctx: WindowContext): Date | null {
  if (!isWithinWindow(at, ctx)) return null;
  const t = at.getTime();
  const end = ctx.taskEnd.getTime();
  const firstDay = localDayNumber(t, ctx.zone) - 1;
  const lastDay = Math.min(localDayNumber(end, ctx.zone) + 1, firstDay + MAX_SCAN_DAYS);
  let closes: number | null = null;
  for (let day = firstDay; day <= lastDay; day++) {
    if (closes !== null && closes >= end) break;
    for (const [s, e] of realIntervals(day, rangesOfDay(day, ctx), ctx.zone)) {
      if (closes === null) {
        if (s <= t && t < e) closes = e;
      } else if (s <= closes) {
        closes = Math.max(closes, e);
      } else {
        return new Date(Math.min(closes, end));
      }
    }
  }
  return new Date(Math.min(closes ?? end, end));
}
