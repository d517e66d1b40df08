import type { ContactRules } from '../../domain/contact.ts';
import type { FieldError } from '../../platform/errors.ts';

/**
 * The columns of a contact file (product.md Appendix B): `sessionId, priority, customField,
 * callData, timeZone`, per number `numberN, typeN, sequenceN, delaySecN` (N from 1), and one column per
 * attribute code. Names match exactly (case-sensitive, surrounding spaces ignored). Fixed names win
 * over an attribute with the same code.
 */
export interface NumberColumns {
  n: number;
  number: number;
  type: number;
  sequence: number;
  delaySec: number;
}

export interface ColumnPlan {
  width: number;
  /** The header's names, trimmed (for errors about a cell). */
  names: string[];
  sessionId: number;
  priority: number;
  customField: number;
  callData: number;
  timeZone: number;
  /** By ascending N; -1 where a column is absent. */
  numbers: NumberColumns[];
  attributes: { code: string; index: number }[];
}

export interface HeaderCheck {
  plan: ColumnPlan;
  /** Columns that are ignored, reported once. */
  unknown: FieldError[];
  /** Problems that make the file unimportable (422). */
  fatal: FieldError[];
}

const FIXED = ['sessionId', 'priority', 'customField', 'callData', 'timeZone'] as const;
const PER_NUMBER = /^(number|type|sequence|delaySec)([1-9][0-9]?)$/;

export function planColumns(header: readonly string[], rules: ContactRules): HeaderCheck {
  const plan: ColumnPlan = {
    width: header.length,
    names: header.map((h) => h.trim()),
    sessionId: -1,
    priority: -1,
    customField: -1,
    callData: -1,
    timeZone: -1,
    numbers: [],
    attributes: [],
  };
  const unknown: FieldError[] = [];
  const fatal: FieldError[] = [];
  const seen = new Set<string>();
  const byN = new Map<number, NumberColumns>();
  header.forEach((raw, i) => {
    const name = raw.trim();
    // Spreadsheets often save trailing empty columns; a column without a name holds nothing.
    if (name === '') return;
    if (seen.has(name)) return fatal.push({ path: name, message: 'appears more than once' });
    seen.add(name);
    if ((FIXED as readonly string[]).includes(name)) {
      plan[name as (typeof FIXED)[number]] = i;
      return;
    }
    const m = PER_NUMBER.exec(name);
    if (m) {
      const n = Number(m[2]);
      let cols = byN.get(n);
      if (!cols) byN.set(n, (cols = { n, number: -1, type: -1, sequence: -1, delaySec: -1 }));
      cols[m[1] as 'number' | 'type' | 'sequence' | 'delaySec'] = i;
      return;
    }
    if (rules.attributes.has(name)) return plan.attributes.push({ code: name, index: i });
    unknown.push({ path: name, message: 'is not a known column or attribute; ignored' });
  });
  for (const cols of [...byN.values()].sort((a, b) => a.n - b.n)) {
    if (cols.number >= 0) plan.numbers.push(cols);
    else
      for (const f of ['type', 'sequence', 'delaySec'] as const)
        if (cols[f] >= 0)
          unknown.push({
            path: `${f}${cols.n}`,
            message: `has no number${cols.n} column; ignored`,
          });
  }
  if (plan.sessionId < 0) fatal.push({ path: 'sessionId', message: 'column is required' });
  if (plan.numbers.length === 0)
    fatal.push({ path: 'number1', message: 'column is required (at least one number column)' });
  for (const code of rules.mandatory)
    if (!plan.attributes.some((a) => a.code === code))
      fatal.push({ path: code, message: 'column is required (a mandatory attribute)' });
  return { plan, unknown, fatal };
}

export interface RowInput {
  input: Record<string, unknown>;
  /** N of the number column behind each entry of `input.numbers`. */
  ns: number[];
  /** Problems found before validation (a callData cell that is not JSON). */
  pre: FieldError[];
}

const INTEGER = /^[-+]?\d+$/;
/** Whole numbers become numbers; anything else stays text for validation to name. */
const intOrText = (s: string): number | string | undefined =>
  s === '' ? undefined : INTEGER.test(s) ? Number(s) : s;

const at = (cells: readonly string[], i: number) => (i >= 0 ? (cells[i] ?? '').trim() : '');

/** True when every cell is empty: a blank line or a row of empty cells. */
export function blankRow(cells: readonly string[]): boolean {
  for (let i = 0; i < cells.length; i++) if (cells[i]!.trim() !== '') return false;
  return true;
}

/** The contact a row of cells describes (all cells are text). */
export function rowInput(cells: readonly string[], plan: ColumnPlan): RowInput {
  const input: Record<string, unknown> = { sessionId: at(cells, plan.sessionId) };
  const pre: FieldError[] = [];
  const priority = intOrText(at(cells, plan.priority));
  if (priority !== undefined) input.priority = priority;
  const cf = at(cells, plan.customField);
  if (cf !== '') input.customField = cf;
  const cd = at(cells, plan.callData);
  if (cd !== '') {
    try {
      input.callData = JSON.parse(cd);
    } catch {
      pre.push({ path: '/callData', message: 'must be valid JSON' });
    }
  }
  const tz = at(cells, plan.timeZone);
  if (tz !== '') input.timeZone = tz;
  const numbers: Record<string, unknown>[] = [];
  const ns: number[] = [];
  for (const c of plan.numbers) {
    const number = at(cells, c.number);
    // A row may use fewer numbers than the file has columns; types of unused numbers are ignored.
    if (number === '') continue;
    const entry: Record<string, unknown> = { number };
    const type = at(cells, c.type);
    if (type !== '') entry.type = type;
    const sequence = intOrText(at(cells, c.sequence));
    if (sequence !== undefined) entry.sequence = sequence;
    const delaySec = intOrText(at(cells, c.delaySec));
    if (delaySec !== undefined) entry.delaySec = delaySec;
    numbers.push(entry);
    ns.push(c.n);
  }
  input.numbers = numbers;
  if (plan.attributes.length) {
    const attributes: Record<string, string> = {};
    for (const a of plan.attributes) {
      const v = at(cells, a.index);
      if (v !== '') attributes[a.code] = v;
    }
    input.attributes = attributes;
  }
  return { input, ns, pre };
}

const NUMBER_PATH = /^\/numbers\/(\d+)(?:\/(\w+))?$/;

/** The column a validation path of a row refers to: `/numbers/1/type` → `type2`. */
export function columnOf(path: string, ns: readonly number[]): string {
  if (path === '/numbers') return 'number1';
  const m = NUMBER_PATH.exec(path);
  if (m) return `${m[2] ?? 'number'}${ns[Number(m[1])] ?? Number(m[1]) + 1}`;
  if (path.startsWith('/attributes/')) return path.slice('/attributes/'.length);
  return path.startsWith('/') ? path.slice(1) : path;
}
