import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultName } from '../../domain/result-codes.ts';
import { flowCallEnd, invalidFlowCallEnd } from '../../ivr/call-end.ts';
import { parseFlow } from '../../ivr/flow.ts';
import { runFlow } from '../../ivr/interpreter.ts';
import type { ResolvedTarget, TransferResult } from '../../ivr/media.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Scheduler, Timer } from '../../platform/scheduler.ts';
import type { CallEnd, CallEvents, CallRequest, Telephony } from '../port.ts';
import { SIP_DEFAULTS, type SipConfig } from './config.ts';
import { cancelFor, Dialog } from './dialog.ts';
import { authorize, parseChallenge } from './digest.ts';
import { Pacer } from './media/pacer.ts';
import { PromptStore } from './media/prompts.ts';
import { RtpSession } from './media/session.ts';
import { bindRtp, type RtpPorts } from './media/ports.ts';
import { header, parseCSeq, type SipRequest, type SipResponse } from './message.ts';
import { resultOfStatus } from './results.ts';
import { parseSdp, sdpOffer } from './sdp.ts';
import { newTag, SipStack, type Endpoint } from './stack.ts';
import { handleInDialog } from './in-dialog.ts';

/**
 * The `sip` adapter: each originate is an INVITE to the trunk. Final responses map to result codes
 * (./results.ts); `maxRingSec` without an answer CANCELs (ring_timeout, reported at once, the
 * INVITE transaction cleaned up behind it, with a guard if the CANCEL is never answered); a
 * challenge is answered once with the trunk credentials. An answered call runs its flow over RTP.
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
  /** We gave up before an answer: CANCEL once a provisional allows it; BYE a late 2xx. */
  cancelled: boolean;
  authTries: number;
  reported: boolean;
  timers: Timer[];
  rtp: RtpPorts;
  session?: RtpSession;
  transfer?: { resolve(r: TransferResult): void; timer?: Timer };
}

export interface SipTelephonyOptions {
  config: SipConfig;
  scheduler: Scheduler;
  logger?: Logger | undefined;
  /** For robot nodes. */
  fetch?: typeof fetch;
  pacer?: Pacer;
}

export class SipTelephony implements Telephony {
  readonly #c: SipConfig;
  readonly #sched: Scheduler;
  readonly #log: Logger | undefined;
  readonly #fetch: typeof fetch | undefined;
  readonly stack: SipStack;
  readonly pacer: Pacer;
  readonly prompts: PromptStore;
  readonly #calls = new Map<string, SipCall>();
  readonly #bySipId = new Map<string, SipCall>();
  readonly #trunk: Endpoint;
  readonly #domain: string;

  constructor(o: SipTelephonyOptions) {
    this.#c = o.config;
    this.#sched = o.scheduler;
    this.#log = o.logger;
    this.#fetch = o.fetch;
    this.pacer = o.pacer ?? new Pacer();
    this.#trunk = { host: o.config.trunk.host, port: o.config.trunk.port ?? 5060 };
    this.#domain = o.config.domain ?? o.config.trunk.host;
    this.prompts = new PromptStore({
      cacheDir: o.config.promptCacheDir ?? SIP_DEFAULTS.promptCacheDir,
      ...(o.config.promptBaseDir ? { baseDir: o.config.promptBaseDir } : {}),
    });
    this.stack = new SipStack({
      sched: o.scheduler,
      bindAddress: o.config.bind.address,
      bindPort: o.config.bind.port ?? 0,
      ...(o.config.socketBufferBytes ? { socketBufferBytes: o.config.socketBufferBytes } : {}),
      ...o.config.timers,
      onRequest: (req, from) => this.#onRequest(req, from),
      onError: (err) => this.#log?.warn({ err }, 'sip socket error'),
    });
  }

  /** Binds the SIP socket; call before the first originate. */
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
      const call = this.#calls.get(req.callId);
      if (call)
        this.#finish(call, {
          result: 'system_error',
          at: this.#sched.now(),
          detail: { error: String(err) },
        });
      else
        void events.ended({
          result: 'system_error',
          at: this.#sched.now(),
          detail: { error: String(err) },
        });
    });
  }

  async #originate(req: CallRequest, events: CallEvents): Promise<void> {
    const rtp = await bindRtp(this.#c.media);
    const user = (s: string) => (s ? encodeURIComponent(s).replace(/%2B/g, '+') : 'anonymous');
    const target = `sip:${user(req.to)}@${this.#domain}`;
    const fromUri = `sip:${user(req.from)}@${this.#domain}`;
    const dialog = new Dialog({
      callId: `${randomBytes(12).toString('hex')}@outbound`,
      localTag: newTag(),
      local: this.stack.local,
      from: fromUri,
      to: target,
      requestUri: target,
    });
    const sdp = sdpOffer({
      address: this.#c.media.advertise ?? this.#c.media.address,
      port: rtp.port,
      sessionId: Date.now() % 1e9,
    });
    const inviteExtra = this.#inviteHeaders(fromUri, req);
    const invite = dialog.request('INVITE', inviteExtra, sdp, 1);
    const call: SipCall = {
      req,
      events,
      dialog,
      invite,
      inviteExtra,
      state: 'calling',
      provisional: false,
      cancelled: false,
      authTries: 0,
      reported: false,
      timers: [],
      rtp,
    };
    this.#calls.set(req.callId, call);
    this.#bySipId.set(dialog.callId, call);
    // Our Timer C: no answer within maxRingSec → CANCEL (the engine's ring timeout).
    call.timers.push(this.#after(req.maxRingSec * 1000, () => this.#giveUp(call, 'ring_timeout')));
    this.#sendInvite(call);
  }

  #inviteHeaders(fromUri: string, req: CallRequest): [string, string][] {
    return [
      ['P-Asserted-Identity', `<${fromUri}>`],
      ['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER, INFO'],
      ['User-Agent', this.#c.userAgent ?? SIP_DEFAULTS.userAgent],
      ['X-Outbound-Call', req.callId],
      ['Content-Type', 'application/sdp'],
    ];
  }

  #sendInvite(call: SipCall): void {
    call.inviteTxn = this.stack.request(call.invite, this.#trunk, {
      provisional: (res) => this.#onProvisional(call, res),
      final: (res) => this.#onFinal(call, res),
      timeout: () =>
        this.#finish(call, {
          result: 'system_error',
          at: this.#sched.now(),
          detail: { sip: 'timeout', error: 'no response from the trunk (Timer B)' },
        }),
    });
  }

  #onProvisional(call: SipCall, res: SipResponse): void {
    if (res.status === 100) return;
    call.provisional = true;
    if (call.state === 'calling') call.state = 'ringing';
    if (call.cancelled) this.#sendCancel(call);
  }

  #onFinal(call: SipCall, res: SipResponse): void {
    if (res.status >= 200 && res.status < 300) return this.#onAnswer(call, res);
    if (
      (res.status === 401 || res.status === 407) &&
      this.#c.credentials &&
      call.authTries === 0 &&
      !call.cancelled
    ) {
      call.authTries++;
      const name = res.status === 401 ? 'www-authenticate' : 'proxy-authenticate';
      const challenge = header(res, name);
      if (challenge) {
        const auth = authorize(parseChallenge(challenge), {
          ...this.#c.credentials,
          method: 'INVITE',
          uri: call.invite.uri,
        });
        // Same Call-ID and From tag, next CSeq, new branch (§22.2).
        call.invite = call.dialog.request(
          'INVITE',
          [
            ...call.inviteExtra,
            [res.status === 401 ? 'Authorization' : 'Proxy-Authorization', auth],
          ],
          call.invite.body,
        );
        return this.#sendInvite(call);
      }
    }
    if (call.cancelled) return this.#drop(call);
    const result: ResultName =
      res.status === 401 || res.status === 407 ? 'system_error' : resultOfStatus(res.status);
    this.#finish(call, {
      result,
      at: this.#sched.now(),
      detail: {
        sip: res.status,
        reason: res.reason,
        ...(call.authTries && (res.status === 401 || res.status === 407)
          ? { error: 'authentication failed' }
          : {}),
      },
    });
  }

  #onAnswer(call: SipCall, res: SipResponse): void {
    if (call.dialog.ack) {
      // A retransmitted 2xx: our ACK was lost.
      this.stack.send(call.dialog.ack, this.#trunk);
      return;
    }
    call.dialog.confirm(res);
    call.dialog.ack = call.dialog.request(
      'ACK',
      [],
      undefined,
      parseCSeq(header(call.invite, 'cseq')).seq,
    );
    this.stack.send(call.dialog.ack, this.#trunk);
    if (call.cancelled || call.state === 'gone') {
      // Answered as we gave up: the call is already reported; end it on the wire too.
      this.#sendBye(call);
      return this.#drop(call);
    }
    call.state = 'answered';
    for (const t of call.timers) t.cancel();
    call.timers = [];
    const sdp = parseSdp(res.body);
    const at = this.#sched.now();
    const flow = parseFlow(call.req.flow);
    const recordPath = flow.kind === 'flow' && flow.doc.record ? this.#recordPath(call) : undefined;
    const session = new RtpSession({
      socket: call.rtp.socket,
      remote: sdp ? { host: sdp.address, port: sdp.port } : undefined,
      dtmfPt: sdp?.dtmfPt,
      pacer: this.pacer,
      prompts: this.prompts,
      sched: this.#sched,
      recordPath,
      signal: { hangup: () => this.#sendBye(call), transfer: (t) => this.#transfer(call, t) },
    });
    call.session = session;
    void (async () => {
      await call.events.answered(at);
      if (call.state !== 'answered') return;
      if (flow.kind === 'empty') return this.#hold(call, session);
      if (flow.kind === 'invalid') {
        await session.hangup();
        return this.#finish(call, invalidFlowCallEnd(flow.errors, at));
      }
      const limit =
        (flow.doc.maxDurationSec ?? this.#c.maxCallSec ?? SIP_DEFAULTS.maxCallSec) * 1000;
      call.timers.push(this.#after(limit, () => void session.hangup()));
      const recording = flow.doc.record ? session.startRecording() : undefined;
      const outcome = await runFlow(flow.doc, {
        session,
        callId: call.req.callId,
        from: call.req.from,
        to: call.req.to,
        callData: call.req.callData,
        ...(this.#fetch ? { fetch: this.#fetch } : {}),
      });
      const end = flowCallEnd(outcome, this.#sched.now(), { recording });
      if (session.errors.length) end.detail = { ...end.detail, mediaErrors: session.errors };
      this.#finish(call, end);
    })().catch((err: unknown) => {
      this.#log?.error({ err, callId: call.req.callId }, 'sip flow failed');
      this.#sendBye(call);
      this.#finish(call, {
        result: 'success',
        at: this.#sched.now(),
        detail: { ending: 'error', error: String(err) },
      });
    });
  }

  /** The empty flow: hold until the callee hangs up, or holdSec / maxCallSec pass. */
  async #hold(call: SipCall, session: RtpSession): Promise<void> {
    const sec = this.#c.holdSec ?? this.#c.maxCallSec ?? SIP_DEFAULTS.maxCallSec;
    await session.wait(sec * 1000);
    const byCallee = session.hungUp;
    if (!byCallee) await session.hangup();
    this.#finish(call, {
      result: 'success',
      at: this.#sched.now(),
      detail: { ending: byCallee ? 'customer_hangup' : 'flow_end' },
    });
  }

  #recordPath(call: SipCall): string {
    const dir = join(
      this.#c.recordingsDir ?? SIP_DEFAULTS.recordingsDir,
      this.#sched.now().toISOString().slice(0, 10),
    );
    mkdirSync(dir, { recursive: true });
    return join(dir, `${call.req.callId.replace(/[^A-Za-z0-9_.-]/g, '_')}.wav`);
  }

  #transfer(call: SipCall, t: ResolvedTarget): Promise<TransferResult> {
    const uri =
      'skillQueue' in t
        ? (this.#c.skillQueueUri ?? `sip:{queue}@${this.#domain}`).replace(
            '{queue}',
            encodeURIComponent(t.skillQueue),
          )
        : `sip:${encodeURIComponent(t.number).replace(/%2B/g, '+')}@${this.#domain}`;
    return new Promise((resolve) => {
      const settle = (r: TransferResult) => {
        if (!call.transfer) return;
        call.transfer.timer?.cancel();
        call.transfer = undefined;
        if (r.ok) this.#sendBye(call);
        resolve(r);
      };
      call.transfer = { resolve: settle };
      const refer = call.dialog.request('REFER', [
        ['Refer-To', `<${uri}>`],
        ['Referred-By', `<${call.dialog.fromValue.slice(1, call.dialog.fromValue.indexOf('>'))}>`],
      ]);
      this.stack.request(refer, this.#trunk, {
        final: (res) => {
          if (res.status >= 300)
            return settle({ ok: false, detail: `REFER ${res.status} ${res.reason}` });
          // Accepted: the NOTIFY with the transfer's final status settles it (./in-dialog.ts).
          if (call.transfer)
            call.transfer.timer = this.#after(
              (this.#c.transferWaitSec ?? SIP_DEFAULTS.transferWaitSec) * 1000,
              () => settle({ ok: true, detail: `REFER ${res.status} (no final NOTIFY)` }),
            );
        },
        timeout: () => settle({ ok: false, detail: 'REFER timed out' }),
      });
    });
  }

  #sendCancel(call: SipCall): void {
    if (!call.provisional || call.state === 'answered') return;
    this.stack.request(cancelFor(call.invite), this.#trunk, {
      final: () => undefined,
      timeout: () => undefined,
    });
    // The CANCEL guard: a peer that never answers the INVITE after our CANCEL would leave the
    // transaction in Proceeding forever (it has no Timer B there).
    call.timers.push(this.#after(64 * this.stack.t1, () => this.#drop(call)));
  }

  #giveUp(call: SipCall, result: ResultName): void {
    if (call.state === 'answered' || call.state === 'gone' || call.cancelled) return;
    call.cancelled = true;
    this.#report(call, {
      result,
      at: this.#sched.now(),
      detail: { sip: call.provisional ? 'cancelled' : 'no provisional response' },
    });
    if (call.provisional) this.#sendCancel(call);
    // Without a provisional, RFC 3261 §9.1 forbids CANCEL: wait for one, or for Timer B.
  }

  #sendBye(call: SipCall): void {
    if (!call.dialog.ack || (call as { byeSent?: boolean }).byeSent) return;
    (call as { byeSent?: boolean }).byeSent = true;
    this.stack.request(
      call.dialog.request('BYE', [['User-Agent', this.#c.userAgent ?? SIP_DEFAULTS.userAgent]]),
      this.#trunk,
      { final: () => undefined, timeout: () => undefined },
    );
  }

  #onRequest(req: SipRequest, from: Endpoint): void {
    const call = this.#bySipId.get(header(req, 'call-id') ?? '');
    handleInDialog(req, from, call, {
      stack: this.stack,
      onBye: (c) =>
        c.session?.remoteHangup() ??
        this.#finish(c, {
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

  hangup(callId: string): void {
    const call = this.#calls.get(callId);
    if (!call) return;
    if (call.state !== 'answered') return this.#giveUp(call, 'abandoned');
    this.#report(call, {
      result: 'success',
      at: this.#sched.now(),
      detail: { ending: 'engine_hangup' },
    });
    void call.session?.hangup();
  }

  async close(): Promise<void> {
    for (const id of [...this.#calls.keys()]) this.hangup(id);
    // Let CANCEL/BYE leave before the socket closes.
    await new Promise((r) => setTimeout(r, 20));
    for (const c of [...this.#bySipId.values()]) this.#drop(c);
    await this.stack.close();
  }

  /** Reports the call's end to the engine once; the SIP call may live on (CANCEL, BYE). */
  #report(call: SipCall, end: CallEnd): void {
    if (call.reported) return;
    call.reported = true;
    this.#calls.delete(call.req.callId);
    void Promise.resolve(call.events.ended(end)).catch((err: unknown) =>
      this.#log?.error({ err }, 'call ended handler failed'),
    );
  }

  /** Reports and releases everything of the call. */
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

  #after(ms: number, fn: () => void): Timer {
    return this.#sched.at(this.#sched.now().getTime() + ms, fn);
  }
}
