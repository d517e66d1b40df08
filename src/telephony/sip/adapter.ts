import { join } from 'node:path';
import type { Logger } from '../../platform/logger.ts';
import type { Scheduler } from '../../platform/scheduler.ts';
import type { CallEnd, CallEvents, CallRequest, Telephony } from '../port.ts';
import { endAnswered } from './answered.ts';
import { sendBye, type CallContext, type SipCall } from './call.ts';
import { SIP_DEFAULTS, type SipConfig } from './config.ts';
import { CpsGate } from './cps-gate.ts';
import { handleInDialog } from './in-dialog.ts';
import { dial, giveUp, newCall } from './invite.ts';
import { Pacer } from './media/pacer.ts';
import { bindRtp } from './media/ports.ts';
import { PromptStore } from './media/prompts.ts';
import { PocketsphinxRecogniser } from './media/pocketsphinx.ts';
import type { Recogniser } from '../../ivr/recogniser.ts';
import { header, type SipRequest } from './message.ts';
import { sdpOffer } from './sdp.ts';
import { SipStack, type Endpoint } from './stack.ts';

export type { SipCall } from './call.ts';

/**
 * The `sip` adapter: each originate is an INVITE to the trunk over UDP or TCP (./invite.ts);
 * final responses map to result codes (./results.ts); an answered call runs its flow over RTP
 * (./answered.ts); the far end's requests are answered in ./in-dialog.ts. This class owns the
 * calls: it reports each call's end to the engine once and releases its resources.
 */
export interface SipTelephonyOptions {
  config: SipConfig;
  scheduler: Scheduler;
  logger?: Logger | undefined;
  /** For robot nodes. */
  fetch?: typeof fetch;
  pacer?: Pacer;
  /**
   * How speech robots hear (docs/robots.md, "Recogniser port"). Default: the embedded
   * pocketsphinx when installed; `null`: none (speech robots hear nothing).
   */
  recogniser?: Recogniser | null;
}

export class SipTelephony implements Telephony {
  readonly #c: SipConfig;
  readonly #sched: Scheduler;
  readonly #log: Logger | undefined;
  readonly stack: SipStack;
  readonly pacer: Pacer;
  readonly prompts: PromptStore;
  readonly #calls = new Map<string, SipCall>();
  readonly #bySipId = new Map<string, SipCall>();
  readonly #trunk: Endpoint;
  readonly #ctx: CallContext;
  readonly #gate: CpsGate | undefined;

  constructor(o: SipTelephonyOptions) {
    this.#c = o.config;
    this.#sched = o.scheduler;
    this.#log = o.logger;
    this.pacer = o.pacer ?? new Pacer();
    this.#trunk = { host: o.config.trunk.host, port: o.config.trunk.port ?? 5060 };
    this.prompts = promptStoreFor(o.config);
    const cps = o.config.trunk.maxCallsPerSec;
    this.#gate = cps ? new CpsGate(o.scheduler, cps) : undefined;
    this.stack = new SipStack({
      sched: o.scheduler,
      bindAddress: o.config.bind.address,
      bindPort: o.config.bind.port ?? 0,
      transport: o.config.trunk.transport ?? 'udp',
      ...(o.config.socketBufferBytes ? { socketBufferBytes: o.config.socketBufferBytes } : {}),
      ...o.config.timers,
      onRequest: (req, from) => this.#onRequest(req, from),
      onError: (err) => this.#log?.warn({ err }, 'sip socket error'),
      onConnectionLost: (dest, err) => this.#onConnectionLost(dest, err),
    });
    this.#ctx = {
      config: o.config,
      sched: o.scheduler,
      log: o.logger,
      stack: this.stack,
      trunk: this.#trunk,
      domain: o.config.domain ?? o.config.trunk.host,
      pacer: this.pacer,
      prompts: this.prompts,
      recogniser:
        o.recogniser === undefined ? defaultRecogniser(o.config) : (o.recogniser ?? undefined),
      fetch: o.fetch,
      report: (call, end) => this.#report(call, end),
      finish: (call, end) => this.#finish(call, end),
      drop: (call) => this.#drop(call),
    };
  }

  /** Binds the SIP socket (UDP) or listener (TCP); call before the first originate. */
  async start(): Promise<void> {
    await this.stack.start();
    const me = this.stack.local;
    // A trunk that is ourselves would answer our own INVITEs: refuse it instead of faking results.
    if (
      me.port === this.#trunk.port &&
      (me.host === this.#trunk.host || this.#trunk.host === 'localhost')
    ) {
      await this.stack.close();
      throw new Error(
        `sip trunk ${this.#trunk.host}:${this.#trunk.port} is this adapter's own address`,
      );
    }
  }

  get liveCalls(): number {
    return this.#calls.size;
  }

  /** Calls still known on the wire (reported ones included, until CANCEL/BYE settle). */
  get sipCalls(): number {
    return this.#bySipId.size;
  }

  originate(req: CallRequest, events: CallEvents): void {
    void this.#originate(req, events).catch((err: unknown) => {
      this.#log?.error({ err, callId: req.callId }, 'sip originate failed');
      const end: CallEnd = {
        result: 'system_error',
        at: this.#sched.now(),
        detail: { error: String(err) },
      };
      const call = this.#calls.get(req.callId);
      if (call) this.#finish(call, end);
      else void events.ended(end);
    });
  }

  async #originate(req: CallRequest, events: CallEvents): Promise<void> {
    const rtp = await bindRtp(this.#c.media);
    const call = newCall(this.#ctx, req, events, rtp);
    this.#calls.set(req.callId, call);
    this.#bySipId.set(call.dialog.callId, call);
    if (!this.#gate) return dial(this.#ctx, call);
    // Hung up while waiting for its slot: it never reaches the wire.
    this.#gate.enqueue(() =>
      call.cancelled || call.state === 'gone' ? this.#drop(call) : dial(this.#ctx, call),
    );
  }

  #onRequest(req: SipRequest, from: Endpoint): void {
    const call = this.#bySipId.get(header(req, 'call-id') ?? '');
    handleInDialog(req, from, call, {
      stack: this.stack,
      // The flow ends on its own and reports everything it collected (./answered.ts).
      onBye: (c) =>
        c.session && c.state === 'answered'
          ? endAnswered(this.#ctx, c)
          : this.#finish(c, {
              result: 'success',
              at: this.#sched.now(),
              detail: { ending: 'customer_hangup' },
            }),
      sdp: (c) =>
        sdpOffer({
          address: this.#c.media.advertise ?? this.#c.media.address,
          port: c.rtp.port,
          sessionId: 1,
        }),
    });
  }

  /**
   * TCP: the connection to the trunk dropped. Every call on it ends as `system_error` (its
   * signalling is gone; the next call opens a new connection). Answered calls get a BYE on the new
   * connection, best effort, so the callee is not left on a silent line if the trunk kept the call.
   */
  #onConnectionLost(dest: Endpoint, err: unknown): void {
    if (dest.host !== this.#trunk.host || dest.port !== this.#trunk.port) return;
    if (this.#bySipId.size) this.#log?.warn({ err, calls: this.#bySipId.size }, 'sip trunk lost');
    const error = `connection to the trunk lost${err ? `: ${String(err)}` : ''}`;
    for (const call of [...this.#bySipId.values()]) {
      if (!call.inviteTxn) continue; // still waiting for its slot (maxCallsPerSec): not sent yet
      if (call.state === 'answered' && call.session) {
        sendBye(this.#ctx, call);
        // Its flow ends now and reports what it collected, as system_error (./answered.ts).
        if (!call.reported) endAnswered(this.#ctx, call, { ending: 'transport_lost', error });
        else this.#drop(call);
        continue;
      }
      this.#finish(call, {
        result: 'system_error',
        at: this.#sched.now(),
        detail: { sip: 'transport', error },
      });
    }
  }

  hangup(callId: string): void {
    const call = this.#calls.get(callId);
    if (!call) return;
    if (call.state !== 'answered') return giveUp(this.#ctx, call, 'abandoned');
    // The flow stops and reports what it collected, `ending: engine_hangup` (./answered.ts).
    endAnswered(this.#ctx, call, { ending: 'engine_hangup' });
  }

  async close(): Promise<void> {
    for (const id of [...this.#calls.keys()]) this.hangup(id);
    // Answered calls report once their flow has stopped (at once, unless a robot turn is in
    // flight): wait for them, bounded, so a shutdown keeps what they collected.
    for (let i = 0; i < 100 && this.#calls.size > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    // Let CANCEL/BYE leave before the socket closes.
    await new Promise((r) => setTimeout(r, 20));
    for (const c of [...this.#bySipId.values()]) this.#drop(c);
    this.#gate?.clear();
    await this.stack.close();
  }

  #report(call: SipCall, end: CallEnd): void {
    if (call.reported) return;
    call.reported = true;
    if (call.amd) end = { ...end, detail: { ...end.detail, amd: call.amd } };
    this.#calls.delete(call.req.callId);
    void Promise.resolve(call.events.ended(end)).catch((err: unknown) =>
      this.#log?.error({ err }, 'call ended handler failed'),
    );
  }

  #finish(call: SipCall, end: CallEnd): void {
    this.#report(call, end);
    this.#drop(call);
  }

  #drop(call: SipCall): void {
    if (call.state === 'gone') return;
    call.state = 'gone';
    for (const t of call.timers) t.cancel();
    call.transfer?.resolve({ ok: false, detail: 'call ended' });
    call.inviteTxn?.cancel();
    this.#bySipId.delete(call.dialog.callId);
    const session = call.session;
    void (async () => {
      await session?.close();
      call.rtp.close();
    })();
    if (!call.reported)
      this.#report(call, {
        result: 'system_error',
        at: this.#sched.now(),
        detail: { error: 'call dropped' },
      });
  }
}

/** The prompt store of a sip configuration (the adapter's, and the API's at publish). */
/** pocketsphinx, when its Debian packages are installed; its grammars go with the prompt cache. */
export function defaultRecogniser(config: SipConfig): PocketsphinxRecogniser | undefined {
  if (!PocketsphinxRecogniser.available()) return undefined;
  const dir = config.promptCacheDir ?? SIP_DEFAULTS.promptCacheDir;
  return new PocketsphinxRecogniser({ grammarDir: join(dir, 'grammars') });
}

export function promptStoreFor(config: SipConfig): PromptStore {
  return new PromptStore({
    cacheDir: config.promptCacheDir ?? SIP_DEFAULTS.promptCacheDir,
    ...(config.promptBaseDir ? { baseDir: config.promptBaseDir } : {}),
  });
}
