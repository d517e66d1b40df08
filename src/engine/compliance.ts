import type { Transaction } from 'kysely';
import type { Zone } from 'luxon';
import {
  isLocallyOpen,
  localRulesOf,
  nextLocalOpen,
  zonesOf,
  type LocalRules,
  type ZonedNumber,
} from '../domain/local-windows.ts';
import { CAP_LOOKBACK_MS, capRelease, capsFor, type CapUse } from '../domain/number-caps.ts';
import { roundOrder } from '../domain/number-rounds.ts';
import type { NumberCap } from '../domain/tenant.ts';
import type { ClaimedContact } from '../store/claim.ts';
import { capUses, holdContacts, lockNumbers, type ContactHold } from '../store/compliance.ts';
import type { Database } from '../store/schema.ts';
import type { TaskRuntime } from './task-runtime.ts';

/** A claimed customer and the number it is called on now. */
export interface Pick {
  c: ClaimedContact;
  idx: number;
  number: string;
}

/** What a task's claims must respect besides its own window: local hours and caps. */
export interface Compliance {
  local: LocalRules | null;
  caps: NumberCap[];
}

export function complianceOf(rt: TaskRuntime): Compliance {
  return {
    local: localRulesOf({
      tenant: rt.tenant.localWindows,
      task: rt.config.localWindows,
      specialDates: rt.specialDates,
      taskStart: rt.window.taskStart,
      taskEnd: rt.window.taskEnd,
      zone: rt.zone,
    }),
    caps: capsFor(rt.tenant.numberCaps, rt.config.ouId ?? null),
  };
}

/** Rounds of claiming to replace customers that had to wait (each round claims what is missing). */
const MAX_ROUNDS = 3;

/**
 * Claims up to n customers (through `claim`) that may be called now: a customer whose next number
 * is outside its local hours or at a cap is put back to wait until then (so later ticks do not
 * claim it again) and another is claimed in its place, for a few rounds. Without local windows or
 * caps this is the plain claim.
 */
export async function claimCallable(
  trx: Transaction<Database>,
  rt: TaskRuntime,
  n: number,
  now: Date,
  claim: (k: number) => Promise<ClaimedContact[]>,
): Promise<Pick[]> {
  const rules = complianceOf(rt);
  const gated = rules.local !== null || rules.caps.length > 0;
  const out: Pick[] = [];
  /** Calls this claim adds, per number: counted by the caps of the next rounds and customers. */
  const added = new Map<string, CapUse[]>();
  for (let round = 0; round < (gated ? MAX_ROUNDS : 1) && out.length < n; round++) {
    const wanted = n - out.length;
    const claimed = await claim(wanted);
    const picks = claimed.map((c) => {
      const order = roundOrder(c.numbers, rt.config.callStrategy.numberRounds);
      const idx = c.nextNumber ?? order[0] ?? 0;
      return { c, idx, number: c.numbers[idx]!.number };
    });
    if (!gated) return picks;
    const holds = await holdsFor(trx, rt, rules, picks, now, added);
    await holdContacts(trx, rt.taskId, holds);
    const held = new Set(holds.map((h) => h.id));
    for (const p of picks) if (!held.has(p.c.id)) out.push(p);
    // No more ready customers, or none had to wait: nothing to replace.
    if (claimed.length < wanted || held.size === 0) break;
  }
  return out;
}

async function holdsFor(
  trx: Transaction<Database>,
  rt: TaskRuntime,
  rules: Compliance,
  picks: Pick[],
  now: Date,
  added: Map<string, CapUse[]>,
): Promise<{ id: number; hold: ContactHold }[]> {
  const holds: { id: number; hold: ContactHold }[] = [];
  const open: Pick[] = [];
  const zonesByPick = new Map<Pick, Zone[]>();
  for (const p of picks) {
    const zones = zonesOf(p.c.numbers[p.idx] as ZonedNumber, rt.zone);
    zonesByPick.set(p, zones);
    if (!rules.local || isLocallyOpen(now, rules.local, zones)) {
      open.push(p);
      continue;
    }
    const next = nextLocalOpen(now, rules.local, zones);
    holds.push({
      id: p.c.id,
      hold: {
        reason: 'local_hours',
        // No local opening before the task ends: wait for the end (the task then expires).
        until: (next ?? rt.window.taskEnd).toISOString(),
        attempts: p.c.attempts,
        number: p.number,
        zones: zones.map((z) => z.name),
      },
    });
  }
  if (rules.caps.length === 0 || open.length === 0) return holds;

  const numbers = open.map((p) => p.number);
  await lockNumbers(trx, rt.tenantId, numbers);
  const uses = await capUses(trx, rt.tenantId, numbers, new Date(now.getTime() - CAP_LOOKBACK_MS));
  const ouId = rt.config.ouId ?? null;
  for (const p of open) {
    const zones = rules.local ? zonesByPick.get(p)! : null;
    const list = [...(uses.get(p.number) ?? []), ...(added.get(p.number) ?? [])];
    let release: number | null = null;
    let binding: NumberCap | undefined;
    for (const cap of rules.caps) {
      const r = capRelease(cap, list, now.getTime(), zones);
      if (r !== null && (release === null || r > release)) {
        release = r;
        binding = cap;
      }
    }
    if (release === null) {
      const mine = added.get(p.number) ?? [];
      mine.push({ at: now.getTime(), active: true, connected: false, ouId });
      added.set(p.number, mine);
      continue;
    }
    // Free again at `release`; with local windows, not before the customer's hours open.
    let until = new Date(release);
    if (rules.local)
      until = nextLocalOpen(until, rules.local, zonesByPick.get(p)!) ?? rt.window.taskEnd;
    holds.push({
      id: p.c.id,
      hold: {
        reason: 'number_cap',
        until: until.toISOString(),
        attempts: p.c.attempts,
        number: p.number,
        cap: { ...binding },
      },
    });
  }
  return holds;
}
