import type { Socket } from 'node:dgram';
import type { AttemptRecording } from '../../../ivr/call-end.ts';
import type { Prompt } from '../../../ivr/flow.ts';
import type {
  CollectOptions,
  CollectResult,
  Heard,
  ListenOptions,
  MediaSession,
  PlayResult,
  ResolvedTarget,
  TransferResult,
} from '../../../ivr/media.ts';
import type { Scheduler, Timer } from '../../../platform/scheduler.ts';
import type { Recogniser } from '../../../ivr/recogniser.ts';
import { DtmfDecoder } from './dtmf.ts';
import { hear, type HearTuning } from './hear.ts';
import { decode, encode } from './mulaw.ts';
import { FRAME_MS, type Pacer } from './pacer.ts';
import type { PromptStore } from './prompts.ts';
import { parseRtp, serializeRtp } from './rtp.ts';
import { CUSTOMER, OUTBOUND, StereoRecorder } from './recorder.ts';

/**
 * The media session of one answered SIP call: PCMU RTP out for the whole call, paced by the
 * shared pacer — the current prompt, or silence between prompts, so peers with RTP inactivity
 * timers keep the call and NATs keep their mapping; RFC 4733 digits in (SIP INFO digits too, via
 * `digit`); both directions to a stereo WAV when recording. Symmetric RTP: we send to the address
 * the peer's RTP actually comes from (latched on its first packet; the SDP address until then)
 * and ignore packets from anywhere else afterwards. Signalling (BYE, REFER) stays with the
 * adapter, reached through `signal`.
 */
export const SAMPLES_PER_FRAME = (8000 * FRAME_MS) / 1000;
const SILENCE = new Int16Array(SAMPLES_PER_FRAME);
const SILENCE_PCMU = encode(SILENCE);

export interface RtpSessionOptions {
  socket: Socket;
  remote: { host: string; port: number } | undefined;
  dtmfPt: number | undefined;
  pacer: Pacer;
  prompts: PromptStore;
  sched: Scheduler;
  signal: { hangup(): void; transfer(t: ResolvedTarget): Promise<TransferResult> };
  recordPath?: string | undefined;
  /** Speech robots: the recogniser, and how speech is told from silence. */
  recogniser?: Recogniser | undefined;
  hearing?: Partial<HearTuning> | undefined;
}

export class RtpSession implements MediaSession {
  readonly #o: RtpSessionOptions;
  readonly #dtmf = new DtmfDecoder();
  readonly #ssrc = (Math.random() * 2 ** 32) >>> 0;
  #ts = (Math.random() * 2 ** 32) >>> 0;
  #seq = (Math.random() * 65536) >>> 0;
  #marker = true;
  #remote: { host: string; port: number } | undefined;
  #latched = false;
  #buffer = '';
  #hungUp = false;
  #onDigit: (() => void) | undefined;
  #onHangup: (() => void) | undefined;
  #recorder: StereoRecorder | undefined;
  #listener: ((pcm: Int16Array) => void) | undefined;
  /** The prompt being played; silence goes out when there is none. */
  #current: { samples: Int16Array; i: number; done(interrupted: boolean): void } | undefined;
  readonly #stream = { frame: (): boolean => this.#frame() };
  /** Prompts that could not be played (missing file, TTS failure), for the call's detail. */
  readonly errors: string[] = [];
  packetsIn = 0;
  packetsOut = 0;

  constructor(o: RtpSessionOptions) {
    this.#o = o;
    this.#remote = o.remote;
    o.socket.on('message', (buf, rinfo) => this.#receive(buf, rinfo));
    o.pacer.add(this.#stream);
  }

  /** Where our RTP goes: the SDP's address, then the one the peer's RTP comes from. */
  get remote(): { host: string; port: number } | undefined {
    return this.#remote;
  }

  /**
   * The peer's new SDP (a re-INVITE moving the media, e.g. a PBX leaving the media path): send
   * there, and latch again on the first packet, from wherever it comes.
   */
  updateRemote(remote: { host: string; port: number }): void {
    if (remote.host === this.#remote?.host && remote.port === this.#remote.port) return;
    this.#remote = remote;
    this.#latched = false;
  }

  get hungUp(): boolean {
    return this.#hungUp;
  }

  get recordingPath(): string | undefined {
    return this.#recorder?.path;
  }

  startRecording(): string | undefined {
    if (!this.#recorder && this.#o.recordPath)
      this.#recorder = new StereoRecorder(this.#o.recordPath);
    return this.#recorder?.path;
  }

  /** Closes the recording, if any, and tells its file and length. Idempotent. */
  async stopRecording(): Promise<AttemptRecording | undefined> {
    const r = this.#recorder;
    if (!r) return undefined;
    await r.close().catch(() => undefined);
    return { file: r.path, durationSec: r.durationSec };
  }

  /** The customer's audio, decoded, packet by packet (answering machine detection); one listener. */
  listen(fn: ((pcm: Int16Array) => void) | undefined): void {
    this.#listener = fn;
  }

  /** A digit from outside RTP (SIP INFO). */
  digit(d: string): void {
    this.#buffer += d;
    this.#onDigit?.();
  }

  /** The callee hung up (BYE): everything waiting resolves. */
  remoteHangup(): void {
    if (this.#hungUp) return;
    this.#hungUp = true;
    this.#onHangup?.();
  }

  async close(): Promise<void> {
    this.remoteHangup();
    this.#o.pacer.remove(this.#stream);
    await this.#recorder?.close().catch(() => undefined);
  }

  async play(prompt: Prompt, opts: { bargeIn: boolean }): Promise<PlayResult> {
    if (this.#hungUp) return { interrupted: false };
    if (opts.bargeIn && this.#buffer) return { interrupted: true };
    let samples: Int16Array;
    try {
      samples = await this.#o.prompts.load(prompt);
    } catch (err) {
      this.errors.push(
        `prompt ${'file' in prompt ? prompt.file : JSON.stringify(prompt.text.slice(0, 40))}: ${err instanceof Error ? err.message : String(err)}`,
      );
      return { interrupted: false };
    }
    if (this.#hungUp) return { interrupted: false };
    if (opts.bargeIn && this.#buffer) return { interrupted: true };
    return new Promise((resolve) => {
      let stopped = false;
      const done = (interrupted: boolean) => {
        if (stopped) return;
        stopped = true;
        if (this.#current === current) this.#current = undefined;
        this.#onDigit = undefined;
        this.#onHangup = undefined;
        resolve({ interrupted });
      };
      const current = { samples, i: 0, done };
      this.#current = current;
      if (opts.bargeIn) this.#onDigit = () => done(true);
      this.#onHangup = () => done(false);
    });
  }

  /** Stops the prompt being played (a speech barge-in); its `play` resolves as interrupted. */
  stopPrompt(): void {
    this.#current?.done(true);
  }

  hear(o: ListenOptions): Promise<Heard> {
    return hear(this, this.#o.sched, this.#o.recogniser, o, this.#o.hearing);
  }

  collect(o: CollectOptions): Promise<CollectResult> {
    let got = '';
    const take = (): CollectResult['reason'] | undefined => {
      while (this.#buffer) {
        const k = this.#buffer[0]!;
        this.#buffer = this.#buffer.slice(1);
        if (o.terminator && k === o.terminator) return 'terminator';
        got += k;
        if (got.length >= o.max) return 'max';
      }
      return undefined;
    };
    const early = take();
    if (early) return Promise.resolve({ digits: got, reason: early });
    if (this.#hungUp) return Promise.resolve({ digits: got, reason: 'hangup' });
    return new Promise((resolve) => {
      let timer: Timer | undefined;
      const finish = (reason: CollectResult['reason']) => {
        timer?.cancel();
        this.#onDigit = undefined;
        this.#onHangup = undefined;
        resolve({ digits: got, reason });
      };
      const arm = () => {
        timer?.cancel();
        const ms = got ? (o.interDigitMs ?? o.timeoutMs) : o.timeoutMs;
        timer = this.#o.sched.at(this.#o.sched.now().getTime() + ms, () => finish('timeout'));
      };
      this.#onDigit = () => {
        const r = take();
        if (r) finish(r);
        else arm();
      };
      this.#onHangup = () => finish('hangup');
      arm();
    });
  }

  wait(ms: number): Promise<void> {
    if (this.#hungUp) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.#o.sched.at(this.#o.sched.now().getTime() + ms, () => {
        this.#onHangup = undefined;
        resolve();
      });
      this.#onHangup = () => {
        timer.cancel();
        resolve();
      };
    });
  }

  transfer(target: ResolvedTarget): Promise<TransferResult> {
    if (this.#hungUp) return Promise.resolve({ ok: false, detail: 'call ended' });
    return this.#o.signal.transfer(target);
  }

  hangup(): Promise<void> {
    if (!this.#hungUp) {
      this.#hungUp = true;
      this.#onHangup?.();
      this.#o.signal.hangup();
    }
    return Promise.resolve();
  }

  /** One 20 ms frame out: the prompt's next one, or silence; false once the call is over. */
  #frame(): boolean {
    if (this.#hungUp) {
      this.#current?.done(false);
      return false;
    }
    const cur = this.#current;
    let pcm = SILENCE;
    let payload = SILENCE_PCMU;
    if (cur) {
      pcm = new Int16Array(SAMPLES_PER_FRAME);
      pcm.set(cur.samples.subarray(cur.i, cur.i + SAMPLES_PER_FRAME));
      payload = encode(pcm);
      cur.i += SAMPLES_PER_FRAME;
      if (cur.i >= cur.samples.length) cur.done(false);
    }
    this.#send(this.#ts, this.#marker, payload);
    this.#recorder?.write(OUTBOUND, this.#ts, pcm);
    this.#marker = false;
    this.#ts = (this.#ts + SAMPLES_PER_FRAME) >>> 0;
    return true;
  }

  #send(ts: number, marker: boolean, payload: Buffer): void {
    const r = this.#remote;
    if (!r) return;
    this.#seq = (this.#seq + 1) & 0xffff;
    this.packetsOut++;
    this.#o.socket.send(
      serializeRtp({
        marker,
        payloadType: 0,
        seq: this.#seq,
        timestamp: ts,
        ssrc: this.#ssrc,
        payload,
      }),
      r.port,
      r.host,
    );
  }

  #receive(buf: Buffer, from: { address: string; port: number }): void {
    const p = parseRtp(buf);
    if (!p) return;
    if (!this.#latched) {
      this.#latched = true;
      this.#remote = { host: from.address, port: from.port };
    } else if (from.address !== this.#remote!.host || from.port !== this.#remote!.port) return;
    this.packetsIn++;
    if (p.payloadType === (this.#o.dtmfPt ?? 101)) {
      const d = this.#dtmf.push(p);
      if (d) this.digit(d);
    } else if (p.payloadType === 0 && (this.#recorder || this.#listener)) {
      const pcm = decode(p.payload);
      this.#recorder?.write(CUSTOMER, p.timestamp, pcm);
      this.#listener?.(pcm);
    }
  }
}
