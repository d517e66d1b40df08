import type { FieldError } from '../platform/errors.ts';
import type { World } from './resources.ts';
import { Check } from './validate-task-check.ts';
import { checkLocalWindows } from './validate-task-schedule.ts';

/**
 * The tenant's `localWindows` and `numberCaps` beyond their schema, with the same paths and
 * messages as a task's: periods that overlap or end before they start, special dates and OUs
 * that do not exist. `broken` are the paths the schema already reported.
 */
export function complianceSettingsErrors(
  settings: Record<string, unknown>,
  world: World,
  broken: readonly string[],
): FieldError[] {
  const check = new Check({ settings }, world, broken);
  checkLocalWindows(check, '/settings/localWindows');
  const seen = new Set<string>();
  for (const i of check.indices('/settings/numberCaps')) {
    const path = `/settings/numberCaps/${i}`;
    const cap = check.get<{ max: number; period: string; count?: string; ouId?: string | null }>(
      path,
    );
    if (!cap) continue;
    if (cap.ouId != null) check.use('ous', cap.ouId, `${path}/ouId`);
    const key = `${cap.period}\u0000${cap.count ?? 'attempts'}\u0000${cap.ouId ?? ''}`;
    if (seen.has(key))
      check.add(path, 'repeats an earlier cap of the same period, count and OU; keep one');
    seen.add(key);
  }
  return check.errors;
}
