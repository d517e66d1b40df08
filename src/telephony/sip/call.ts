import type { TransferResult } from '../../ivr/media.ts';
import type { AmdDetail } from './amd-call.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Scheduler, Timer } from '../../platform/scheduler.ts';
import type { CallEnd, CallEvents, CallRequest } from '../port.ts';
import { SIP_DEFAULTS, type SipConfig } from './config.ts';
import type { Dialog } from './dialog.ts';
import type { Pacer } from './media/pacer.ts';
import type { RtpPorts } from './media/ports.ts';
import type { Recogniser } from '../../ivr/recogniser.ts';
import type { PromptStore } from './media/prompts.ts';
import type { RtpSession } from './media/session.ts';
import type { SipRequest } from './message.ts';
import type { Endpoint, SipStack } from './stack.ts';

/**
 * One call of the sip adapter, and what the modules driving it (./invite.ts before the answer,
 * ./answered.ts after it, ./in-dialog.ts for the far end's requests) share: the adapter's
 * configuration and the three ways a call ends (./adapter.ts owns the call tables).
 */
export interface SipCall {
  req: CallRequest;
  events: CallEvents;
  dialog: Dialog;
  invite: SipRequest;
  /** INVITE headers beyond the dialog's own, kept to re-send with credentials. */
  inviteExtra: [string, string][];
  inviteTxn?: { cancel(): void };
  state: 'calling' | 'ringing' | 'answered' | 'gone';
  provisional: boolean;
  /** Any response came (a 100 too): the trunk is alive, even if the callee never rings. */
  responded: boolean;
  /** We gave up before an answer: CANCEL once a provisional allows it; BYE a late 2xx. */
  cancelled: boolean;
  authTries: number;
  reported: boolean;
  byeSent: boolean;
  timers: Timer[];
  rtp: RtpPorts;
  session?: RtpSession;
  /** A REFER in progress; `accepted` once the trunk answered it 2xx (waiting for the NOTIFY). */
  transfer?: { resolve(r: TransferResult): void; timer?: Timer; accepted?: boolean };
  /**
   * Why an answered call is ending, when not by its flow or the callee: the engine hung it up,
   * or the connection to the trunk dropped. The flow still finishes and its outcome is kept;
   * this only says how the call ended (./answered.ts).
   */
  endCause?: { ending: 'engine_hangup' } | { ending: 'transport_lost'; error: string };
  /** The answering machine detection's decision: every end of the call carries it as `detail.amd`. */
  amd?: AmdDetail;
}

export interface CallContext {
  config: SipConfig;
  sched: Scheduler;
  log: Logger | undefined;
  stack: SipStack;
  trunk: Endpoint;
  /** Host part of our From/To/Request-URI. */
  domain: string;
  pacer: Pacer;
  prompts: PromptStore;
  /** Speech robots' recogniser (default: pocketsphinx when installed). */
  recogniser: Recogniser | undefined;
  fetch: typeof fetch | undefined;
  /** Tells the engine how the call ended, once; the SIP call may live on (CANCEL, BYE). */
  report(call: SipCall, end: CallEnd): void;
  /** Reports (if not yet) and releases everything of the call. */
  finish(call: SipCall, end: CallEnd): void;
  /** Releases the call; reports `system_error` if it was never reported. */
  drop(call: SipCall): void;
}

export function after(ctx: CallContext, ms: number, fn: () => void): Timer {
  return ctx.sched.at(ctx.sched.now().getTime() + ms, fn);
}

/** Ends an answered call from our side (once). */
export function sendBye(ctx: CallContext, call: SipCall): void {
  if (!call.dialog.ack || call.byeSent) return;
  call.byeSent = true;
  ctx.stack.request(
    call.dialog.request('BYE', [['User-Agent', ctx.config.userAgent ?? SIP_DEFAULTS.userAgent]]),
    ctx.trunk,
    { final: () => undefined, timeout: () => undefined, transportError: () => undefined },
  );
}

/** A number as the user part of a SIP URI (`+` kept readable). */
export function sipUser(s: string): string {
  return s ? encodeURIComponent(s).replace(/%2B/g, '+') : 'anonymous';
}
