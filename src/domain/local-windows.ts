import { DateTime, type Zone } from 'luxon';
import {
  isWithinWindow,
  nextWindowStart,
  parseZone,
  resolveDay,
  localDay,
  type WindowContext,
} from './calling-windows.ts';
import type { SpecialDate } from './resources.ts';
import type { LocalWindows, Period } from './task-config.ts';

/**
 * Contact-local calling windows (docs/engine.md "Customer's local hours"). The tenant's and the
 * task's `localWindows` both apply, each in every zone the number may be in: a call may start only
 * when all of them are open (and the task's own window, checked elsewhere). Pure.
 */
export interface LocalRules {
  sets: LocalWindows[];
  specialDates: readonly SpecialDate[];
  taskStart: Date;
  taskEnd: Date;
  /** The task's zone: for numbers whose zone is not known. */
  fallback: Zone;
}

/** The local rules of a task, or null when neither the tenant nor the task sets any. */
export function localRulesOf(a: {
  tenant: LocalWindows | null | undefined;
  task: LocalWindows | null | undefined;
  specialDates: readonly SpecialDate[];
  taskStart: Date;
  taskEnd: Date;
  zone: Zone;
}): LocalRules | null {
  const sets = [a.tenant, a.task].filter((s): s is LocalWindows => s != null);
  if (sets.length === 0) return null;
  return {
    sets,
    specialDates: a.specialDates,
    taskStart: a.taskStart,
    taskEnd: a.taskEnd,
    fallback: a.zone,
  };
}

/** A number as stored: its zones resolved at import (absent: the task's zone applies). */
export interface ZonedNumber {
  timeZones?: string[] | null;
}

/** The zones a stored number is evaluated in. */
export function zonesOf(n: ZonedNumber | undefined, fallback: Zone): Zone[] {
  const zones = (n?.timeZones ?? []).map((z) => parseZone(z)).filter((z): z is Zone => z !== null);
  return zones.length ? zones : [fallback];
}

function contexts(rules: LocalRules, zones: Zone[]): WindowContext[] {
  const out: WindowContext[] = [];
  for (const set of rules.sets)
    for (const zone of zones)
      out.push({
        schedule: {
          regular: set.regular,
          specialDates: set.specialDates ?? [],
          specialPeriods: set.specialPeriods ?? [],
          allocations: { enabled: false, entries: [] },
        },
        specialDates: rules.specialDates,
        zone,
        taskStart: rules.taskStart,
        taskEnd: rules.taskEnd,
      });
  return out;
}

/** May a call to a number in these zones start at `at` by the local rules? */
export function isLocallyOpen(at: Date, rules: LocalRules, zones: Zone[]): boolean {
  return contexts(rules, zones).every((c) => isWithinWindow(at, c));
}

/** Rounds of the search below; each moves past a closed stretch of one zone's window. */
const MAX_ROUNDS = 200;

/**
 * The earliest instant >= `at` at which every local window of every zone is open, or null if
 * there is none before the task ends. Each window's next opening is a lower bound for the common
 * one, so moving to the latest of them until all agree finds the earliest.
 */
export function nextLocalOpen(at: Date, rules: LocalRules, zones: Zone[]): Date | null {
  const ctxs = contexts(rules, zones);
  let t: Date | null = at;
  for (let round = 0; round < MAX_ROUNDS && t; round++) {
    let moved = false;
    for (const c of ctxs) {
      if (isWithinWindow(t, c)) continue;
      const next = nextWindowStart(t, c);
      if (!next) return null;
      if (next.getTime() > t.getTime()) {
        t = next;
        moved = true;
      }
    }
    if (!moved) return t;
  }
  return null;
}

/** What the customer's clock shows, for the explainer: per zone its local time and periods. */
export function localClock(
  at: Date,
  rules: LocalRules,
  zones: Zone[],
): { zone: string; localTime: string; periods: Period[] }[] {
  return zones.map((zone) => {
    const date = localDay(at, zone);
    const periods = rules.sets.flatMap(
      (set) =>
        resolveDay(
          date,
          {
            regular: set.regular,
            specialDates: set.specialDates ?? [],
            specialPeriods: set.specialPeriods ?? [],
            allocations: { enabled: false, entries: [] },
          },
          rules.specialDates,
        ).periods,
    );
    return {
      zone: zone.name,
      localTime: DateTime.fromJSDate(at, { zone }).toFormat('yyyy-MM-dd HH:mm'),
      periods,
    };
  });
}
