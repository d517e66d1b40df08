import { describe, expect, it } from 'vitest';
import { FixedOffsetZone, IANAZone } from 'luxon';
import {
  exportCells,
  exportHeader,
  isoIn,
  neutralise,
  type CellContext,
  type CustomerResult,
} from '../../src/domain/export-cells.ts';

describe('formula neutralisation', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `'=HYPERLINK("http://evil.example","x")`],
    ['+cmd|" /C calc"!A0', `'+cmd|" /C calc"!A0`],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', "'\r=1+1"],
    ['\uFF1D1+1', "'\uFF1D1+1"],
    ['+86 138 0000 0001', "'+86 138 0000 0001"],
  ])('prefixes %j', (text, want) => {
    expect(neutralise(text)).toBe(want);
  });

  it.each([
    '+8613800000001',
    '+86138****0001',
    '+8613800000001;+8613900000002',
    '*#21#',
    '-12',
    '-3.5',
    'Shenzhen',
    '',
    'a=b',
    "'quoted",
  ])('leaves %j alone', (text) => {
    expect(neutralise(text)).toBe(text);
  });
});

describe('export header', () => {
  it('names attribute columns by code, prefixing one that collides with a fixed column', () => {
    const h = exportHeader([
      { code: 'city', encrypted: false },
      { code: 'priority', encrypted: false },
    ]);
    expect(h.slice(0, 3)).toEqual(['sessionId', 'state', 'finalResult']);
    expect(h.slice(-3)).toEqual(['timeZones', 'city', 'attribute.priority']);
    expect(new Set(h).size).toBe(h.length);
  });
});

describe('export cells', () => {
  const row: CustomerResult = {
    sessionId: 'c1',
    state: 'finished',
    finalResult: 'busy',
    finishReason: 'exhausted',
    attempts: 3,
    firstAttemptAt: '2026-11-23T01:00:00.000Z',
    lastAttemptAt: '2026-11-23T01:10:04.250Z',
    numbers: ['+8613800000001', '+8613900000002'],
    timeZones: ['Asia/Shanghai', ''],
    businessResult: 'callback-later',
    businessSubResult: null,
    customField: '=1+1',
    priority: 2,
    attributes: { city: 'Shenzhen', vip: 2, idcard: 'enc:v1:secret', legacy: 'in clear' },
  };
  const ctx = (
    masked: boolean,
    decrypt: (s: string) => string | null = () => 'ID-1',
  ): CellContext => ({
    masked,
    zone: FixedOffsetZone.instance(480),
    attributes: [
      { code: 'city', encrypted: false },
      { code: 'idcard', encrypted: true },
      { code: 'legacy', encrypted: true },
      { code: 'missing', encrypted: false },
      { code: 'vip', encrypted: false },
    ],
    decrypt,
    isEncrypted: (v) => typeof v === 'string' && v.startsWith('enc:v1:'),
  });

  it('writes the §6 code, times with the task’s offset, numbers in full and decrypted values when unmasked', () => {
    expect(exportCells(row, ctx(false))).toEqual([
      'c1',
      'finished',
      'busy',
      '00537',
      'exhausted',
      3,
      '2026-11-23T09:00:00+08:00',
      '2026-11-23T09:10:04.250+08:00',
      '+8613800000001;+8613900000002',
      'callback-later',
      '',
      "'=1+1",
      2,
      ...['', '', '', '', '', '', '', '', '', ''], // never called: no last attempt
      'Asia/Shanghai;UTC+8', // the second number's zone is not known: the task's
      'Shenzhen',
      'ID-1',
      'in clear',
      '',
      2,
    ]);
  });

  it('masks numbers and hides encrypted attributes when masked', () => {
    const cells = exportCells(row, ctx(true));
    expect(cells[8]).toBe('+86138****0001;+86139****0002');
    expect(cells.slice(24)).toEqual(['Shenzhen', '***', '***', '', 2]);
  });

  it('hides a value it cannot decrypt, and leaves a customer never called blank', () => {
    const fresh = {
      ...row,
      finalResult: null,
      finishReason: null,
      attempts: 0,
      firstAttemptAt: null,
      lastAttemptAt: null,
      state: 'ready',
    };
    const cells = exportCells(
      fresh,
      ctx(false, () => null),
    );
    expect(cells.slice(2, 8)).toEqual(['', '', '', 0, '', '']);
    expect(cells[25]).toBe('***');
  });

  it('writes what the last attempt collected; the recording as its URL, never the file', () => {
    const called = {
      ...row,
      lastAttempt: {
        id: 42,
        startedAt: new Date('2026-11-23T01:00:00Z'),
        answeredAt: new Date('2026-11-23T01:00:05Z'),
        endedAt: new Date('2026-11-23T01:00:37.5Z'),
        digits: '12',
        detail: {
          ending: 'transferred',
          path: ['hello', 'survey', 'xfer'],
          answers: [{ questionId: 'satisfied', label: 'Satisfied?', answer: '1' }],
          transfer: { target: { skillQueue: 'vip-care' }, ok: true, detail: 'sim' },
          recording: { file: '/var/lib/outbound/rec/42.wav', durationSec: 32.5 },
        },
      },
    };
    const cells = exportCells(called, { ...ctx(false), ids: { tenantId: 'acme', taskId: 't1' } });
    expect(cells.slice(13, 23)).toEqual([
      5,
      32.5,
      '12',
      'satisfied=1',
      'hello > survey > xfer',
      'vip-care: ok',
      '',
      '',
      '/api/v1/tenants/acme/tasks/t1/attempts/42/recording',
      32.5,
    ]);
    expect(cells.join()).not.toContain('.wav');
  });

  it("writes a speech robot's last intent and its turns", () => {
    const called = {
      ...row,
      lastAttempt: {
        id: 43,
        startedAt: new Date('2026-11-23T01:00:00Z'),
        answeredAt: new Date('2026-11-23T01:00:05Z'),
        endedAt: new Date('2026-11-23T01:00:20Z'),
        digits: null,
        detail: {
          ending: 'flow_end',
          path: ['robot'],
          speech: {
            intent: 'yes',
            turns: [
              {
                step: 'ask',
                try: 1,
                outcome: 'no_match',
                transcript: 'what',
                intent: null,
                confidence: 0.4,
                bargedIn: false,
              },
              {
                step: 'ask',
                try: 2,
                outcome: 'match',
                transcript: 'yes please',
                intent: 'yes',
                confidence: 0.93,
                bargedIn: true,
              },
            ],
          },
        },
      },
    };
    const cells = exportCells(called, ctx(false));
    expect(cells.slice(19, 21)).toEqual([
      'yes',
      'ask: "what" → no_match (0.40); ask: "yes please" → yes (0.93)',
    ]);
  });

  it('follows daylight saving in a named zone', () => {
    const berlin = IANAZone.create('Europe/Berlin');
    expect(isoIn(berlin, '2026-07-01T10:00:00Z')).toBe('2026-07-01T12:00:00+02:00');
    expect(isoIn(berlin, '2026-12-01T10:00:00Z')).toBe('2026-12-01T11:00:00+01:00');
  });
});
