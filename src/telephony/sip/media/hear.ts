import type { Heard, ListenOptions } from '../../../ivr/media.ts';
import type { Recogniser, RecognitionStream } from '../../../ivr/recogniser.ts';
import type { Scheduler, Timer } from '../../../platform/scheduler.ts';
import { AMD_DEFAULTS, isVoice, meanAbs, nextFloor } from './amd.ts';
import { monotonicMs } from './pacer.ts';

/**
 * A speech robot listening on a SIP call: the prompt plays while a voice-activity detector (the
 * AMD's frame test: above the silence threshold and a few times the line's noise floor) watches
 * the customer's audio. Speech that lasts `minSpeechMs` starts an utterance — and, with barge-in,
 * stops the prompt; its audio (with `preRollMs` from before the onset, so the first syllable is
 * not lost) goes to a recogniser stream until `endSilenceMs` of silence (or `maxSpeechMs` of
 * speech) end it. Nothing within `timeoutMs` after the prompt: silence (no input).
 *
 * The reply delay a customer hears is endSilenceMs + the recogniser's time + the next prompt's
 * start: endSilenceMs is the main knob (shorter replies faster but cuts slow speakers' pauses).
 */
export interface HearTuning {
  minSpeechMs: number;
  endSilenceMs: number;
  preRollMs: number;
  silenceThreshold: number;
}

export const HEAR_DEFAULTS: HearTuning = {
  minSpeechMs: 120,
  endSilenceMs: 400,
  preRollMs: 300,
  silenceThreshold: AMD_DEFAULTS.silenceThreshold,
};

/** What `hear` needs of the RTP session. */
export interface HearingSession {
  readonly hungUp: boolean;
  play(p: NonNullable<ListenOptions['prompt']>, o: { bargeIn: boolean }): Promise<unknown>;
  stopPrompt(): void;
  listen(fn: ((pcm: Int16Array) => void) | undefined): void;
}

const TICK_MS = 100;
/**
 * Voice must last this long to count as the customer speaking on: frames of line noise cross
 * the threshold now and then, and each would otherwise restart the end-of-speech silence (on the
 * bench, 20 dB of pink noise added 300 ms to a third of the replies).
 */
const RESUME_MS = 60;
/** Audio missing this long counts as silence (phones that stop RTP in silence). */
const GAP_MS = 300;

export async function hear(
  session: HearingSession,
  sched: Scheduler,
  recogniser: Recogniser | undefined,
  o: ListenOptions,
  tuning: Partial<HearTuning> = {},
): Promise<Heard> {
  const t = { ...HEAR_DEFAULTS, ...tuning };
  const nothing = { transcript: '', confidence: null, bargedIn: false };
  if (session.hungUp) return { kind: 'hangup', ...nothing };
  if (!recogniser) {
    if (o.prompt) await session.play(o.prompt, { bargeIn: false });
    return { kind: 'silence', ...nothing, error: 'no speech recogniser is configured' };
  }
  let stream: RecognitionStream;
  try {
    stream = recogniser.open(o.phrases);
  } catch (err) {
    return { kind: 'speech', ...nothing, error: String(err) };
  }
  return new Promise<Heard>((resolve) => {
    type Phase = 'prompt' | 'waiting' | 'speaking' | 'done';
    let phase = (o.prompt ? 'prompt' : 'waiting') as Phase;
    const done = () => phase === 'done';
    let bargedIn = false;
    let floor = Infinity;
    let voiceRun = 0;
    let silenceRun = 0;
    /** Voice since the last silent frame, while speaking: a lone loud frame of noise is no word. */
    let burst = 0;
    let speechMs = 0;
    let deadline = Infinity;
    let lastAudio = monotonicMs();
    const preRoll: Int16Array[] = [];
    let preRollMs = 0;
    let timer: Timer | undefined;

    const finish = (kind: Heard['kind']) => {
      if (phase === 'done') return;
      phase = 'done';
      timer?.cancel();
      session.listen(undefined);
      if (kind !== 'speech') {
        stream.abort();
        return resolve({ kind, ...nothing, bargedIn });
      }
      const from = monotonicMs();
      stream.end().then(
        (r) =>
          resolve({
            kind,
            transcript: r.transcript,
            confidence: r.confidence,
            bargedIn,
            recogniseMs: Math.round(monotonicMs() - from),
          }),
        (err: unknown) =>
          resolve({
            kind,
            ...nothing,
            bargedIn,
            error: err instanceof Error ? err.message : String(err),
          }),
      );
    };

    const frame = (pcm: Int16Array) => {
      const ms = pcm.length / 8;
      const level = meanAbs(pcm);
      const voice = isVoice(level, t.silenceThreshold, floor);
      floor = nextFloor(floor, level, t.silenceThreshold);
      if (phase === 'done' || (phase === 'prompt' && !o.bargeIn)) return;
      if (phase === 'speaking') {
        stream.write(pcm);
        speechMs += ms;
        burst = voice ? burst + ms : 0;
        silenceRun = burst >= RESUME_MS ? 0 : silenceRun + ms;
        if (silenceRun >= t.endSilenceMs || speechMs >= o.maxSpeechMs) finish('speech');
        return;
      }
      preRoll.push(pcm);
      preRollMs += ms;
      while (preRollMs - preRoll[0]!.length / 8 >= t.preRollMs)
        preRollMs -= preRoll.shift()!.length / 8;
      voiceRun = voice ? voiceRun + ms : 0;
      if (voiceRun < t.minSpeechMs) return;
      // The customer speaks: the prompt stops (barge-in), the utterance goes to the recogniser.
      if (phase === 'prompt') {
        bargedIn = true;
        session.stopPrompt();
      }
      phase = 'speaking';
      for (const f of preRoll) stream.write(f);
      speechMs = preRollMs;
      silenceRun = 0;
    };

    session.listen((pcm) => {
      lastAudio = monotonicMs();
      frame(pcm);
    });
    const tick = () => {
      if (phase === 'done') return;
      if (session.hungUp) return finish('hangup');
      const now = monotonicMs();
      while (!done() && now - lastAudio > GAP_MS) {
        frame(new Int16Array(160));
        lastAudio += 20;
      }
      if (phase === 'waiting' && sched.now().getTime() >= deadline) return finish('silence');
      if (!done()) timer = sched.at(sched.now().getTime() + TICK_MS, tick);
    };
    timer = sched.at(sched.now().getTime() + TICK_MS, tick);
    const waitFromNow = () => {
      if (phase === 'prompt') phase = 'waiting';
      if (phase === 'waiting') deadline = sched.now().getTime() + o.timeoutMs;
    };
    if (o.prompt) void session.play(o.prompt, { bargeIn: false }).then(waitFromNow);
    else waitFromNow();
  });
}
