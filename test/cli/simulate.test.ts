import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate, type SimulateResult } from '../../src/cli/simulate.ts';
import { dbKind, testStore, type TestStore } from '../helpers/db.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

/**
 * A small scenario on Monday 2026-11-23 (+08:00): a notice task of four customers dialed from 09:00
 * at one call a second (c1 always busy, c2 answers, c3 unallocated, c4 answers), and a CSV task of
 * two customers called from 14:00.
 */
const TASK = {
  type: 'ivr',
  flowId: 'flow-notice',
  callerNumbers: ['+862188880001'],
  start: '2026-11-23T00:00:00+08:00',
  end: '2026-12-31T00:00:00+08:00',
  timeZone: '+08:00',
  strategy: { maxRingSec: 20, intervalSec: 3, callsPerInterval: 3 },
  callStrategy: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
  resultPolicy: {
    kind: 'global',
    byResult: true,
    rules: [{ result: 'busy', retries: 2, intervalSec: 300 }],
    nonRetryResults: ['unallocated'],
  },
};
const contact = (sessionId: string, number: string) => ({
  sessionId,
  numbers: [{ number, type: 'mobile' }],
  attributes: {},
});

function scenario(): Record<string, any> {
  return {
    from: '2026-11-23T08:00:00+08:00',
    until: '2026-11-24T00:00:00+08:00',
    seed: 1,
    world: {
      tenant: { channels: 30, timeZone: '+08:00', priorityMode: 'strict' },
      callerNumbers: [{ number: '+862188880001', ouId: null }],
      flows: [{ id: 'flow-notice', kind: 'ivr', status: 'published', ouId: null, document: {} }],
      specialDates: [{ id: 'weekend', name: 'Weekends', type: 'weekday', weekdays: [6, 7] }],
      numberTypes: ['mobile', 'home'],
    },
    tasks: [
      {
        ...TASK,
        name: 'Notice',
        schedule: {
          regular: [
            { start: '09:00', end: '11:30' },
            { start: '14:00', end: '18:00' },
          ],
        },
        contacts: [
          contact('c1', '+8613800000001'),
          contact('c2', '+8613800000002'),
          contact('c3', '+8613800000003'),
          contact('c4', '+8613800000004'),
        ],
      },
      {
        ...TASK,
        name: 'From a file',
        schedule: { regular: [{ start: '14:00', end: '18:00' }] },
        contactsFile: 'contacts.csv',
      },
    ],
    network: {
      default: { result: 'success', ringSec: 5, talkSec: 30 },
      rules: [
        { match: '^\\+8613800000001$', outcomes: [{ weight: 1, result: 'busy', ringSec: 2 }] },
        {
          match: '^\\+8613800000003$',
          outcomes: [{ weight: 1, result: 'unallocated', ringSec: 1 }],
        },
      ],
    },
  };
}

describe(`outbound simulate (${dbKind})`, () => {
  let dir: string;
  let store: TestStore;
  const write = (name: string, doc: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(doc, null, 2));
    return file;
  };
  const quiet = { out: () => {}, err: () => {}, log: () => {} };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-simulate-'));
    fs.writeFileSync(
      path.join(dir, 'contacts.csv'),
      'sessionId,number1,type1\nf1,+8613900000001,mobile\nf2,+8613900000002,mobile\n',
    );
    store = await testStore();
  });
  afterAll(async () => {
    await store?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  let result: SimulateResult;
  let lines: Record<string, unknown>[];

  it('runs the scenario to `until` and sums up each task', async () => {
    const attemptsOut = path.join(dir, 'attempts.jsonl');
    result = await simulate(write('good.json', scenario()), { ...quiet, store, attemptsOut });
    expect(result.code).toBe(0);
    const [notice, file] = result.summary!.tasks;
    expect(notice).toMatchObject({
      name: 'Notice',
      state: 'completed',
      attempts: { total: 6, inProgress: 0, byResult: { busy: 3, success: 2, unallocated: 1 } },
      customers: {
        total: 4,
        byState: { finished: 4 },
        byFinalResult: { busy: 1, success: 2, unallocated: 1 },
      },
      firstAttemptAt: '2026-11-23T09:00:00+08:00',
      // Three calls on the first tick (c1 busy for 2 s, c2 for 35 s, c3 for 1 s), c4 three
      // seconds later while c2 still talks.
      peakChannels: 3,
    });
    // c1 is retried 300 s after each busy call ended (2 s of ringing): 09:05:02, 09:10:04; the
    // task completes when that last call ends.
    expect(notice!.lastAttemptAt).toBe('2026-11-23T09:10:04+08:00');
    expect(notice!.completedAt).toBe('2026-11-23T09:10:06+08:00');
    expect(file).toMatchObject({
      name: 'From a file',
      state: 'completed',
      attempts: { total: 2, byResult: { success: 2 } },
      customers: { total: 2, byFinalResult: { success: 2 } },
      firstAttemptAt: '2026-11-23T14:00:00+08:00',
      completedAt: '2026-11-23T14:00:35+08:00',
      peakChannels: 2,
    });
    expect(result.summary).toMatchObject({
      simulatedFrom: '2026-11-23T08:00:00+08:00',
      simulatedUntil: '2026-11-24T00:00:00+08:00',
    });

    lines = fs
      .readFileSync(attemptsOut, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(8);
    expect(lines[0]).toEqual({
      task: 'Notice',
      sessionId: 'c1',
      number: '+8613800000001',
      attempt: 1,
      startedAt: '2026-11-23T09:00:00+08:00',
      answeredAt: null,
      endedAt: '2026-11-23T09:00:02+08:00',
      result: 'busy',
      code: '00537',
      ringSec: 2,
      talkSec: null,
      digits: null,
      answers: [],
      ending: null,
      path: [],
    });
    expect(lines.filter((l) => l.sessionId === 'c1').map((l) => [l.attempt, l.result])).toEqual([
      [1, 'busy'],
      [2, 'busy'],
      [3, 'busy'],
    ]);
    const c2 = lines.find((l) => l.sessionId === 'c2')!;
    expect([c2.answeredAt, c2.endedAt, c2.code]).toEqual([
      '2026-11-23T09:00:05+08:00',
      '2026-11-23T09:00:35+08:00',
      '00000',
    ]);
    expect(lines.filter((l) => l.task === 'From a file').map((l) => l.sessionId)).toEqual([
      'f1',
      'f2',
    ]);
  });

  it("asks an IVR task's questionnaire on the sim network and reports the answers", async () => {
    const doc = scenario();
    doc.world.questionnaires = [
      {
        id: 'q-sat',
        name: 'Satisfaction',
        ouId: null,
        kind: 'ivr',
        questions: [
          {
            id: 'satisfied',
            text: 'Were you satisfied? 1 yes, 2 no.',
            label: 'Satisfied',
            answers: [
              { key: '1', label: 'Yes' },
              { key: '2', label: 'No' },
            ],
          },
        ],
      },
    ];
    doc.world.flows[0].document = {
      nodes: [
        {
          id: 'notice',
          type: 'play',
          prompt: { text: 'Your plan changes on 1 December.' },
          next: 'bye',
        },
        { id: 'bye', type: 'hangup', prompt: { text: 'Goodbye' } },
      ],
    };
    doc.tasks = [
      {
        ...doc.tasks[0],
        questionnaire: { mode: 'ivr', questionnaireId: 'q-sat' },
        resultPolicy: {
          ...TASK.resultPolicy,
          rules: [{ result: 'busy', retries: 0, intervalSec: 300 }],
        },
      },
    ];
    doc.network = {
      default: { result: 'success', ringSec: 5, talkSec: 60, digits: '1' },
      rules: [
        { match: '^\\+8613800000002$', outcomes: [{ result: 'success', ringSec: 3, digits: '2' }] },
        { match: '^\\+8613800000003$', outcomes: [{ result: 'success', ringSec: 3, talkSec: 2 }] },
      ],
    };
    const attemptsOut = path.join(dir, 'survey.jsonl');
    const own = await testStore();
    const r = await simulate(write('survey.json', doc), { ...quiet, store: own, attemptsOut });
    await own.dispose();
    expect(r.code).toBe(0);
    expect(r.summary!.tasks[0]!.answers).toEqual([
      { questionId: 'satisfied', label: 'Satisfied', answered: 3, byAnswer: { '1': 2, '2': 1 } },
    ]);
    const out = fs
      .readFileSync(attemptsOut, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>);
    const c2 = out.find((l) => l.sessionId === 'c2')!;
    expect(c2).toMatchObject({
      result: 'success',
      digits: '2',
      ending: 'flow_end',
      path: ['notice', 'bye', 'bye.hangup'],
      answers: [{ questionId: 'satisfied', label: 'Satisfied', answer: '2', answerLabel: 'No' }],
    });
    // c3 hangs up during the notice: no answer.
    expect(out.find((l) => l.sessionId === 'c3')).toMatchObject({
      answers: [],
      ending: 'customer_hangup',
    });
  });

  it('refuses a bad scenario with every error and its path, and runs nothing', async () => {
    const bad = scenario();
    bad.until = '2026-11-22T00:00:00+08:00';
    bad.network.rules[0].match = '(';
    bad.world.tenant.channels = 0;
    bad.world.flows.push({ id: 'flow-2', kind: 'ivr', status: 'live', ouId: null });
    bad.tasks[0].strategy = { ...TASK.strategy, maxRingSec: 500 };
    bad.tasks[0].contacts[1].numbers[0].number = 'abc';
    bad.tasks[1].contactsFile = 'missing.csv';
    bad.surprise = true;
    const errs: string[] = [];
    const badStore = await testStore();
    try {
      const r = await simulate(write('bad.json', bad), {
        ...quiet,
        store: badStore,
        err: (s) => errs.push(s),
      });
      expect(r.code).toBe(2);
      const paths = r.errors!.map((e) => e.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          '/surprise',
          '/until',
          '/network/rules/0/match',
          '/tasks/1/contactsFile',
          '/world/tenant/channels',
          '/world/flows/1/status',
          '/tasks/0/strategy/maxRingSec',
          '/tasks/0/contacts/1/numbers/0/number',
        ]),
      );
      expect(r.errors!.find((e) => e.path === '/tasks/0/strategy/maxRingSec')!.message).toBe(
        'must be between 5 and 120',
      );
      expect(errs.join('')).toContain('/world/flows/1/status: must be one of "draft", "published"');
      const attempts = await badStore.db.selectFrom('attempts').select('id').execute();
      expect(attempts).toEqual([]);
    } finally {
      await badStore.dispose();
    }
  });

  it('refuses a file that is not a scenario at all', async () => {
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, '{ "from": ');
    const r = await simulate(file, quiet);
    expect(r.code).toBe(2);
    expect(r.errors![0]!.message).toMatch(/^not valid JSON/);
  });

  it(
    'is the `outbound simulate` command, printing the same summary',
    { timeout: 180_000 },
    async () => {
      // The command always runs on its own PGlite in memory; the database under test does not matter.
      const attemptsOut = path.join(dir, 'cli-attempts.jsonl');
      const { stdout } = await run(
        process.execPath,
        ['bin/outbound.js', 'simulate', path.join(dir, 'good.json'), '--attempts-out', attemptsOut],
        { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn' } },
      );
      const printed = JSON.parse(stdout) as { tasks: unknown[]; wallMs: number };
      expect(printed.tasks).toEqual(result.summary!.tasks);
      expect(printed.wallMs).toBeGreaterThan(0);
      const cli = fs
        .readFileSync(attemptsOut, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(cli).toEqual(lines);
    },
  );
});
