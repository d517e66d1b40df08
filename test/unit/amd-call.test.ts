import { describe, expect, it } from 'vitest';
import type { Amd } from '../../src/domain/task-config.ts';
import { VirtualScheduler } from '../../src/platform/scheduler.ts';
import { detectMachine, leaveMessage } from '../../src/telephony/sip/amd-call.ts';
import type { CallContext } from '../../src/telephony/sip/call.ts';
import type { RtpSession } from '../../src/telephony/sip/media/session.ts';

/**
 * The AMD steps of an answered call on a virtual clock, with a stand-in for the RTP session: what
 * the customer "says" is pushed into its listener; plays and hang-ups are recorded.
 */
function fakeSession(sched: VirtualScheduler) {
  const s = {
    listener: undefined as ((pcm: Int16Array) => void) | undefined,
    hungUp: false,
    errors: [] as string[],
    played: [] as { at: number; prompt: unknown }[],
    listen(fn: ((pcm: Int16Array) => void) | undefined) {
      s.listener = fn;
    },
    play(prompt: unknown) {
      s.played.push({ at: sched.now().getTime(), prompt });
      return Promise.resolve({ interrupted: false });
    },
    hangup() {
      s.hungUp = true;
      return Promise.resolve();
    },
  };
  return s;
}

const T0 = Date.parse('2026-12-06T09:00:00Z');
const voice = () => Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? 5000 : -5000));

/** Feeds a 20 ms voice frame on every tick of the virtual clock while `until` says so. */
function talk(sched: VirtualScheduler, s: ReturnType<typeof fakeSession>, untilMs: number) {
  const tick = () => {
    if (sched.now().getTime() - T0 >= untilMs) return;
    s.listener?.(voice());
    sched.at(sched.now().getTime() + 20, tick);
  };
  sched.at(T0, tick);
}

function setup() {
  const sched = new VirtualScheduler(T0);
  const s = fakeSession(sched);
  const ctx = { sched } as unknown as CallContext;
  return { sched, s, ctx, session: s as unknown as RtpSession };
}

describe('AMD on an answered call', () => {
  it('no audio at all is silence: a machine once the initial silence has passed', async () => {
    const { sched, ctx, session } = setup();
    const p = detectMachine(ctx, session, { enabled: true, action: 'hangup' });
    await sched.runUntil(T0 + 3000);
    await expect(p).resolves.toMatchObject({
      decision: 'machine',
      reason: 'initial_silence',
      action: 'hangup',
    });
  });

  it('the call ending during the analysis: notsure, hangup', async () => {
    const { sched, s, ctx, session } = setup();
    const p = detectMachine(ctx, session, { enabled: true, action: 'hangup' });
    await sched.runUntil(T0 + 500);
    s.hungUp = true;
    await sched.runUntil(T0 + 700);
    await expect(p).resolves.toMatchObject({ decision: 'notsure', reason: 'hangup' });
  });

  const leave: Amd = {
    enabled: true,
    action: 'leave_message',
    messagePrompt: { text: 'Please call us back.' },
    thresholds: { endOfGreetingSilenceMs: 1000, maxGreetingWaitMs: 10_000 },
  };
  const decided = {
    decision: 'machine' as const,
    reason: 'max_words' as const,
    initialSilenceMs: 0,
    greetingMs: 900,
    words: 4,
    analysisMs: 1000,
    action: 'leave_message' as const,
  };

  it('leave_message: the message starts a second after the greeting stops, then the call hangs up', async () => {
    const { sched, s, ctx, session } = setup();
    talk(sched, s, 4000);
    const p = leaveMessage(ctx, session, leave, decided);
    await sched.runUntil(T0 + 6000);
    await expect(p).resolves.toMatchObject({ message: 'left' });
    expect(s.played).toHaveLength(1);
    expect(s.played[0]!.prompt).toEqual({ text: 'Please call us back.' });
    // Silence from 4 s; counted as such once missing for 300 ms; 1 s of it ends the greeting.
    expect(s.played[0]!.at - T0).toBeGreaterThanOrEqual(5000);
    expect(s.played[0]!.at - T0).toBeLessThanOrEqual(5500);
    expect(s.hungUp).toBe(true);
  });

  it('leave_message: a greeting that never stops gets the message after maxGreetingWaitMs', async () => {
    const { sched, s, ctx, session } = setup();
    talk(sched, s, 60_000);
    const p = leaveMessage(ctx, session, leave, decided);
    await sched.runUntil(T0 + 12_000);
    await expect(p).resolves.toMatchObject({ message: 'left' });
    expect(s.played[0]!.at - T0).toBe(10_000);
  });

  it('leave_message: the machine hanging up first leaves no message', async () => {
    const { sched, s, ctx, session } = setup();
    talk(sched, s, 60_000);
    const p = leaveMessage(ctx, session, leave, decided);
    await sched.runUntil(T0 + 2000);
    s.hungUp = true;
    await sched.runUntil(T0 + 3000);
    await expect(p).resolves.toMatchObject({ message: 'hangup' });
    expect(s.played).toEqual([]);
  });
});
