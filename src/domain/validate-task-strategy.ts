import type { Attribute } from './resources.ts';
import { isNonEmptyArray, isSet, type Check } from './validate-task-check.ts';
import { isCalendarDate, parseIsoDateTime } from './validate-task-schedule.ts';

/** Pacing, the attribute filter and the call order (product.md §3 `strategy`, `callStrategy`). */

export function checkPacing(check: Check): void {
  const calls = check.get<number>('/strategy/callsPerInterval');
  const channels = check.tenant.channels;
  if (typeof calls === 'number' && calls > channels) {
    check.add(
      '/strategy/callsPerInterval',
      `must not exceed the tenant's ${channels} channels (got ${calls})`,
    );
  }
  checkAgentPacing(check);
}

/**
 * Pacing by agents needs a skill queue to read (`pacingQueueId`, else the task's `skillQueueId`);
 * the tuning fields belong to their mode, so a field that would be ignored is refused.
 */
function checkAgentPacing(check: Check): void {
  const mode = check.get<string>('/strategy/pacing') ?? 'fixed';
  const own = check.get<string | null>('/strategy/pacingQueueId');
  if (typeof own === 'string') check.use('skillQueues', own, '/strategy/pacingQueueId');
  const onlyFor = (field: string, wanted: string) => {
    if (check.raw(`/strategy/${field}`) !== undefined && mode !== wanted)
      check.add(`/strategy/${field}`, `is used only with pacing '${wanted}'`);
  };
  onlyFor('agentRatio', 'progressive');
  onlyFor('abandonTarget', 'predictive');
  onlyFor('abandonWindowSec', 'predictive');
  if (mode === 'fixed' || !check.ok('/strategy/pacing')) return;
  const task = check.get<string | null>('/skillQueueId');
  if (!isSet(own) && !isSet(task) && check.ok('/strategy/pacingQueueId'))
    check.add(
      '/strategy/pacingQueueId',
      `is required with pacing '${mode}' when the task has no skillQueueId: the agents of which queue pace the task?`,
    );
}

type Op = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'in' | 'contains';
const ORDERING_OPS: readonly Op[] = ['gt', 'ge', 'lt', 'le'];

/** A date attribute compares with a calendar date or an ISO date-time with offset. */
const isDateValue = (v: unknown): boolean =>
  typeof v === 'string' && (isCalendarDate(v) || parseIsoDateTime(v) !== undefined);

function fits(type: Attribute['type'], v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'date':
      return isDateValue(v);
  }
}

const DESCRIBE: Record<Attribute['type'], string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  date: 'a date (yyyy-MM-dd or an ISO date-time with offset)',
};

/**
 * Attribute filter: a tenant feature; each condition names an existing, unencrypted attribute
 * (encrypted values cannot be compared in the database) and a value of the attribute's type.
 * `gt`/`ge`/`lt`/`le` only order numbers and dates; `contains` only searches strings.
 */
export function checkFilter(check: Check): void {
  if (!isSet(check.raw('/strategy/filter'))) return;
  if (!check.tenant.attributeFeatures) {
    check.add('/strategy/filter', 'attribute filters are not enabled for this tenant');
    return;
  }
  for (const i of check.indices('/strategy/filter/conditions')) {
    const path = `/strategy/filter/conditions/${i}`;
    const code = check.get<string>(`${path}/attribute`);
    const op = check.get<Op>(`${path}/op`);
    if (typeof code !== 'string') continue;
    const attr = check.use('attributes', code, `${path}/attribute`);
    if (!attr) continue;
    if (attr.encrypted) {
      check.add(
        `${path}/attribute`,
        `attribute '${code}' is encrypted and cannot be used in a filter`,
      );
      continue;
    }
    if (op === undefined) continue;
    checkCondition(check, path, attr, op, check.raw(`${path}/value`));
  }
}

function checkCondition(check: Check, path: string, attr: Attribute, op: Op, value: unknown): void {
  const wrongType = (p: string): void =>
    check.add(
      p,
      `must be ${DESCRIBE[attr.type]}: attribute '${attr.code}' is of type ${attr.type}`,
    );
  if (ORDERING_OPS.includes(op) && attr.type !== 'number' && attr.type !== 'date') {
    check.add(
      `${path}/op`,
      `'${op}' needs a number or date attribute; '${attr.code}' is of type ${attr.type}`,
    );
    return;
  }
  if (op === 'contains' && attr.type !== 'string') {
    check.add(
      `${path}/op`,
      `'contains' needs a string attribute; '${attr.code}' is of type ${attr.type}`,
    );
    return;
  }
  if (op === 'in') {
    if (!isNonEmptyArray(value))
      return check.add(`${path}/value`, "must be a non-empty list for 'in'");
    value.forEach((v, j) => {
      if (!fits(attr.type, v)) wrongType(`${path}/value/${j}`);
    });
    return;
  }
  if (!fits(attr.type, value)) wrongType(`${path}/value`);
}

/**
 * Call order. Ordering by attributes is a tenant feature; a sort key must be mandatory (every
 * contact has it, so the order is total) and unencrypted (the database must compare it).
 * An empty `attributes` list with another `by` counts as absent.
 */
export function checkOrder(check: Check): void {
  const by = check.get<string>('/callStrategy/order/by');
  const listPath = '/callStrategy/order/attributes';
  const list = check.raw(listPath);
  if (by === undefined) return;
  if (by !== 'attributes') {
    if (isNonEmptyArray(list)) check.add(listPath, 'is allowed only when ordering by attributes');
    return;
  }
  if (!check.tenant.attributeFeatures) {
    check.add('/callStrategy/order/by', 'ordering by attributes is not enabled for this tenant');
    return;
  }
  if (check.ok(listPath) && !isNonEmptyArray(list)) {
    check.add(listPath, 'must list at least one attribute when ordering by attributes');
  }
  const seen = new Set<string>();
  for (const i of check.indices(listPath)) {
    const path = `${listPath}/${i}/attribute`;
    const code = check.get<string>(path);
    if (typeof code !== 'string') continue;
    if (seen.has(code)) {
      check.add(path, `attribute '${code}' is listed twice`);
      continue;
    }
    seen.add(code);
    const attr = check.use('attributes', code, path);
    if (attr && !attr.mandatory) {
      check.add(
        path,
        `attribute '${code}' is not mandatory; only mandatory attributes can be sort keys`,
      );
    }
    if (attr && attr.encrypted) {
      check.add(path, `attribute '${code}' is encrypted and cannot be a sort key`);
    }
  }
}

/** Number rounds by type need the ordered list of types; other modes take none. */
export function checkNumberRounds(check: Check): void {
  const mode = check.get<string>('/callStrategy/numberRounds/mode');
  const listPath = '/callStrategy/numberRounds/numberTypes';
  const list = check.raw(listPath);
  if (mode === undefined) return;
  if (mode !== 'numberType') {
    if (isNonEmptyArray(list)) check.add(listPath, 'is allowed only when calling by number type');
    return;
  }
  if (check.ok(listPath) && !isNonEmptyArray(list)) {
    check.add(listPath, 'must list at least one number type when calling by number type');
  }
  const seen = new Set<string>();
  for (const i of check.indices(listPath)) {
    const path = `${listPath}/${i}`;
    const id = check.get<string>(path);
    if (typeof id !== 'string') continue;
    if (seen.has(id)) check.add(path, `number type '${id}' is listed twice`);
    else check.use('numberTypes', id, path);
    seen.add(id);
  }
}

/**
 * Answering machine detection: leaving a message needs the message; a threshold that can never
 * fire within the analysis time is a mistake worth naming.
 */
export function checkAmd(check: Check): void {
  const base = '/strategy/amd';
  if (check.get<boolean>(`${base}/enabled`) !== true) return;
  const action = check.get<string>(`${base}/action`);
  if (action === 'leave_message' && !isSet(check.raw(`${base}/messagePrompt`)))
    check.add(`${base}/messagePrompt`, "is required when action is 'leave_message'");
  const t = `${base}/thresholds`;
  const total = check.get<number>(`${t}/totalAnalysisMs`) ?? 5000;
  for (const [field, fallback] of [
    ['initialSilenceMs', 2500],
    ['greetingMs', 1500],
    ['afterGreetingSilenceMs', 800],
  ] as const) {
    const set = check.get<number>(`${t}/${field}`);
    const v = set ?? fallback;
    if (v < total) continue;
    if (set !== undefined)
      check.add(
        `${t}/${field}`,
        `must be less than totalAnalysisMs (${total}), or the analysis ends before it can apply`,
      );
    else
      check.add(
        `${t}/totalAnalysisMs`,
        `must exceed ${field} (${fallback} by default), or the analysis ends before it can apply`,
      );
  }
}
