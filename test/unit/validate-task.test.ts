import { describe, expect, it } from 'vitest';
import { validateTaskConfig } from '../../src/domain/validate-task.ts';
import {
  errorsOf,
  expectError,
  expectValid,
  ivrConfig,
  mutate,
  robotConfig,
  world,
} from './validate-task-fixture.ts';

describe('validateTaskConfig: complete configurations', () => {
  it('accepts an IVR task with every option set (Appendix A and more)', () => {
    expectValid(ivrConfig());
  });

  it('accepts a robot task with transfer, business result and a contact policy', () => {
    expectValid(robotConfig());
  });

  it('fills the defaults and leaves the input untouched', () => {
    const input = mutate(ivrConfig(), {
      '/priority': undefined,
      '/strategy/maxRingSec': undefined,
      '/strategy/callsPerInterval': undefined,
      '/callStrategy': undefined,
      '/questionnaire': undefined,
      '/businessResultPolicy': undefined,
      '/resultPolicy': {
        kind: 'global',
        byResult: true,
        rules: [{ result: 'busy', retries: 1, intervalSec: 60 }],
      },
    });
    const before = JSON.stringify(input);
    const r = validateTaskConfig(input, world());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.priority).toBe(3);
    expect(r.config.strategy.maxRingSec).toBe(20);
    expect(r.config.strategy.callsPerInterval).toBe(1);
    expect(r.config.callStrategy).toEqual({
      order: { by: 'none' },
      numberRounds: { mode: 'sequence' },
    });
    expect(r.config.questionnaire).toEqual({ mode: 'none', questionnaireId: null });
    expect(r.config.resultPolicy).toMatchObject({ nonRetryResults: [] });
    expect(JSON.stringify(input)).toBe(before);
  });
});

describe('validateTaskConfig: structure', () => {
  it('names the path and the rule of range and length errors', () => {
    const doc = mutate(ivrConfig(), {
      '/name': 'x'.repeat(101),
      '/priority': 0,
      '/strategy/maxRingSec': 200,
      '/strategy/intervalSec': 0,
    });
    expectError(doc, '/name', 'at most 100 characters');
    expectError(doc, '/priority', 'must be between 1 and 5');
    expectError(doc, '/strategy/maxRingSec', 'must be between 5 and 120');
    expectError(doc, '/strategy/intervalSec', 'must be between 1 and 9999');
  });

  it('reports unknown fields instead of dropping them', () => {
    const doc = mutate(ivrConfig(), { '/colour': 'red', '/strategy/speed': 9 });
    expectError(doc, '/colour', 'not a known field');
    expectError(doc, '/strategy/speed', 'not a known field');
  });

  it('reports missing required fields', () => {
    expectError(mutate(ivrConfig(), { '/strategy': undefined }), '/strategy', 'is required');
    expectError(
      mutate(ivrConfig(), { '/strategy/intervalSec': undefined }),
      '/strategy/intervalSec',
      'is required',
    );
  });

  it('explains a result policy by its kind instead of a bare union error', () => {
    const global = errorsOf(mutate(ivrConfig(), { '/resultPolicy/maxAttemptDays': 0 }));
    expect(global).toEqual([
      { path: '/resultPolicy/maxAttemptDays', message: 'must be between 1 and 365' },
    ]);
    expectError(
      mutate(ivrConfig(), { '/resultPolicy/kind': 'percall' }),
      '/resultPolicy/kind',
      "'global', 'contact'",
    );
    expectError(
      mutate(robotConfig(), { '/resultPolicy/default': undefined }),
      '/resultPolicy/default',
      'is required',
    );
    expectError(
      mutate(robotConfig(), { '/resultPolicy/numberTypes/0/rules/0/retries': -1 }),
      '/resultPolicy/numberTypes/0/rules/0/retries',
      'between 0 and 100',
    );
  });

  it('explains nullable and literal fields by their non-null form', () => {
    const doc = mutate(ivrConfig(), {
      '/type': 'robotic',
      '/sms': { type: 'cloud' },
      '/callerNumbers': ['+862188880001', 5],
      '/businessResultPolicy/0/intervalSec': -1,
      '/strategy/filter/conditions/0/op': 'like',
    });
    expectError(doc, '/type', "must be one of 'ivr', 'robot'");
    expectError(doc, '/sms/templateId', 'is required');
    expectError(doc, '/callerNumbers/1', 'must be a string');
    expectError(doc, '/businessResultPolicy/0/intervalSec', 'between 0 and');
    expectError(doc, '/strategy/filter/conditions/0/op', "'eq'");
    expect(errorsOf(doc).some((e) => e.message.includes('union'))).toBe(false);
  });

  it('reports one error per path', () => {
    const errors = errorsOf(
      mutate(ivrConfig(), { '/strategy/maxRingSec': 'slow', '/schedule': undefined }),
    );
    const paths = errors.map((e) => e.path);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('refuses a document that is not an object', () => {
    expect(errorsOf('task')).toEqual([{ path: '', message: 'must be an object' }]);
  });
});

describe('validateTaskConfig: basic information', () => {
  it('refuses a blank name', () => {
    expectError(mutate(ivrConfig(), { '/name': '   ' }), '/name', 'must not be blank');
  });

  it('requires the OU to exist', () => {
    expectError(
      mutate(ivrConfig(), { '/ouId': 'ou-ghost' }),
      '/ouId',
      "OU 'ou-ghost' does not exist",
    );
  });

  it('requires a published flow and no robot for an IVR task', () => {
    expectError(mutate(ivrConfig(), { '/flowId': null }), '/flowId', 'required for an IVR task');
    expectError(
      mutate(ivrConfig(), { '/flowId': 'nope' }),
      '/flowId',
      "flow 'nope' does not exist",
    );
    expectError(
      mutate(ivrConfig(), { '/flowId': 'flow-draft' }),
      '/flowId',
      "flow 'flow-draft' is not published",
    );
    expectError(
      mutate(ivrConfig(), { '/robotId': 'robot-1' }),
      '/robotId',
      'must be empty for an IVR task',
    );
  });

  it('requires a published robot for a robot task; its flow is optional but must be published', () => {
    expectError(
      mutate(robotConfig(), { '/robotId': undefined }),
      '/robotId',
      'required for a robot task',
    );
    expectError(
      mutate(robotConfig(), { '/robotId': 'nope' }),
      '/robotId',
      "robot 'nope' does not exist",
    );
    expectError(
      mutate(robotConfig(), { '/robotId': 'robot-draft' }),
      '/robotId',
      'is not published',
    );
    expectError(mutate(robotConfig(), { '/flowId': 'flow-draft' }), '/flowId', 'is not published');
    expectValid(mutate(robotConfig(), { '/flowId': 'flow-notice' }));
  });

  it('takes caller numbers or a caller group, exactly one of them', () => {
    expectError(mutate(ivrConfig(), { '/callerGroupId': 'grp-1' }), '/callerNumbers', 'not both');
    expectError(
      mutate(ivrConfig(), { '/callerNumbers': undefined }),
      '/callerNumbers',
      'or a caller group',
    );
    expectError(
      mutate(ivrConfig(), { '/callerNumbers': [] }),
      '/callerNumbers',
      'or a caller group',
    );
    expectValid(mutate(robotConfig(), { '/callerNumbers': [] }));
  });

  it('limits caller numbers to 100 and to the tenant maximum', () => {
    const all = world()
      .callerNumbers.map((c) => c.number)
      .filter((n) => n.startsWith('+8621999'));
    expectError(
      mutate(ivrConfig(), { '/callerNumbers': all }),
      '/callerNumbers',
      'at most 100 caller numbers',
    );
    const w = world();
    w.tenant.maxCallerNumbers = 1;
    expectError(ivrConfig(), '/callerNumbers', "at most 1 caller numbers (the tenant's limit)", w);
  });

  it('refuses duplicate and unknown caller numbers, and an unknown group', () => {
    const numbers = ['+862188880001', '+862188880002', '+862188880003', '+862188880001'];
    expectError(
      mutate(ivrConfig(), { '/callerNumbers': numbers }),
      '/callerNumbers/3',
      'listed twice',
    );
    expectError(
      mutate(ivrConfig(), { '/callerNumbers/1': '+10000000' }),
      '/callerNumbers/1',
      "'+10000000' is not a caller number of the tenant",
    );
    expectError(
      mutate(robotConfig(), { '/callerGroupId': 'grp-x' }),
      '/callerGroupId',
      "caller group 'grp-x' does not exist",
    );
  });

  it('requires start before end, both ISO date-times with an offset', () => {
    expectError(
      mutate(ivrConfig(), { '/end': '2026-11-23T00:00:00+08:00' }),
      '/end',
      'must be after the start',
    );
    expectError(
      mutate(ivrConfig(), { '/end': '2026-11-22T16:00:00Z' }),
      '/end',
      'must be after the start',
    );
    expectError(
      mutate(ivrConfig(), { '/start': '2026-11-23T00:00:00' }),
      '/start',
      'with an offset or Z',
    );
    expectError(
      mutate(ivrConfig(), { '/start': '2026-02-30T00:00:00Z' }),
      '/start',
      'ISO date-time',
    );
    expectError(mutate(ivrConfig(), { '/end': 'tomorrow' }), '/end', 'ISO date-time');
  });

  it('accepts IANA zones and fixed offsets, and refuses anything else', () => {
    for (const tz of ['Asia/Shanghai', 'UTC', '+08:00', '-05:30', 'UTC+8', 'GMT-03:00', null]) {
      expectValid(mutate(ivrConfig(), { '/timeZone': tz }));
    }
    for (const tz of ['Mars/Olympus', '+15:00', '+08:75', 'local']) {
      expectError(mutate(ivrConfig(), { '/timeZone': tz }), '/timeZone', 'is not a time zone');
    }
  });
});

describe('validateTaskConfig: all errors at once', () => {
  it('reports structural and semantic errors of different parts together', () => {
    const doc = mutate(ivrConfig(), {
      '/strategy/maxRingSec': 500,
      '/flowId': 'flow-draft',
      '/callerNumbers/1': '+862188880001',
      '/end': '2026-01-01T00:00:00Z',
      '/schedule/regular/1/start': '10:00',
      '/strategy/callsPerInterval': 99,
      '/resultPolicy/rules/1/result': 'busy',
    });
    expect(errorsOf(doc).map((e) => e.path)).toEqual(
      expect.arrayContaining([
        '/strategy/maxRingSec',
        '/flowId',
        '/callerNumbers/1',
        '/end',
        '/schedule/regular/1',
        '/strategy/callsPerInterval',
        '/resultPolicy/rules/1/result',
      ]),
    );
  });

  it('still checks the sound parts of a section that has a structural error', () => {
    const doc = mutate(ivrConfig(), {
      '/strategy/maxRingSec': 500,
      '/strategy/callsPerInterval': 99,
    });
    expectError(doc, '/strategy/callsPerInterval', '30 channels');
  });
});
