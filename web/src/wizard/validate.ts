import type { FieldError } from '../api.ts';
import type { World } from '../lib/hooks.ts';
import type { TenantSettings } from '../types.ts';
import type { World as DomainWorld } from '../../../src/domain/resources.ts';
import { validateTaskConfig } from '../../../src/domain/validate-task.ts';
import { toConfig, type Draft } from './model.ts';

/**
 * The API's own task validation (src/domain/validate-task.ts, the same TypeBox schemas and rules),
 * run in the browser on the resources the wizard loaded: Next checks the step before moving on,
 * and Save checks everything before sending. The API checks again on save (e.g. unique names).
 */
export function validateDraft(draft: Draft, world: World, tenant: TenantSettings): FieldError[] {
  const w = {
    tenant,
    ous: world.ous,
    callerNumbers: world['caller-numbers'],
    callerGroups: world['caller-groups'],
    flows: world.flows,
    robots: world.robots,
    skillQueues: world['skill-queues'],
    businessResults: world['business-results'],
    questionnaires: world.questionnaires,
    smsTemplates: world['sms-templates'],
    blocklists: world.blocklists,
    specialDates: world['special-dates'],
    attributes: world.attributes,
    numberTypes: world['number-types'],
    resultDefinitions: world['result-definitions'],
  } as unknown as DomainWorld;
  const r = validateTaskConfig(toConfig(draft), w);
  return r.ok ? [] : r.errors;
}

/** The value at a JSON pointer (undefined when a step of it is missing). */
export function at(doc: unknown, pointer: string): unknown {
  let v: unknown = doc;
  for (const seg of pointer.split('/').filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

/**
 * The errors still standing after an edit: an error goes as soon as the value it is about (or,
 * for a missing field, its parent) changes, rather than waiting for the next Save.
 */
export function errorsAfterEdit(errors: FieldError[], before: Draft, after: Draft): FieldError[] {
  if (!errors.length) return errors;
  const a = toConfig(before);
  const b = toConfig(after);
  const changed = (path: string): boolean => {
    const x = at(a, path);
    const y = at(b, path);
    if (x === undefined && y === undefined && path.includes('/', 1))
      return changed(path.slice(0, path.lastIndexOf('/')));
    return JSON.stringify(x) !== JSON.stringify(y);
  };
  return errors.filter((e) => !changed(e.path));
}
