import { Value } from '@sinclair/typebox/value';
import type { FieldError } from '../platform/errors.ts';
import type { World } from './resources.ts';
import type { TaskConfig } from './task-config.ts';
import {
  checkCallback,
  checkCallers,
  checkOu,
  checkQuestionnaire,
  checkSmsAndBlocklist,
  checkTransfer,
  checkTypeAndTarget,
} from './validate-task-basic.ts';
import { Check } from './validate-task-check.ts';
import { checkBusinessResultPolicy, checkResultPolicy } from './validate-task-policy.ts';
import { checkDates, checkLocalWindows, checkSchedule } from './validate-task-schedule.ts';
import {
  checkFilter,
  checkAmd,
  checkNumberRounds,
  checkOrder,
  checkPacing,
} from './validate-task-strategy.ts';
import { applyDefaults, structuralErrors } from './validate-task-structural.ts';

// Room for later switches (e.g. a draft mode); nothing is needed yet.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ValidateOptions {}

export type ValidationResult =
  { ok: true; config: TaskConfig } | { ok: false; errors: FieldError[] };

/**
 * Validates a task configuration document (product.md §3, Appendix A) against the tenant's
 * world (settings and resources, Appendix C). Reports every error at once: first the structural
 * ones (schema, one per field), then the rules that need the world, each run on whatever parts of
 * the document are structurally sound. Errors carry a JSON pointer into the document.
 *
 * On success the returned config has the schema defaults filled in; the input is not modified.
 * Name uniqueness within the tenant is the store's concern, not checked here.
 */
export function validateTaskConfig(
  input: unknown,
  world: World,
  _options: ValidateOptions = {},
): ValidationResult {
  const doc = applyDefaults(Value.Clone(input));
  const structural = structuralErrors(doc);
  const check = new Check(
    doc,
    world,
    structural.map((e) => e.path),
  );
  checkOu(check); // first: it decides OU isolation for every reference below
  checkName(check);
  checkTypeAndTarget(check);
  checkCallers(check);
  checkDates(check);
  checkTransfer(check);
  checkQuestionnaire(check);
  checkSmsAndBlocklist(check);
  checkCallback(check);
  checkSchedule(check);
  checkLocalWindows(check);
  checkPacing(check);
  checkFilter(check);
  checkOrder(check);
  checkNumberRounds(check);
  checkAmd(check);
  checkResultPolicy(check);
  checkBusinessResultPolicy(check);

  const errors = dedupe([...structural, ...check.errors]);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: doc as TaskConfig };
}

/** A name of spaces only would show as blank in every list. */
function checkName(check: Check): void {
  const name = check.get<string>('/name');
  if (typeof name === 'string' && name.trim() === '') check.add('/name', 'must not be blank');
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
