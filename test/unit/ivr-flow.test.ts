import { describe, expect, it } from 'vitest';
import { promptsOf, validateFlowDocument, type FlowDocument } from '../../src/ivr/flow.ts';
import { robotFlow } from '../../src/ivr/robot.ts';

const full: FlowDocument = {
  version: 1,
  start: 'hello',
  record: true,
  nodes: [
    { id: 'hello', type: 'play', prompt: { text: 'Hello ${name}' }, bargeIn: false, next: 'menu' },
    {
      id: 'menu',
      type: 'collect',
      prompt: { file: 'prompts/menu.wav' },
      max: 4,
      timeoutSec: 5,
      terminator: '#',
      variable: 'choice',
      next: 'route',
    },
    {
      id: 'route',
      type: 'branch',
      variable: 'choice',
      cases: [
        { equals: '1', next: 'survey' },
        { in: ['2', '3'], next: 'queue' },
        { matches: '^9', next: 'bot' },
      ],
      default: 'bye',
    },
    {
      id: 'survey',
      type: 'questionnaire',
      questions: [
        { id: 'q1', prompt: { text: 'Happy? 1 yes 2 no' }, answers: ['1', '2'], retries: 1 },
      ],
      next: 'bye',
    },
    {
      id: 'queue',
      type: 'assign',
      variable: 'SkillQueueName',
      fromCallData: 'SkillQueueName',
      next: 'xfer',
    },
    { id: 'xfer', type: 'transfer', target: { skillQueue: '${SkillQueueName}' }, next: 'bye' },
    { id: 'bot', type: 'robot', endpoint: 'https://bot.example.com/turn', next: 'bye' },
    { id: 'bye', type: 'hangup', prompt: { text: 'Goodbye', voice: 'en-us' } },
  ],
};

describe('validateFlowDocument', () => {
  it('accepts the empty document and a flow using every node type', () => {
    expect(validateFlowDocument({})).toEqual([]);
    expect(validateFlowDocument(full)).toEqual([]);
    expect(
      validateFlowDocument(robotFlow('http://127.0.0.1:1/bot', { skillQueue: 'care' })),
    ).toEqual([]);
  });

  it('reports every broken link, duplicate and bad field at once, with paths', () => {
    const doc = structuredClone(full) as any;
    doc.start = 'nowhere';
    doc.nodes[1].max = 0;
    doc.nodes[2].cases[0].next = 'missing';
    doc.nodes[2].cases[1].equals = 'x';
    doc.nodes[3].questions.push({ id: 'q1', prompt: { text: 'again' } });
    doc.nodes[4].value = 'both';
    doc.nodes[6].id = 'hello';
    doc.nodes.push({ id: 'odd', type: 'dance' });
    const paths = validateFlowDocument(doc).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/start',
        '/nodes/1/max',
        '/nodes/2/cases/0/next',
        '/nodes/2/cases/1',
        '/nodes/3/questions/1/id',
        '/nodes/4',
        '/nodes/6/id',
        '/nodes/8/type',
      ]),
    );
  });

  it('rejects what is not a flow', () => {
    expect(validateFlowDocument([])[0]!.path).toBe('/');
    expect(validateFlowDocument({ record: true })).toEqual([
      { path: '/nodes', message: 'is required' },
    ]);
    expect(
      validateFlowDocument({ nodes: [], extra: 1 })
        .map((e) => e.path)
        .sort(),
    ).toEqual(['/extra', '/nodes']);
    const bad = validateFlowDocument({
      nodes: [{ id: 'b', type: 'branch', variable: 'v', cases: [{ matches: '(', next: 'b' }] }],
    });
    expect(bad).toEqual([
      { path: '/nodes/0/cases/0/matches', message: 'is not a valid regular expression' },
    ]);
  });

  it('lists the prompts to convert at publish time', () => {
    expect(promptsOf(full).map((p) => p.path)).toEqual([
      '/nodes/0/prompt',
      '/nodes/1/prompt',
      '/nodes/3/questions/0/prompt',
      '/nodes/7/prompt',
    ]);
  });
});
