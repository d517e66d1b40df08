/**
 * WAV files: read any PCM16 / µ-law / A-law file by walking its RIFF chunks (LIST, fact and
 * others are skipped, odd sizes padded), and write 8 kHz mono 16-bit PCM (recordings, stereo,
 * are written by ./recorder.ts).
 */
export interface WavAudio {
  sampleRate: number;
  channels: number;
  /** 1 PCM, 6 A-law, 7 µ-law. */
  format: number;
  bitsPerSample: number;
  /** One channel (the first unless asked), as 16-bit linear samples. */
  samples: Int16Array;
}

export class WavError extends Error {}

export function readWav(buf: Buffer, channel = 0): WavAudio {
  if (
    buf.length < 12 ||
    buf.toString('ascii', 0, 4) !== 'RIFF' ||
    buf.toString('ascii', 8, 12) !== 'WAVE'
  )
    throw new WavError('not a RIFF/WAVE file');
  let fmt: Omit<WavAudio, 'samples'> | undefined;
  let data: Buffer | undefined;
  for (let off = 12; off + 8 <= buf.length;) {
    const id = buf.toString('ascii', off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    // Streaming writers leave 0 or 0xFFFFFFFF in the data size: take what is there.
    if (id === 'data' && (size === 0 || body + size > buf.length)) size = buf.length - body;
    if (id === 'fmt ') {
      if (size < 16) throw new WavError('fmt chunk too short');
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe && size >= 40) format = buf.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE
      fmt = {
        format,
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      data = buf.subarray(body, body + size);
    }
    off = body + size + (size & 1);
  }
  if (!fmt) throw new WavError('no fmt chunk');
  if (!data) throw new WavError('no data chunk');
  if (channel >= Math.max(1, fmt.channels)) throw new WavError(`no channel ${channel}`);
  return { ...fmt, samples: toLinear(fmt, data, channel) };
}

function toLinear(fmt: Omit<WavAudio, 'samples'>, data: Buffer, channel: number): Int16Array {
  const ch = Math.max(1, fmt.channels);
  if (fmt.format === 1 && fmt.bitsPerSample === 16) {
    const n = Math.floor(data.length / (2 * ch));
    const out = new Int16Array(n);
    for (let i = 0; i < n; i++) out[i] = data.readInt16LE((i * ch + channel) * 2);
    return out;
  }
  if ((fmt.format === 7 || fmt.format === 6) && fmt.bitsPerSample === 8) {
    const n = Math.floor(data.length / ch);
    const out = new Int16Array(n);
    const dec = fmt.format === 7 ? ulaw : alaw;
    for (let i = 0; i < n; i++) out[i] = dec(data[i * ch + channel]!);
    return out;
  }
  throw new WavError(`unsupported WAV encoding (format ${fmt.format}, ${fmt.bitsPerSample} bits)`);
}

function ulaw(code: number): number {
  const u = ~code & 0xff;
  const s = ((((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84;
  return u & 0x80 ? -s : s;
}

function alaw(code: number): number {
  const a = code ^ 0x55;
  const seg = (a >> 4) & 7;
  let s = (a & 0x0f) << 4;
  s = seg === 0 ? s + 8 : (s + 0x108) << (seg - 1);
  return a & 0x80 ? s : -s;
}

/** A 44-byte header of 16-bit mono PCM. */
export function wavHeader(sampleRate: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

export function writeWavBuffer(samples: Int16Array, sampleRate = 8000): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return Buffer.concat([wavHeader(sampleRate, data.length), data]);
}
