import { DateTime, type Zone } from 'luxon';
import { isLocallyOpen, localClock, nextLocalOpen, zonesOf } from '../../domain/local-windows.ts';
import { CAP_LOOKBACK_MS, capRelease } from '../../domain/number-caps.ts';
import { complianceOf } from '../../engine/compliance.ts';
import type { TaskRuntime } from '../../engine/task-runtime.ts';
import type { StoredNumber } from '../../store/claim.ts';
import { capUses, type ContactHold } from '../../store/compliance.ts';
import type { Db } from '../../store/db.ts';

/**
 * The explainer's answers about the customer's local hours and caps per number: a hold the
 * engine put on the customer, or what the engine would find if it claimed the customer now.
 */
export interface ComplianceAnswer {
  reason: 'outside_local_hours' | 'number_cap';
  detail: string;
  until: string | null;
  rule: Record<string, unknown>;
}

/** "08:00 their time" (with the zone when there are several or it is not obvious). */
function theirTime(at: Date, zones: Zone[]): string {
  const times = zones.map((z) => DateTime.fromJSDate(at, { zone: z }).toFormat('HH:mm'));
  const same = times.every((t) => t === times[0]);
  if (same) return `${times[0]} their time (${zones.map((z) => z.name).join(', ')})`;
  return zones.map((z, i) => `${times[i]} ${z.name}`).join(', ');
}

const isoIn = (d: Date, zone: Zone) => DateTime.fromJSDate(d, { zone }).toISO();

/** A hold the engine recorded, while it still applies (no attempt since). */
export function holdAnswer(
  hold: ContactHold | null,
  attempts: number,
  rt: TaskRuntime,
  now: Date,
): ComplianceAnswer | null {
  if (!hold || hold.attempts !== attempts) return null;
  const until = new Date(hold.until);
  if (until <= now) return null;
  if (hold.reason === 'local_hours') {
    const zones = zonesOf({ timeZones: hold.zones }, rt.zone);
    return {
      reason: 'outside_local_hours',
      detail: `outside the customer's local hours, opens ${theirTime(until, zones)}`,
      until: isoIn(until, rt.zone),
      rule: { number: hold.number, zones: hold.zones },
    };
  }
  return {
    reason: 'number_cap',
    detail: `its number reached the tenant's cap of ${String(hold.cap?.max)} ${String(hold.cap?.count ?? 'attempts')} per ${String(hold.cap?.period)}; waits until ${isoIn(until, rt.zone)}`,
    until: isoIn(until, rt.zone),
    rule: { number: hold.number, cap: hold.cap },
  };
}

/** What the engine would decide if it claimed the customer now (its number `index`). */
export async function complianceAnswer(
  db: Db,
  rt: TaskRuntime,
  numbers: StoredNumber[],
  index: number,
  now: Date,
): Promise<ComplianceAnswer | null> {
  const n = numbers[index];
  if (!n) return null;
  const rules = complianceOf(rt);
  const zones = zonesOf(n as { timeZones?: string[] }, rt.zone);
  if (rules.local && !isLocallyOpen(now, rules.local, zones)) {
    const next = nextLocalOpen(now, rules.local, zones);
    return {
      reason: 'outside_local_hours',
      detail: next
        ? `outside the customer's local hours, opens ${theirTime(next, zones)}`
        : "outside the customer's local hours until the task ends",
      until: next ? isoIn(next, rt.zone) : null,
      rule: { number: n.number, local: localClock(now, rules.local, zones) },
    };
  }
  if (rules.caps.length === 0) return null;
  const uses =
    (await capUses(db, rt.tenantId, [n.number], new Date(now.getTime() - CAP_LOOKBACK_MS))).get(
      n.number,
    ) ?? [];
  for (const cap of rules.caps) {
    const release = capRelease(cap, uses, now.getTime(), rules.local ? zones : null);
    if (release === null) continue;
    const until = new Date(release);
    return {
      reason: 'number_cap',
      detail: `its number reached the tenant's cap of ${cap.max} ${cap.count ?? 'attempts'} per ${cap.period}; waits until ${isoIn(until, rt.zone)}`,
      until: isoIn(until, rt.zone),
      rule: { number: n.number, cap },
    };
  }
  return null;
}
