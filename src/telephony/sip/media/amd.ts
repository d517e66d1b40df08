/**
 * Answering machine detection on the customer's decoded audio, frame by frame (no clock: time is
 * the audio's own, samples / 8 per ms). The model is the one Asterisk's AMD popularised: a person
 * answers with a short word or two ("Hello?") and then waits for us, so a short burst of speech
 * followed by silence is a human; a machine starts with a long silence, or talks on (many words,
 * a long stretch of speech). Anything undecided when the analysis time runs out is `notsure`.
 *
 * A frame is voice when its mean absolute amplitude exceeds the silence threshold — and, on a
 * noisy line, a few times the noise floor measured on the quietest frames heard so far, so steady
 * background noise does not count as one endless word. The floor is capped (twice the threshold)
 * so speech from the very first frame cannot pass for noise.
 */
export interface AmdThresholds {
  /** Silence before any word longer than this: a machine (it waits before its greeting). */
  initialSilenceMs: number;
  /** Speech in the greeting longer than this: a machine. */
  greetingMs: number;
  /** Silence after a short greeting this long: a human, waiting for us to talk. */
  afterGreetingSilenceMs: number;
  /** Undecided after this much audio: notsure. */
  totalAnalysisMs: number;
  /** Voice shorter than this is a click or a breath, not a word. */
  minWordMs: number;
  /** Silence at least this long ends a word. */
  betweenWordsSilenceMs: number;
  /** This many words: a machine. */
  maxWords: number;
  /** One word longer than this: a machine (or music). */
  maxWordMs: number;
  /** Mean absolute amplitude (16-bit) above which a frame is voice. */
  silenceThreshold: number;
}

export const AMD_DEFAULTS: AmdThresholds = {
  initialSilenceMs: 2500,
  greetingMs: 1500,
  afterGreetingSilenceMs: 800,
  totalAnalysisMs: 5000,
  minWordMs: 100,
  betweenWordsSilenceMs: 50,
  maxWords: 4,
  maxWordMs: 5000,
  silenceThreshold: 256,
};

export type AmdDecision = 'human' | 'machine' | 'notsure';
export type AmdReason =
  | 'initial_silence'
  | 'long_greeting'
  | 'max_words'
  | 'max_word_length'
  | 'after_greeting_silence'
  | 'too_long'
  | 'hangup';

export interface AmdResult {
  decision: AmdDecision;
  reason: AmdReason;
  /** Audio before the first word (all of it when no word came). */
  initialSilenceMs: number;
  /** Speech heard from the first word on. */
  greetingMs: number;
  words: number;
  /** Audio analysed until the decision. */
  analysisMs: number;
}

/** How many times the noise floor a frame must exceed to be voice. */
const NOISE_FACTOR = 3;

export class AmdDetector {
  readonly #t: AmdThresholds;
  #elapsed = 0;
  #silenceRun = 0;
  #voiceRun = 0;
  #inWord = false;
  #words = 0;
  #greeting = 0;
  #firstWordAt: number | undefined;
  #floor = Infinity;
  #result: AmdResult | undefined;

  constructor(thresholds: Partial<AmdThresholds> = {}) {
    this.#t = { ...AMD_DEFAULTS, ...thresholds };
  }

  get result(): AmdResult | undefined {
    return this.#result;
  }

  /** One frame of 8 kHz samples; returns the decision once made (and ignores frames after it). */
  push(frame: Int16Array): AmdResult | undefined {
    if (this.#result || frame.length === 0) return this.#result;
    const ms = frame.length / 8;
    const level = meanAbs(frame);
    this.#elapsed += ms;
    if (isVoice(level, this.#t.silenceThreshold, this.#floor)) this.#voice(ms);
    else this.#silence(ms);
    this.#floor = nextFloor(this.#floor, level, this.#t.silenceThreshold);
    if (!this.#result && this.#elapsed >= this.#t.totalAnalysisMs)
      this.#decide('notsure', 'too_long');
    return this.#result;
  }

  /** Ends the analysis early (the call ended, or no audio came in time): notsure. */
  stop(reason: 'hangup' | 'too_long'): AmdResult {
    return this.#result ?? this.#decide('notsure', reason);
  }

  #voice(ms: number): void {
    this.#silenceRun = 0;
    this.#voiceRun += ms;
    if (this.#firstWordAt !== undefined) this.#greeting += ms;
    if (!this.#inWord && this.#voiceRun >= this.#t.minWordMs) {
      this.#inWord = true;
      this.#words++;
      if (this.#firstWordAt === undefined) {
        this.#firstWordAt = this.#elapsed - this.#voiceRun;
        this.#greeting = this.#voiceRun;
      }
    }
    if (this.#words >= this.#t.maxWords) this.#decide('machine', 'max_words');
    else if (this.#voiceRun >= this.#t.maxWordMs) this.#decide('machine', 'max_word_length');
    else if (this.#greeting >= this.#t.greetingMs) this.#decide('machine', 'long_greeting');
  }

  #silence(ms: number): void {
    this.#silenceRun += ms;
    if (this.#silenceRun >= this.#t.betweenWordsSilenceMs) {
      this.#inWord = false;
      this.#voiceRun = 0;
    }
    if (this.#words === 0) {
      if (this.#elapsed >= this.#t.initialSilenceMs) this.#decide('machine', 'initial_silence');
    } else if (this.#silenceRun >= this.#t.afterGreetingSilenceMs) {
      this.#decide('human', 'after_greeting_silence');
    }
  }

  #decide(decision: AmdDecision, reason: AmdReason): AmdResult {
    this.#result = {
      decision,
      reason,
      initialSilenceMs: Math.round(this.#firstWordAt ?? this.#elapsed),
      greetingMs: Math.round(this.#greeting),
      words: this.#words,
      analysisMs: Math.round(this.#elapsed),
    };
    return this.#result;
  }
}

/**
 * After a machine's greeting: resolves once `silenceMs` of silence follow the last voice (the
 * end of the greeting and its beep), so a message starts where the machine records.
 */
export class EndOfGreeting {
  readonly #silenceMs: number;
  readonly #threshold: number;
  #silenceRun = 0;
  #floor = Infinity;

  constructor(silenceMs: number, silenceThreshold = AMD_DEFAULTS.silenceThreshold) {
    this.#silenceMs = silenceMs;
    this.#threshold = silenceThreshold;
  }

  /** True once the greeting is over. */
  push(frame: Int16Array): boolean {
    if (frame.length === 0) return this.#silenceRun >= this.#silenceMs;
    const level = meanAbs(frame);
    if (isVoice(level, this.#threshold, this.#floor)) this.#silenceRun = 0;
    else this.#silenceRun += frame.length / 8;
    this.#floor = nextFloor(this.#floor, level, this.#threshold);
    return this.#silenceRun >= this.#silenceMs;
  }
}

/** The noise floor follows the quietest frames: it falls at once, rises slowly, stays under a cap. */
export function nextFloor(floor: number, level: number, threshold: number): number {
  const next = level < floor ? level : floor + (level - floor) * 0.002;
  return Math.min(next, threshold * 2);
}

export function isVoice(level: number, threshold: number, floor: number): boolean {
  return level > threshold && (!Number.isFinite(floor) || level > floor * NOISE_FACTOR);
}

export function meanAbs(frame: Int16Array): number {
  let sum = 0;
  for (const v of frame) sum += Math.abs(v);
  return frame.length ? sum / frame.length : 0;
}
