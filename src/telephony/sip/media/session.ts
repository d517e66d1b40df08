import type { Socket } from 'node:dgram';
import type { Prompt } from '../../../ivr/flow.ts';
import type {
  CollectOptions,
  CollectResult,
  MediaSession,
  PlayResult,
  ResolvedTarget,
  TransferResult,
} from '../../../ivr/media.ts';
import type { Scheduler, Timer } from '../../../platform/scheduler.ts';
import { DtmfDecoder } from './dtmf.ts';
import { decode, encode } from './mulaw.ts';
import { FRAME_MS, monotonicMs, type Pacer } from './pacer.ts';
import type { PromptStore } from './prompts.ts';
import { parseRtp, serializeRtp } from './rtp.ts';
import { WavRecorder } from './wav.ts';

/**
 * The media session of one answered SIP call: prompts out as PCMU RTP paced by the shared pacer,
 * RFC 4733 digits in (SIP INFO digits too, via `digit`), received audio to WAV when recording.
 * Signalling (BYE, REFER) stays with the adapter, reached through `signal`.
 */
export const SAMPLES_PER_FRAME = (8000 * FRAME_MS) / 1000;

export interface RtpSessionOptions {
  socket: Socket;
  remote: { host: string; port: number } | undefined;
  dtmfPt: number | undefined;
  pacer: Pacer;
  prompts: PromptStore;
  sched: Scheduler;
  signal: { hangup(): void; transfer(t: ResolvedTarget): Promise<TransferResult> };
  recordPath?: string | undefined;
}

export class RtpSession implements MediaSession {
  readonly #o: RtpSessionOptions;
  readonly #dtmf = new DtmfDecoder();
  readonly #ssrc = (Math.random() * 2 ** 32) >>> 0;
  readonly #t0 = monotonicMs();
  readonly #ts0 = (Math.random() * 2 ** 32) >>> 0;
  #seq = (Math.random() * 65536) >>> 0;
  #buffer = '';
  #hungUp = false;
  #onDigit: (() => void) | undefined;
  #onHangup: (() => void) | undefined;
  #recorder: WavRecorder | undefined;
  /** Prompts that could not be played (missing file, TTS failure), for the call's detail. */
  readonly errors: string[] = [];
  packetsIn = 0;
  packetsOut = 0;

  constructor(o: RtpSessionOptions) {
    this.#o = o;
    o.socket.on('message', (buf) => this.#receive(buf));
  }

  get hungUp(): boolean {
    return this.#hungUp;
  }

  get recordingPath(): string | undefined {
    return this.#recorder?.path;
  }

  startRecording(): string | undefined {
    if (!this.#recorder && this.#o.recordPath) this.#recorder = new WavRecorder(this.#o.recordPath);
    return this.#recorder?.path;
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
      let i = 0;
      let stopped = false;
      // The RTP clock follows real time across silences between prompts (RFC 3550 §5.1).
      let ts = (this.#ts0 + Math.round((monotonicMs() - this.#t0) * 8)) >>> 0;
      let marker = true;
      const done = (interrupted: boolean) => {
        if (stopped) return;
        stopped = true;
        this.#o.pacer.remove(stream);
        this.#onDigit = undefined;
        this.#onHangup = undefined;
        resolve({ interrupted });
      };
      const stream = {
        frame: (): boolean => {
          if (stopped) return false;
          if (i >= samples.length) {
            done(false);
            return false;
          }
          const chunk = new Int16Array(SAMPLES_PER_FRAME);
          chunk.set(samples.subarray(i, i + SAMPLES_PER_FRAME));
          this.#send(ts, marker, encode(chunk));
          marker = false;
          ts = (ts + SAMPLES_PER_FRAME) >>> 0;
          i += SAMPLES_PER_FRAME;
          return true;
        },
      };
      if (opts.bargeIn) this.#onDigit = () => done(true);
      this.#onHangup = () => done(false);
      this.#o.pacer.add(stream);
    });
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

  #send(ts: number, marker: boolean, payload: Buffer): void {
    const r = this.#o.remote;
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

  #receive(buf: Buffer): void {
    const p = parseRtp(buf);
    if (!p) return;
    this.packetsIn++;
    if (p.payloadType === (this.#o.dtmfPt ?? 101)) {
      const d = this.#dtmf.push(p);
      if (d) this.digit(d);
    } else if (p.payloadType === 0 && this.#recorder) {
      this.#recorder.write(p.timestamp, decode(p.payload));
    }
  }
}
