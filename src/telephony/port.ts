import type { ResultName } from '../domain/result-codes.ts';
import type { Amd } from '../domain/task-config.ts';

/**
 * The telephony port: the engine asks an adapter to place a call and hears back what happened.
 * Adapters: `sim` (a simulated carrier network on the scheduler's clock) and, later, `sip`.
 */
export interface CallRequest {
  /** The attempt id; adapters use it as their call id. */
  callId: string;
  from: string;
  to: string;
  /** Ring at most this long, then cancel with `ring_timeout`. */
  maxRingSec: number;
  /** What runs once the call connects: the flow document (empty: hold for the talk time). */
  flow?: Record<string, unknown>;
  callData?: unknown;
  /** The contact's attributes (encrypted ones left out): flow variables, after the call data. */
  attributes?: Record<string, unknown>;

  /** Answering machine detection after answer (the task's `strategy.amd`; `sip` only). */
  amd?: Amd | null | undefined;
}

export interface CallEnd {
  result: ResultName;
  at: Date;
  /** Digits the callee pressed, in order. */
  digits?: string;
  detail?: Record<string, unknown>;
}

export interface CallEvents {
  answered(at: Date): void | Promise<void>;
  ended(end: CallEnd): void | Promise<void>;
}

export interface Telephony {
  originate(req: CallRequest, events: CallEvents): void;
  /** Ends a call from our side (task suspended, shutdown). Ignored for unknown ids. */
  hangup(callId: string): void;
  close(): Promise<void>;
}
