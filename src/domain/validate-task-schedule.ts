import { DateTime } from 'luxon';
import { parseZone } from './calling-windows.ts';
import type { Check } from './validate-task-check.ts';

/** Task dates, time zone and calling windows (product.md §3 Basic and `schedule`, §5). */

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * An ISO date-time that names its offset (or Z); a bare local time would be read in the server's
 * zone, which is not what the administrator meant.
 */
export function parseIsoDateTime(s: string): DateTime | undefined {
  if (!ISO_DATE_TIME.test(s)) return undefined;
  const dt = DateTime.fromISO(s, { setZone: true });
  return dt.isValid ? dt : undefined;
}

/** A calendar date `yyyy-MM-dd` that exists (no 2026-02-30). */
export function isCalendarDate(s: string): boolean {
  return LOCAL_DATE.test(s) && DateTime.fromISO(s, { zone: 'utc' }).isValid;
}

export function checkDates(check: Check): void {
  const at = (path: string): DateTime | undefined => {
    const s = check.get<string>(path);
    if (typeof s !== 'string') return undefined;
    const dt = parseIsoDateTime(s);
    if (!dt) {
      check.add(
        path,
        'must be an ISO date-time with an offset or Z, e.g. 2026-11-23T00:00:00+08:00',
      );
    }
    return dt;
  };
  const start = at('/start');
  const end = at('/end');
  if (start && end && start.toMillis() >= end.toMillis()) {
    check.add('/end', `must be after the start (${check.get<string>('/start') ?? ''})`);
  }
  // The engine's own parser decides, so that whatever validates can also be dialled.
  const tz = check.get<string | null>('/timeZone');
  if (typeof tz === 'string' && parseZone(tz) === null) {
    check.add(
      '/timeZone',
      `'${tz}' is not a time zone: use an IANA name such as Asia/Shanghai or an offset such as +08:00 or UTC+8`,
    );
  }
}

interface PeriodDoc {
  start: string;
  end: string;
}

const minutesOf = (hhmm: string): number =>
  Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
/** `23:59` as an end means the end of the day, so a period can reach midnight. */
const endMinutesOf = (hhmm: string): number => (hhmm === '23:59' ? 24 * 60 : minutesOf(hhmm));
const isEmptyPeriod = (p: PeriodDoc): boolean => p.start === '00:00' && p.end === '00:00';

/**
 * One list of periods: each start before its end, no two overlapping (touching is fine: periods
 * are half-open). `00:00-00:00` is the empty period ("no calls"); in the regular list it may only
 * stand alone, since next to real periods it would mean nothing.
 */
function checkPeriods(check: Check, path: string, emptyOnlyAlone: boolean): void {
  const indices = check.indices(path);
  const spans: { i: number; start: number; end: number; text: string }[] = [];
  for (const i of indices) {
    const p = check.get<PeriodDoc>(`${path}/${i}`);
    if (p === undefined) continue;
    if (isEmptyPeriod(p)) {
      if (emptyOnlyAlone && indices.length > 1) {
        check.add(`${path}/${i}`, '00:00-00:00 (no calls) must be the only regular period');
      }
      continue;
    }
    const start = minutesOf(p.start);
    const end = endMinutesOf(p.end);
    if (start >= end) {
      check.add(
        `${path}/${i}/end`,
        `must be after the start ${p.start} (use 23:59 for the end of the day)`,
      );
      continue;
    }
    spans.push({ i, start, end, text: `${p.start}-${p.end}` });
  }
  spans.sort((a, b) => a.start - b.start || a.i - b.i);
  let latest: (typeof spans)[number] | undefined;
  for (const s of spans) {
    if (latest && s.start < latest.end) {
      check.add(`${path}/${s.i}`, `overlaps the period ${latest.text}`);
    }
    if (!latest || s.end > latest.end) latest = s;
  }
}

export function checkSchedule(check: Check): void {
  checkPeriods(check, '/schedule/regular', true);
  checkPeriods(check, '/schedule/specialPeriods', false);

  checkSpecialDateRefs(check, '/schedule/specialDates');

  // A date in two entries would make the periods that apply on it depend on entry order.
  const allocated = new Set<string>();
  for (const e of check.indices('/schedule/allocations/entries')) {
    const entry = `/schedule/allocations/entries/${e}`;
    for (const d of check.indices(`${entry}/dates`)) {
      const path = `${entry}/dates/${d}`;
      const date = check.get<string>(path);
      if (typeof date !== 'string') continue;
      if (!isCalendarDate(date)) check.add(path, `'${date}' is not a calendar date`);
      else if (allocated.has(date))
        check.add(path, `date ${date} is already in an allocation entry`);
      allocated.add(date);
    }
    checkPeriods(check, `${entry}/periods`, false);
  }
}

function checkSpecialDateRefs(check: Check, path: string): void {
  const seen = new Set<string>();
  for (const i of check.indices(path)) {
    const at = `${path}/${i}`;
    const id = check.get<string>(at);
    if (typeof id !== 'string') continue;
    if (seen.has(id)) check.add(at, `special date '${id}' is listed twice`);
    else check.use('specialDates', id, at);
    seen.add(id);
  }
}

/**
 * Calling windows in the customer's zone (`localWindows` of a task, or of the tenant at
 * `/settings/localWindows`): the same rules as the task's regular and special periods.
 */
export function checkLocalWindows(check: Check, base = '/localWindows'): void {
  if (check.raw(base) == null) return;
  checkPeriods(check, `${base}/regular`, true);
  checkPeriods(check, `${base}/specialPeriods`, false);
  checkSpecialDateRefs(check, `${base}/specialDates`);
}
