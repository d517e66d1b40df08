import { DateTime, type Zone } from 'luxon';
import type { NumberCap } from './tenant.ts';

/**
 * Caps per number across tasks (docs/engine.md "Caps per number"). Pure: the calls come in from
 * the store, the engine decides whether one more may start and, if not, until when to wait.
 */

const DAY = 86_400_000;
export const CAP_DAYS: Record<NumberCap['period'], number> = { day: 1, week: 7, '30days': 30 };
/** The widest window of any cap, with room for local days (zones up to ±14 h). */
export const CAP_LOOKBACK_MS = 31 * DAY;
/** A cap held up by a call still in progress is looked at again this soon. */
const IN_PROGRESS_RECHECK_MS = 5 * 60_000;

/** A call to the number, as far as caps care. */
export interface CapUse {
  at: number;
  /** Still in progress: it may yet connect. */
  active: boolean;
  connected: boolean;
  /** The OU of the task that made it. */
  ouId: string | null;
}

/** The caps that bind a task of this OU. */
export const capsFor = (caps: readonly NumberCap[] | undefined, ouId: string | null) =>
  (caps ?? []).filter((c) => c.ouId == null || c.ouId === ouId);

/**
 * Where the cap's period starts for a call at `at`: rolling (`at` less the period) or, when
 * `zones` are given (local windows are on), at the start of the customer's local day, that day and
 * the days before it making up the period. Several zones: the earliest start (the strictest count).
 */
export function capWindowStart(cap: NumberCap, at: number, zones: Zone[] | null): number {
  const days = CAP_DAYS[cap.period];
  // Rolling: a call exactly a period ago has just left the window.
  if (!zones) return at - days * DAY + 1;
  let start = Infinity;
  for (const zone of zones) {
    const s = DateTime.fromMillis(at, { zone })
      .startOf('day')
      .minus({ days: days - 1 })
      .toMillis();
    start = Math.min(start, s);
  }
  return start;
}

const counts = (cap: NumberCap, u: CapUse) =>
  (cap.ouId == null || u.ouId === cap.ouId) &&
  (cap.count !== 'connected' || u.connected || u.active);

/** The calls of `uses` the cap counts for a call at `at`. */
export function capUsed(cap: NumberCap, uses: readonly CapUse[], at: number, zones: Zone[] | null) {
  const from = capWindowStart(cap, at, zones);
  let n = 0;
  for (const u of uses) if (u.at >= from && u.at <= at && counts(cap, u)) n++;
  return n;
}

/**
 * Null when one more call may start at `now`; else the earliest instant after which one may (as
 * the counted calls leave the window), or a recheck soon when a call in progress is in the way.
 */
export function capRelease(
  cap: NumberCap,
  uses: readonly CapUse[],
  now: number,
  zones: Zone[] | null,
): number | null {
  if (capUsed(cap, uses, now, zones) < cap.max) return null;
  const days = CAP_DAYS[cap.period];
  const candidates: number[] = [];
  if (!zones) {
    for (const u of uses) if (counts(cap, u)) candidates.push(u.at + days * DAY);
  } else {
    for (const zone of zones)
      for (let j = 1; j <= days; j++)
        candidates.push(
          DateTime.fromMillis(now, { zone }).startOf('day').plus({ days: j }).toMillis(),
        );
  }
  candidates.sort((a, b) => a - b);
  let release = now + days * DAY;
  for (const t of candidates) {
    if (t <= now) continue;
    if (countFrom(cap, uses, capWindowStart(cap, t, zones)) < cap.max) {
      release = t;
      break;
    }
  }
  const inProgress = uses.some((u) => u.active && counts(cap, u));
  return inProgress ? Math.min(release, now + IN_PROGRESS_RECHECK_MS) : release;
}

function countFrom(cap: NumberCap, uses: readonly CapUse[], from: number): number {
  let n = 0;
  for (const u of uses) if (u.at >= from && counts(cap, u)) n++;
  return n;
}
