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
  /** Where the received audio is recorded, when the flow asks for it and the adapter can. */
  startRecording?(): string | undefined;
}
