import fs from 'node:fs';
import path from 'node:path';
import { RESOURCE_KINDS, RESOURCE_KIND_NAMES, type ResourceKind } from '../domain/resources.ts';
import { segmentOf } from '../api/resources/routes.ts';
import { MAX_JSON_CONTACTS } from '../api/contacts/routes.ts';
import { contactRulesFor, validateContact } from '../domain/contact.ts';
import type { FieldError } from '../platform/errors.ts';
import type { Db } from '../store/db.ts';
import { loadWorld } from '../store/resources.ts';
import { getTenant } from '../store/tenants.ts';
import type { ApiAnswer, SimEngine } from './simulate-engine.ts';
import type { Scenario } from './simulate-scenario.ts';

/**
 * Builds a scenario's world through the API, as an administrator would: the tenant with its
 * settings, each resource, each task and its contacts. Every reference resolves exactly as it does
 * through the API, and every refusal comes back as problem+json, whose paths are mapped to the
 * scenario's (`/strategy/maxRingSec` of the second task → `/tasks/1/strategy/maxRingSec`). It goes
 * on after a refusal, so that one run reports every error of the scenario.
 */
export interface BuiltWorld {
  /** Task ids by the scenario's task index (undefined where the task was refused). */
  taskIds: (string | undefined)[];
  errors: FieldError[];
  /** Things that are not wrong but that the user should know (blocklisted numbers imported). */
  warnings: string[];
}

type ImportReport = {
  received: number;
  rejected: number;
  errors: { row: number; sessionId: string | null; path: string; message: string }[];
  errorsTruncated: boolean;
  warnings: { row: number; sessionId: string; number: string | null; message: string }[];
  warningsTruncated: boolean;
};

/** Field errors of a problem answer, under `prefix`; `rename` maps the API's paths. */
export function problemErrors(
  a: ApiAnswer,
  prefix: string,
  rename: (p: string) => string = (p) => p,
): FieldError[] {
  const errs = (a.body?.errors ?? []) as FieldError[];
  if (errs.length === 0) {
    const title = typeof a.body?.title === 'string' ? a.body.title : `HTTP ${a.status}`;
    return [{ path: prefix || '/', message: title }];
  }
  return errs.map((e) => {
    const p = rename(e.path === '/' ? '' : e.path);
    return { path: prefix + p || '/', message: e.message };
  });
}

/** Whether `p` or one of its ancestors was reported malformed by the scenario check. */
const skipped = (skip: ReadonlySet<string>, p: string) => {
  for (let q = p; q; q = q.slice(0, q.lastIndexOf('/'))) if (skip.has(q)) return true;
  return false;
};

export async function buildWorld(
  e: SimEngine,
  tenantId: string,
  s: Scenario,
  o: { baseDir: string; skip?: ReadonlySet<string> },
): Promise<BuiltWorld> {
  const skip = o.skip ?? new Set<string>();
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const base = `/api/v1/tenants/${tenantId}`;

  const settings = skipped(skip, '/world/tenant') ? {} : (s.world.tenant ?? {});
  let t = await e.call('POST', '/api/v1/tenants', { id: tenantId, name: tenantId, settings });
  if (t.status !== 201) {
    const refused = problemErrors(t, '/world/tenant', (p) => p.replace(/^\/settings/, ''));
    errors.push(...refused);
    // Without the refused settings, so that the resources and tasks are checked against the rest
    // (a refused channel count should not also refuse the callback URL the trustlist allows).
    const bad = new Set(refused.map((x) => x.path.split('/')[3]));
    const rest = Object.fromEntries(Object.entries(settings).filter(([k]) => !bad.has(k)));
    t = await e.call('POST', '/api/v1/tenants', { id: tenantId, name: tenantId, settings: rest });
    if (t.status !== 201)
      t = await e.call('POST', '/api/v1/tenants', { id: tenantId, name: tenantId, settings: {} });
    if (t.status !== 201)
      throw new Error(`cannot create tenant '${tenantId}': ${JSON.stringify(t.body)}`);
  }

  const world = s.world as Record<string, unknown[] | undefined>;
  for (const kind of RESOURCE_KIND_NAMES) {
    const items = world[kind];
    if (!Array.isArray(items) || skipped(skip, `/world/${kind}`)) continue;
    for (let i = 0; i < items.length; i++) {
      const at = `/world/${kind}/${i}`;
      if (skipped(skip, at)) continue;
      const doc =
        kind === 'numberTypes' && typeof items[i] === 'string' ? { id: items[i] } : items[i];
      const r = await e.call('POST', `${base}/${segmentOf(kind)}`, doc);
      if (r.status === 201) continue;
      const idField = RESOURCE_KINDS[kind as ResourceKind].idField;
      errors.push(...problemErrors(r, r.status === 409 ? `${at}/${idField}` : at));
    }
  }

  const taskIds: (string | undefined)[] = [];
  for (let i = 0; i < s.tasks.length; i++) {
    const at = `/tasks/${i}`;
    taskIds.push(undefined);
    if (skipped(skip, at)) continue;
    const { contacts, contactsFile, ...config } = s.tasks[i]!;
    const r = await e.call('POST', `${base}/tasks`, config);
    if (r.status !== 201) {
      errors.push(...problemErrors(r, at));
      // The task cannot hold contacts, but its contacts can still be checked by the same rules.
      if (Array.isArray(contacts) && !skipped(skip, `${at}/contacts`))
        errors.push(...(await contactErrors(e.db, tenantId, config, contacts, `${at}/contacts`)));
      continue;
    }
    const id = r.body.id as string;
    taskIds[i] = id;
    if (Array.isArray(contacts) && !skipped(skip, `${at}/contacts`)) {
      for (let from = 0; from < contacts.length; from += MAX_JSON_CONTACTS) {
        const batch = contacts.slice(from, from + MAX_JSON_CONTACTS);
        const c = await e.call('POST', `${base}/tasks/${id}/contacts`, { contacts: batch });
        if (c.status !== 200) {
          errors.push(...problemErrors(c, `${at}/contacts`));
          break;
        }
        const report = c.body as ImportReport;
        const rowPath = (row: number) => `${at}/contacts/${from + row - 1}`;
        for (const x of report.errors)
          errors.push({
            path: rowPath(x.row) + (x.path === '/' ? '' : x.path),
            message: x.message,
          });
        if (report.errorsTruncated)
          errors.push({
            path: `${at}/contacts`,
            message: 'more rows were refused than are listed',
          });
        for (const w of report.warnings)
          warnings.push(`${rowPath(w.row)}: ${[w.number, w.message].filter(Boolean).join(' ')}`);
      }
    }
    if (typeof contactsFile === 'string' && !skipped(skip, `${at}/contactsFile`)) {
      const file = path.resolve(o.baseDir, contactsFile);
      const c = await e.call(
        'POST',
        `${base}/tasks/${id}/contacts/import`,
        fs.createReadStream(file),
        {
          'content-type': 'text/csv',
        },
      );
      const where = `${at}/contactsFile`;
      const cell = (row: number, column: string) =>
        `${row ? `row ${row}` : 'header'}${column && column !== '/' ? `, column ${column}` : ''}`;
      if (c.status !== 200) {
        const fatal = (c.body?.errors ?? []) as FieldError[];
        if (fatal.length === 0) errors.push(...problemErrors(c, where));
        for (const x of fatal)
          errors.push({ path: where, message: `${cell(0, x.path)}: ${x.message}` });
        continue;
      }
      const report = c.body as ImportReport;
      for (const x of report.errors) {
        // Header notices (an unknown column, ignored) do not refuse anything.
        if (x.row === 0) warnings.push(`${where} ${cell(0, x.path)}: ${x.message}`);
        else errors.push({ path: where, message: `${cell(x.row, x.path)}: ${x.message}` });
      }
      if (report.errorsTruncated)
        errors.push({ path: where, message: 'more rows were refused than are listed' });
      for (const w of report.warnings)
        warnings.push(
          `${where} ${cell(w.row, '')}: ${[w.number, w.message].filter(Boolean).join(' ')}`,
        );
    }
  }
  return { taskIds, errors, warnings };
}

/** Starts the tasks (after the whole world was accepted); refusals as errors at the task. */
export async function startTasks(
  e: SimEngine,
  tenantId: string,
  taskIds: (string | undefined)[],
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  for (let i = 0; i < taskIds.length; i++) {
    const id = taskIds[i];
    if (!id) continue;
    const r = await e.call('POST', `/api/v1/tenants/${tenantId}/tasks/${id}/start`);
    if (r.status !== 200) errors.push(...problemErrors(r, `/tasks/${i}`));
  }
  e.dialer.wakeAt();
  return errors;
}

/** Contact errors by the rules the import applies (for a task the API refused). */
async function contactErrors(
  db: Db,
  tenantId: string,
  config: Record<string, unknown>,
  contacts: unknown[],
  at: string,
): Promise<FieldError[]> {
  const tenant = await getTenant(db, tenantId);
  if (!tenant) return [];
  const world = await loadWorld(db, tenantId, tenant.settings);
  const c = config as {
    ouId?: unknown;
    callStrategy?: { numberRounds?: { numberTypes?: unknown } };
    resultPolicy?: { kind?: unknown; numberTypes?: { numberType?: unknown }[] };
  };
  const strings = (xs: unknown) =>
    Array.isArray(xs) ? xs.filter((x): x is string => typeof x === 'string') : [];
  const rules = contactRulesFor({
    numberRules: tenant.settings.numberRules,
    isolation: tenant.settings.isolation,
    taskOuId: typeof c.ouId === 'string' ? c.ouId : null,
    attributes: world.attributes,
    numberTypes: world.numberTypes.map((t) => t.id),
    taskNumberTypes: [
      ...strings(c.callStrategy?.numberRounds?.numberTypes),
      ...(c.resultPolicy?.kind === 'contact' && Array.isArray(c.resultPolicy.numberTypes)
        ? strings(c.resultPolicy.numberTypes.map((t) => t?.numberType))
        : []),
    ],
  });
  const errors: FieldError[] = [];
  contacts.forEach((input, i) => {
    const r = validateContact(input, rules);
    if (!r.ok)
      for (const x of r.errors)
        errors.push({ path: `${at}/${i}${x.path === '/' ? '' : x.path}`, message: x.message });
  });
  return errors;
}
