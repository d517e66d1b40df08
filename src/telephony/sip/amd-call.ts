import type { Amd } from '../../domain/task-config.ts';
import type { Prompt } from '../../ivr/flow.ts';
import type { Timer } from '../../platform/scheduler.ts';
import type { CallEnd } from '../port.ts';
import { after, type CallContext } from './call.ts';
import { AMD_DEFAULTS, AmdDetector, EndOfGreeting, type AmdResult } from './media/amd.ts';
import { SAMPLES_PER_FRAME, type RtpSession } from './media/session.ts';

/**
 * Answering machine detection on an answered call (the task's `strategy.amd`): the customer's
 * audio goes through the detector (./media/amd.ts) until it decides; nothing is played meanwhile
 * (the session sends silence). A machine is hung up on, or left the message once its greeting
 * and beep are over; a human, a `notsure` and a machine with `continue` run the flow.
 */
export type AmdDetail = AmdResult & {
  action: Amd['action'];
  /** leave_message: `left`, or why not (`hangup`: the machine hung up first; `failed`: the prompt). */
  message?: 'left' | 'hangup' | 'failed';
};

/** Audio missing for longer than this counts as silence (phones that stop RTP in silence). */
const GAP_MS = 300;
const TICK_MS = 100;

export async function detectMachine(
  ctx: CallContext,
  session: RtpSession,
  amd: Amd,
): Promise<AmdDetail> {
  const t = amd.thresholds ?? {};
  // Only the thresholds set: an undefined one must not hide its default.
  const detector = new AmdDetector(
    Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)),
  );
  const total = t.totalAnalysisMs ?? AMD_DEFAULTS.totalAnalysisMs;
  let result: AmdResult | undefined;
  const how = await listenUntil(ctx, session, total + 1000, (pcm) => {
    result = detector.push(pcm);
    return result !== undefined;
  });
  result ??= detector.stop(how === 'hangup' ? 'hangup' : 'too_long');
  return { ...result, action: amd.action };
}

/**
 * leave_message: waits for the end of the greeting (a silence after its last sound, the beep
 * included), bounded by `maxGreetingWaitMs`, plays the message and hangs up.
 */
export async function leaveMessage(
  ctx: CallContext,
  session: RtpSession,
  amd: Amd,
  detail: AmdDetail,
): Promise<AmdDetail> {
  const t = amd.thresholds ?? {};
  const end = new EndOfGreeting(
    t.endOfGreetingSilenceMs ?? 1000,
    t.silenceThreshold ?? AMD_DEFAULTS.silenceThreshold,
  );
  const how = await listenUntil(ctx, session, t.maxGreetingWaitMs ?? 30_000, (pcm) =>
    end.push(pcm),
  );
  if (how === 'hangup') return { ...detail, message: 'hangup' };
  const errors = session.errors.length;
  await session.play(amd.messagePrompt as Prompt, { bargeIn: false });
  const message = session.errors.length > errors ? 'failed' : session.hungUp ? 'hangup' : 'left';
  await session.hangup();
  return { ...detail, message };
}

/** The end of a call whose answering machine was hung up on or left a message. */
export function machineEnd(at: Date, more: Record<string, unknown>): CallEnd {
  return { result: 'answering_machine', at, detail: { ending: 'answering_machine', ...more } };
}

/**
 * Feeds the customer's audio to `frame` until it returns true ('done'), the call ends
 * ('hangup') or `maxMs` pass ('timeout'). Missing audio is fed as silence, so silence without
 * RTP still counts.
 */
function listenUntil(
  ctx: CallContext,
  session: RtpSession,
  maxMs: number,
  frame: (pcm: Int16Array) => boolean,
): Promise<'done' | 'hangup' | 'timeout'> {
  if (session.hungUp) return Promise.resolve('hangup');
  return new Promise((resolve) => {
    const start = ctx.sched.now().getTime();
    let audioMs = 0;
    let timer: Timer | undefined;
    let settled = false;
    const settle = (how: 'done' | 'hangup' | 'timeout') => {
      if (settled) return;
      settled = true;
      timer?.cancel();
      session.listen(undefined);
      resolve(how);
    };
    const feed = (pcm: Int16Array) => {
      audioMs += pcm.length / 8;
      if (!settled && frame(pcm)) settle('done');
    };
    session.listen(feed);
    const tick = () => {
      if (session.hungUp) return settle('hangup');
      const wall = ctx.sched.now().getTime() - start;
      while (!settled && wall - audioMs > GAP_MS) feed(new Int16Array(SAMPLES_PER_FRAME));
      if (settled) return;
      if (wall >= maxMs) return settle('timeout');
      timer = after(ctx, TICK_MS, tick);
    };
    timer = after(ctx, TICK_MS, tick);
  });
}
