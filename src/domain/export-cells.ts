import { DateTime, type Zone } from 'luxon';
import { maskNumber } from './contact.ts';
import { RESULT_CODES, isResultName } from './result-codes.ts';
import { attemptOutcome, type StoredAttempt } from './attempt-outcome.ts';

/**
 * The cells of a result export (product.md §7): one row per customer, the fixed columns, then one
 * column per attribute of the tenant. Pure: decryption is passed in, time zones are Luxon zones.
 */
export const FIXED_COLUMNS = [
  'sessionId',
  'state',
  'finalResult',
  'finalCode',
  'finishReason',
  'attempts',
  'firstAttemptAt',
  'lastAttemptAt',
  'numbers',
  'businessResult',
  'businessSubResult',
  'customField',
  'priority',
  // What the customer's last attempt collected (src/domain/attempt-outcome.ts).
  'ringSec',
  'talkSec',
  'digits',
  'answers',
  'path',
  'transfer',
  'intent',
  'speech',
  'recording',
  'recordingSec',
  // Each number's zones for local windows (`;` between numbers, `|` between zones of one).
  'timeZones',
] as const;

/** What an export shows of a customer; encrypted attribute values are still encrypted. */
export interface CustomerResult {
  sessionId: string;
  state: string;
  finalResult: string | null;
  finishReason: string | null;
  attempts: number;
  /** ISO 8601 instants. */
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
  numbers: string[];
  /** Per number its zones `|`-joined, '' when not known (the task's zone applies). */
  timeZones?: string[];
  businessResult: string | null;
  businessSubResult: string | null;
  customField: string | null;
  priority: number;
  attributes: Record<string, unknown>;
  /** The customer's last attempt, null before the first. */
  lastAttempt?: StoredAttempt | null;
}

export interface ExportAttribute {
  code: string;
  encrypted: boolean;
}

/** A cell: text, or a number the spreadsheet may compute with. */
export type Cell = string | number;

export const HIDDEN = '***';

// What a spreadsheet reads as the start of a formula (OWASP "CSV injection"), including the
// full-width forms that some spreadsheets fold to ASCII.
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;
// Phone numbers (masked or not, `;`-joined) and plain decimals: digits, `* #`, a leading sign.
// None can name a function or a DDE target, so a spreadsheet can at worst compute arithmetic
// with them, and they stay readable and machine-parseable without an apostrophe.
const PHONES = /^\+?[0-9*#]+(?:;\+?[0-9*#]+)*$/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * Neutralises spreadsheet formula injection: a text that a spreadsheet would take for a formula
 * gets a leading apostrophe, which spreadsheets treat as "this is text". Phone numbers and plain
 * decimals are left alone (see above).
 */
export function neutralise(text: string): string {
  if (!FORMULA_START.test(text) || PHONES.test(text) || DECIMAL.test(text)) return text;
  return `'${text}`;
}

/**
 * The header row. Attribute columns are named by their code; a code that collides with a fixed
 * column is prefixed `attribute.` so every header stays unique.
 */
export function exportHeader(attributes: readonly ExportAttribute[]): string[] {
  const fixed = new Set<string>(FIXED_COLUMNS);
  const names = attributes.map((a) => (fixed.has(a.code) ? `attribute.${a.code}` : a.code));
  return [...FIXED_COLUMNS, ...names].map(neutralise);
}

export interface CellContext {
  masked: boolean;
  zone: Zone;
  attributes: readonly ExportAttribute[];
  /** Decrypts a stored `enc:…` value; null when it cannot (another key). */
  decrypt(stored: string): string | null;
  isEncrypted(value: unknown): boolean;
  /** The export's task, for the recording URL. */
  ids?: { tenantId: string; taskId: string };
}

/** An instant in the task's zone with its offset, e.g. `2026-11-23T09:00:05+08:00`. */
export function isoIn(zone: Zone, instant: string | null): string {
  if (!instant) return '';
  const t = DateTime.fromISO(instant, { zone });
  return t.isValid ? (t.toISO({ suppressMilliseconds: true }) ?? '') : '';
}

function attributeCell(value: unknown, def: ExportAttribute, ctx: CellContext): Cell {
  if (value === undefined || value === null) return '';
  // Recognised by the stored form, as the API does, so a value stays protected even if its
  // attribute was later changed; a value of an encrypted attribute stored in clear is hidden too.
  if (ctx.isEncrypted(value)) return ctx.masked ? HIDDEN : (ctx.decrypt(value as string) ?? HIDDEN);
  if (def.encrypted && ctx.masked) return HIDDEN;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One customer's row, every text cell neutralised. */
export function exportCells(r: CustomerResult, ctx: CellContext): Cell[] {
  const numbers = ctx.masked ? r.numbers.map(maskNumber) : r.numbers;
  const cells: Cell[] = [
    r.sessionId,
    r.state,
    r.finalResult ?? '',
    r.finalResult && isResultName(r.finalResult) ? RESULT_CODES[r.finalResult] : '',
    r.finishReason ?? '',
    r.attempts,
    isoIn(ctx.zone, r.firstAttemptAt),
    isoIn(ctx.zone, r.lastAttemptAt),
    numbers.join(';'),
    r.businessResult ?? '',
    r.businessSubResult ?? '',
    r.customField ?? '',
    r.priority,
    ...lastAttemptCells(r.lastAttempt ?? null, ctx),
    (r.timeZones ?? []).map((z) => z || ctx.zone.name).join(';'),
  ];
  for (const a of ctx.attributes) cells.push(attributeCell(r.attributes[a.code], a, ctx));
  return cells.map((c) => (typeof c === 'string' ? neutralise(c) : c));
}

/** A speech turn as `step: "what was said" → intent (confidence)`, or its outcome when none. */
function turnCell(t: NonNullable<ReturnType<typeof attemptOutcome>['speech']>['turns'][number]) {
  const meant = t.intent ?? t.outcome;
  const conf = t.confidence !== null ? ` (${t.confidence.toFixed(2)})` : '';
  return `${t.step}: "${t.transcript}" → ${meant}${conf}`;
}

/**
 * The last attempt's outcome in cells a person reads: answers as `question=answer` pairs, the
 * path as `a > b`, the transfer as `target: ok|failed`, a speech robot's last intent and its
 * turns, the recording as its API URL.
 */
function lastAttemptCells(a: StoredAttempt | null, ctx: CellContext): Cell[] {
  if (!a) return ['', '', '', '', '', '', '', '', '', ''];
  const o = attemptOutcome(a, ctx.ids ?? { tenantId: '', taskId: '' });
  const t = o.transfer;
  return [
    o.ringSec ?? '',
    o.talkSec ?? '',
    o.digits ?? '',
    o.answers.map((x) => `${x.questionId}=${x.answer}`).join('; '),
    o.path.join(' > '),
    t ? `${Object.values(t.target).join('')}: ${t.ok ? 'ok' : `failed (${t.detail})`}` : '',
    o.speech?.intent ?? '',
    (o.speech?.turns ?? []).map(turnCell).join('; '),
    o.recording && ctx.ids ? o.recording.url : '',
    o.recording?.durationSec ?? '',
  ];
}
