import { open, type FileHandle } from 'node:fs/promises';
import { monotonicMs } from './pacer.ts';

/**
 * A call's recording as it happens: a stereo 8 kHz 16-bit WAV, the customer (what we receive)
 * on the left, Outbound (what we send) on the right, on one timeline that starts with the
 * recording and follows the monotonic clock — so the file lasts as long as the call did, and
 * silence (nothing received, a lost packet) stays silence at its place.
 *
 * Each channel's audio is placed by its RTP timestamp, anchored to the clock at its first packet
 * (and again after a jump of more than a second: a new SSRC, a re-INVITE). Audio is kept in
 * one-second blocks and written once it is two seconds old, so a late packet still lands; one
 * older than that is dropped. Memory per call: about three blocks (96 KB).
 */
export const CUSTOMER = 0;
export const OUTBOUND = 1;
const RATE = 8000;
const BLOCK = RATE; // samples per channel in a block (1 s)
const KEEP_BLOCKS = 2;

export class StereoRecorder {
  readonly path: string;
  readonly #now: () => number;
  readonly #t0: number;
  readonly #fh: Promise<FileHandle>;
  readonly #blocks = new Map<number, Int16Array>();
  readonly #anchor: [number | undefined, number | undefined] = [undefined, undefined];
  #flushed = 0; // blocks before this one are on disk
  #chain: Promise<unknown> = Promise.resolve();
  #samples: number | undefined;
  #closed: Promise<void> | undefined;

  constructor(path: string, now: () => number = monotonicMs) {
    this.path = path;
    this.#now = now;
    this.#t0 = now();
    this.#fh = open(path, 'w').then(async (fh) => {
      await fh.write(stereoWavHeader(0), 0, 44, 0);
      return fh;
    });
    this.#fh.catch(() => undefined);
  }

  /** Samples per channel since the recording started. */
  elapsed(): number {
    return Math.floor(((this.#now() - this.#t0) * RATE) / 1000);
  }

  /** The recording's length: known once closed, the time so far before. */
  get durationSec(): number {
    return Math.round(((this.#samples ?? this.elapsed()) / RATE) * 100) / 100;
  }

  /** `timestamp`: the RTP timestamp (8 kHz) of the first sample. */
  write(channel: 0 | 1, timestamp: number, samples: Int16Array): void {
    if (this.#samples !== undefined) return;
    const now = this.elapsed();
    let anchor = this.#anchor[channel];
    let at = anchor === undefined ? undefined : (timestamp + anchor) >>> 0;
    if (at === undefined || Math.abs(at - now) > RATE) {
      anchor = (now - timestamp) >>> 0;
      this.#anchor[channel] = anchor;
      at = now;
    }
    for (let i = 0; i < samples.length; i++) {
      const p = at + i;
      const b = Math.floor(p / BLOCK);
      if (b < this.#flushed) continue;
      let block = this.#blocks.get(b);
      if (!block) this.#blocks.set(b, (block = new Int16Array(BLOCK * 2)));
      block[(p - b * BLOCK) * 2 + channel] = samples[i]!;
    }
    this.#flush(Math.floor(now / BLOCK) - KEEP_BLOCKS, BLOCK);
  }

  /** Writes blocks before `upTo` (the last one cut to `lastLen` samples). */
  #flush(upTo: number, lastLen: number): void {
    while (this.#flushed < upTo) {
      const b = this.#flushed++;
      const block = this.#blocks.get(b) ?? new Int16Array(BLOCK * 2);
      this.#blocks.delete(b);
      const len = b === upTo - 1 ? lastLen : BLOCK;
      const buf = Buffer.from(block.buffer, block.byteOffset, len * 4);
      const pos = 44 + b * BLOCK * 4;
      this.#chain = this.#chain.then(async () => (await this.#fh).write(buf, 0, buf.length, pos));
    }
  }

  /** Ends the recording at the current time and completes the file. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    const total = this.elapsed();
    this.#samples = total;
    const last = Math.ceil(total / BLOCK);
    this.#flush(last, total - (last - 1) * BLOCK);
    this.#blocks.clear();
    await this.#chain.catch(() => undefined);
    const fh = await this.#fh;
    await fh.truncate(44 + total * 4);
    await fh.write(stereoWavHeader(total * 4), 0, 44, 0);
    await fh.close();
  }
}

/** A 44-byte header of 16-bit stereo PCM at 8 kHz. */
export function stereoWavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(2, 22); // channels
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * 4, 28); // byte rate
  h.writeUInt16LE(4, 32); // block align
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}
