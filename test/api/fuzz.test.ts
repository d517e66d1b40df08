import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { dbKind } from '../helpers/db.ts';
import { acmeWithTask, fullTaskConfig } from '../helpers/world.ts';

/**
 * Property-based fuzzing (issue #11) of the two inputs integrators send most: task configurations
 * and contact imports. Whatever arrives, the API never answers 5xx, never loses a good row, and
 * names the field or row of every rejection. Seeds are fixed per run by fast-check's own seed
 * (printed on failure, so a failure can be replayed with `seed`).
 */
const RUNS = Number(process.env.OUTBOUND_FUZZ_RUNS ?? 60);

/** Strings an integrator's bug or an attacker produces. */
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '=cmd|/c calc',
    '💥'.repeat(60),
  ),
  fc.constantFrom('9'.repeat(400), '<script>', '${name}', '../../etc/passwd'),
);
const anyJson = fc.oneof(
  { depthSize: 'small' },
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
);

/** The text a good row may hold: no NUL, replacement character or surrogate; at most 200. */
const storable = (s: string) =>
  [...s]
    .filter(
      (ch) =>
        ch !== '\u0000' &&
        ch !== '\ufffd' &&
        ch.length === 1 &&
        !(ch >= '\ud800' && ch <= '\udfff'),
    )
    .join('')
    .slice(0, 200);

/** A top-level or nested path of the full task configuration. */
const TASK_PATHS = [
  ['name'],
  ['type'],
  ['flowId'],
  ['robotId'],
  ['callerNumbers'],
  ['callerNumbers', 0],
  ['callerGroupId'],
  ['start'],
  ['end'],
  ['timeZone'],
  ['priority'],
  ['questionnaire'],
  ['questionnaire', 'mode'],
  ['sms'],
  ['sms', 'templateId'],
  ['schedule'],
  ['schedule', 'regular'],
  ['schedule', 'regular', 0, 'start'],
  ['schedule', 'allocations', 'entries', 0, 'dates', 0],
  ['strategy', 'maxRingSec'],
  ['strategy', 'intervalSec'],
  ['strategy', 'callsPerInterval'],
  ['strategy', 'filter', 'conditions', 0],
  ['callStrategy', 'order'],
  ['callStrategy', 'numberRounds', 'mode'],
  ['resultPolicy'],
  ['resultPolicy', 'rules', 0, 'retries'],
  ['resultPolicy', 'nonRetryResults', 0],
  ['businessResultPolicy', 0, 'action'],
  ['callbackUrl'],
  ['unknownField'],
] as const;

function setPath(doc: Record<string, any>, path: readonly (string | number)[], value: unknown) {
  let cur: any = doc;
  for (const k of path.slice(0, -1)) {
    if (cur[k] === null || typeof cur[k] !== 'object') cur[k] = typeof k === 'number' ? [] : {};
    cur = cur[k];
  }
  cur[path.at(-1)!] = value;
}

describe(`fuzzing task configurations and contact imports (${dbKind})`, () => {
  let t: TestApp;
  let key: string;
  let taskId: string;
  const tasks = '/api/v1/tenants/acme/tasks';

  beforeAll(async () => {
    ({ t, key, taskId } = await acmeWithTask());
  });
  afterAll(() => t.close());

  it('answers any task configuration with 201 or a 422 that names its fields', async () => {
    let n = 0;
    let created = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...TASK_PATHS), anyJson), { minLength: 1, maxLength: 4 }),
        async (changes) => {
          const doc = fullTaskConfig({ name: `Fuzz ${++n}` });
          for (const [path, value] of changes) setPath(doc, path, value);
          const r = await t.call(key, { method: 'POST', url: tasks, payload: doc });
          expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
          expect([201, 409, 422]).toContain(r.status);
          expect(r.headers['content-type']).toContain(
            r.status === 201 ? 'application/json' : 'application/problem+json',
          );
          if (r.status === 422) {
            expect(r.body.errors.length).toBeGreaterThan(0);
            for (const e of r.body.errors) {
              expect(e.path).toMatch(/^\//);
              expect(typeof e.message).toBe('string');
            }
          }
          if (r.status === 201) created++;
        },
      ),
      { numRuns: RUNS },
    );
    expect(created).toBeLessThan(RUNS); // the fuzz did reach validation, not only happy paths
  });

  const goodContact = (sessionId: string) =>
    fc.record({
      sessionId: fc.constant(sessionId),
      priority: fc.integer({ min: 1, max: 5 }),
      customField: fc.string({ maxLength: 200 }).filter((s) => !s.includes('\u0000')),
      numbers: fc
        .tuple(fc.integer({ min: 0, max: 99_999_999 }))
        .map(([n]) => [{ number: `138${String(n).padStart(8, '0')}` }]),
      attributes: fc.record({
        vip: fc.integer({ min: 1, max: 9 }),
        city: fc.string({ maxLength: 20 }),
      }),
    });
  const badContact = (sessionId: string) =>
    fc.oneof(
      goodContact(sessionId).chain((c) =>
        fc
          .tuple(
            fc.constantFrom(
              'sessionId',
              'priority',
              'customField',
              'numbers',
              'attributes',
              'callData',
              'extra',
            ),
            anyJson,
          )
          .map(([k, v]) => ({ ...c, [k]: v })),
      ),
      anyJson,
    );

  let batch = 0;
  it('keeps every good contact of any JSON batch and reports every bad one by row', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }).chain((kinds) => {
          const b = ++batch;
          return fc.tuple(
            ...kinds.map((good, i) =>
              (good ? goodContact(`J${b}-${i}`) : badContact(`J${b}-${i}`)).map((c) => ({
                good,
                c,
              })),
            ),
          );
        }),
        async (rows) => {
          const r = await t.call(key, {
            method: 'POST',
            url: `${tasks}/${taskId}/contacts`,
            payload: { contacts: rows.map((x) => x.c) },
          });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          const rep = r.body;
          expect(rep.received).toBe(rows.length);
          expect(rep.inserted + rep.updated + rep.rejected).toBe(rows.length);
          const rejectedRows = new Set<number>(rep.errors.map((e: { row: number }) => e.row));
          expect(rejectedRows.size).toBe(rep.rejected);
          for (const e of rep.errors) {
            expect(e.row).toBeGreaterThanOrEqual(1);
            expect(e.row).toBeLessThanOrEqual(rows.length);
            expect(e.path).toMatch(/^\//);
          }
          for (const [i, x] of rows.entries()) {
            if (!x.good) continue;
            expect(rejectedRows.has(i + 1), JSON.stringify(rep.errors)).toBe(false);
            const sid = (x.c as { sessionId: string }).sessionId;
            const got = await t.call(key, {
              method: 'GET',
              url: `${tasks}/${taskId}/contacts/${sid}`,
            });
            expect(got.status).toBe(200);
            expect(got.body.customField ?? '').toBe((x.c as { customField: string }).customField);
          }
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  let file = 0;
  it('keeps every good row of any CSV file and reports every bad one by row number', async () => {
    const cell = fc.oneof(nasty, fc.constant(''));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.boolean(), cell, fc.integer({ min: 0, max: 99_999_999 })), {
          minLength: 1,
          maxLength: 12,
        }),
        async (spec) => {
          const f = ++file;
          const rows = spec.map(([good, text, n], i) =>
            good
              ? [`F${f}-${i}`, `138${String(n).padStart(8, '0')}`, '2', storable(text)]
              : [`F${f}-${i}`, text, text, text],
          );
          const csv = stringify([['sessionId', 'number1', 'vip', 'customField'], ...rows]);
          const r = await t.call(key, {
            method: 'POST',
            url: `${tasks}/${taskId}/contacts/import`,
            payload: Buffer.from(csv),
            headers: { 'content-type': 'text/csv' },
          });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          const bad = new Set<number>(r.body.errors.map((e: { row: number }) => e.row));
          for (const e of r.body.errors) expect(e.path).toBeTruthy();
          for (const [i, [good]] of spec.entries()) {
            if (!good) continue;
            // A good row may share a line with nothing else: only its own problems can reject it.
            expect(bad.has(i + 1), JSON.stringify(r.body.errors)).toBe(false);
          }
          expect(r.body.inserted + r.body.updated + r.body.rejected).toBe(r.body.received);
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});
