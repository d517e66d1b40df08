import { describe, expect, it } from 'vitest';
import { errorsOf, expectError, expectValid, ivrConfig, mutate } from './validate-task-fixture.ts';

/** `strategy.amd`: answering machine detection in the task configuration. */
const withAmd = (amd: unknown) => mutate(ivrConfig(), { '/strategy/amd': amd });

describe('validateTaskConfig: strategy.amd', () => {
  it('accepts each action, with thresholds, and no amd at all', () => {
    expectValid(ivrConfig());
    expectValid(withAmd(null));
    expectValid(withAmd({ enabled: true, action: 'hangup' }));
    expectValid(withAmd({ enabled: true, action: 'continue', thresholds: { maxWords: 4 } }));
    expectValid(
      withAmd({
        enabled: true,
        action: 'leave_message',
        messagePrompt: { text: 'Hello, this is your bank. Please call us back.' },
        thresholds: { endOfGreetingSilenceMs: 1200, totalAnalysisMs: 6000 },
      }),
    );
    expectValid(withAmd({ enabled: false, action: 'leave_message' }));
  });

  it('defaults the action to hangup', () => {
    const errors = errorsOf(withAmd({ enabled: true }));
    expect(errors).toEqual([]);
  });

  it('requires the message when leaving one', () => {
    expectError(
      withAmd({ enabled: true, action: 'leave_message' }),
      '/strategy/amd/messagePrompt',
      "is required when action is 'leave_message'",
    );
    expectError(
      withAmd({ enabled: true, action: 'leave_message', messagePrompt: null }),
      '/strategy/amd/messagePrompt',
      'is required',
    );
  });

  it('names a bad action, an unknown threshold and a threshold out of range', () => {
    const errors = errorsOf(
      withAmd({
        enabled: true,
        action: 'voicemail',
        thresholds: { maxWords: 0, beep: 3, greetingMs: 'long' },
      }),
    );
    const paths = errors.map((e) => e.path);
    expect(paths).toContain('/strategy/amd/action');
    expect(paths).toContain('/strategy/amd/thresholds/maxWords');
    expect(paths).toContain('/strategy/amd/thresholds/greetingMs');
    expect(paths.some((p) => p.startsWith('/strategy/amd/thresholds'))).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a threshold the analysis time can never reach, on the field that was set', () => {
    expectError(
      withAmd({ enabled: true, thresholds: { totalAnalysisMs: 3000, greetingMs: 3000 } }),
      '/strategy/amd/thresholds/greetingMs',
      'must be less than totalAnalysisMs (3000)',
    );
    expectError(
      withAmd({ enabled: true, thresholds: { totalAnalysisMs: 2000 } }),
      '/strategy/amd/thresholds/totalAnalysisMs',
      'must exceed initialSilenceMs (2500 by default)',
    );
  });
});
