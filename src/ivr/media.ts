import type { Prompt, TransferTarget } from './flow.ts';

/**
 * What the flow interpreter needs from a connected call. Each adapter provides one: the sim (on
 * the scheduler's clock) and the sip adapter (RTP). Every operation resolves early, without
 * throwing, when the callee hangs up; `hungUp` tells the interpreter to stop.
 *
 * Digits are buffered from the moment the call connects: a digit pressed during a prompt stops
 * it when barge-in is on (the digit is kept for the next collect), and typed-ahead digits count.
 */
export interface PlayResult {
  /** The prompt stopped early because a digit arrived. */
  interrupted: boolean;
}

export interface CollectOptions {
  max: number;
  /** Time for the first digit, counted after the prompt ends. */
  timeoutMs: number;
  /** Time between digits (default: timeoutMs). */
  interDigitMs?: number | undefined;
  terminator?: string | undefined;
}

export type CollectEnd = 'max' | 'terminator' | 'timeout' | 'hangup';

export interface CollectResult {
  /** Digits without the terminator. */
  digits: string;
  reason: CollectEnd;
}

export interface TransferResult {
  ok: boolean;
  /** What the far end said (e.g. `202 Accepted`, `sim`). */
  detail: string;
}

export interface ListenOptions {
  /** Played first; the customer may speak over it (barge-in stops it when `bargeIn`). */
  prompt?: Prompt | undefined;
  bargeIn: boolean;
  /** Every phrase the dialogue listens for (normalised): the recogniser's grammar. */
  phrases: readonly string[];
  /** Silence before giving up (no input), counted after the prompt ends. */
  timeoutMs: number;
  /** Speech longer than this is cut and recognised as it is. */
  maxSpeechMs: number;
}

export interface Heard {
  /** `speech`: the customer said something (the transcript may still be empty). */
  kind: 'speech' | 'silence' | 'hangup';
  transcript: string;
  confidence: number | null;
  /** The customer spoke over the prompt and stopped it. */
  bargedIn: boolean;
  /** From the end of the customer's speech to the transcript (sip), in ms. */
  recogniseMs?: number;
  /** The recogniser failed (its error; the turn counts as no-match). */
  error?: string;
}

/** A transfer target after `${var}` substitution. */
export type ResolvedTarget = TransferTarget;

export interface MediaSession {
  readonly hungUp: boolean;
  play(prompt: Prompt, opts: { bargeIn: boolean }): Promise<PlayResult>;
  collect(opts: CollectOptions): Promise<CollectResult>;
  /** Waits `ms`, or less if the callee hangs up. */
  wait(ms: number): Promise<void>;
  transfer(target: ResolvedTarget): Promise<TransferResult>;
  /** Ends the call from our side; idempotent. */
  hangup(): Promise<void>;
  /**
   * Speech robots: plays the prompt and listens for the customer's words (sip: the recogniser on
   * the call's audio; sim: the callee's scripted utterances). Absent: the adapter cannot listen.
   */
  hear?(o: ListenOptions): Promise<Heard>;
  /** Where the received audio is recorded, when the flow asks for it and the adapter can. */
  startRecording?(): string | undefined;
}
