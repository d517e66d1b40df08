import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DtmfDecoder } from '../../src/telephony/sip/media/dtmf.ts';
import { decode, encode, encodeSample, MULAW_DECODE } from '../../src/telephony/sip/media/mulaw.ts';
import { parseRtp, serializeRtp } from '../../src/telephony/sip/media/rtp.ts';
import { CUSTOMER, OUTBOUND, StereoRecorder } from '../../src/telephony/sip/media/recorder.ts';
import { readWav, wavHeader, writeWavBuffer } from '../../src/telephony/sip/media/wav.ts';

describe('G.711 µ-law', () => {
  it('matches the reference codes and round-trips every code', () => {
    expect(encodeSample(0)).toBe(0xff);
    expect(encodeSample(-1)).toBe(0x7f);
    expect(encodeSample(32767)).toBe(0x80);
    expect(encodeSample(-32768)).toBe(0x00);
    expect(MULAW_DECODE[0xff]).toBe(0);
    expect(MULAW_DECODE[0x80]).toBe(32124);
    expect(MULAW_DECODE[0x00]).toBe(-32124);
    for (let c = 0; c < 256; c++) if (c !== 0x7f) expect(encodeSample(MULAW_DECODE[c]!)).toBe(c); // 0x7f and 0xff both decode to 0
  });

  it('keeps the error within the segment step', () => {
    const pcm = Int16Array.from({ length: 2000 }, (_, i) => Math.round(30000 * Math.sin(i / 7)));
    const back = decode(encode(pcm));
    for (let i = 0; i < pcm.length; i++)
      expect(Math.abs(back[i]! - pcm[i]!)).toBeLessThanOrEqual(Math.max(8, Math.abs(pcm[i]!) / 16));
  });
});

const ev = (digit: number, end: boolean, duration: number) =>
  Buffer.from([digit, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);

describe('RFC 4733 telephone-event decoder', () => {
  it('reports a digit once across its updates and the three end packets', () => {
    const d = new DtmfDecoder();
    const got = [
      d.push({ ssrc: 1, timestamp: 100, marker: true, payload: ev(5, false, 160) }),
      d.push({ ssrc: 1, timestamp: 100, marker: false, payload: ev(5, false, 320) }),
      d.push({ ssrc: 1, timestamp: 100, marker: false, payload: ev(5, true, 480) }),
      d.push({ ssrc: 1, timestamp: 100, marker: false, payload: ev(5, true, 480) }),
      d.push({ ssrc: 1, timestamp: 100, marker: false, payload: ev(5, true, 480) }),
      d.push({ ssrc: 1, timestamp: 900, marker: true, payload: ev(11, false, 160) }),
    ];
    expect(got.filter(Boolean)).toEqual(['5', '#']);
  });

  it('counts a repeated digit that reuses timestamp, sequence and SSRC (marker after the end)', () => {
    const d = new DtmfDecoder();
    const press = () => [
      d.push({ ssrc: 7, timestamp: 13280, marker: true, payload: ev(1, false, 0) }),
      d.push({ ssrc: 7, timestamp: 13280, marker: false, payload: ev(1, true, 2240) }),
      d.push({ ssrc: 7, timestamp: 13280, marker: false, payload: ev(1, true, 2240) }),
    ];
    expect([...press(), ...press()].filter(Boolean)).toEqual(['1', '1']);
  });

  it('keeps state per SSRC (DTMF on its own stream) and ignores short payloads', () => {
    const d = new DtmfDecoder();
    expect(d.push({ ssrc: 1, timestamp: 5, marker: true, payload: ev(2, false, 160) })).toBe('2');
    expect(d.push({ ssrc: 2, timestamp: 5, marker: true, payload: ev(3, false, 160) })).toBe('3');
    expect(
      d.push({ ssrc: 1, timestamp: 5, marker: false, payload: ev(2, true, 320) }),
    ).toBeUndefined();
    expect(
      d.push({ ssrc: 1, timestamp: 6, marker: false, payload: Buffer.from([1]) }),
    ).toBeUndefined();
  });
});

describe('RTP', () => {
  it('round-trips a packet and skips CSRCs, extension and padding', () => {
    const p = {
      marker: true,
      payloadType: 101,
      seq: 65535,
      timestamp: 2 ** 32 - 1,
      ssrc: 0xdeadbeef,
      payload: Buffer.from([1, 2, 3]),
    };
    expect(parseRtp(serializeRtp(p))).toEqual(p);
    const ext = Buffer.concat([
      Buffer.from([0xb1, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]),
      Buffer.alloc(4),
      Buffer.from([0xbe, 0xde, 0, 1]),
      Buffer.alloc(4),
      Buffer.from([9, 9, 0, 2]),
    ]);
    expect(parseRtp(ext)).toMatchObject({ payloadType: 0, payload: Buffer.from([9, 9]) });
    expect(parseRtp(Buffer.from([0x40, 0, 0]))).toBeUndefined();
  });
});

describe('WAV', () => {
  it('walks chunks: skips LIST and odd-sized chunks, reads µ-law and stereo', () => {
    const samples = Int16Array.from([0, 1000, -1000, 32000]);
    const plain = writeWavBuffer(samples);
    expect(readWav(plain)).toMatchObject({ sampleRate: 8000, channels: 1, format: 1 });
    expect([...readWav(plain).samples]).toEqual([...samples]);
    const list = Buffer.concat([
      Buffer.from('LIST'),
      Buffer.from([3, 0, 0, 0]),
      Buffer.from('abc'),
      Buffer.alloc(1),
    ]);
    const fmt = plain.subarray(12, 36);
    const data = plain.subarray(36);
    const withList = Buffer.concat([plain.subarray(0, 12), list, fmt, data]);
    expect([...readWav(withList).samples]).toEqual([...samples]);
    const ulaw = Buffer.from(wavHeader(8000, 2));
    ulaw.writeUInt16LE(7, 20);
    ulaw.writeUInt16LE(8, 34);
    expect([...readWav(Buffer.concat([ulaw, Buffer.from([0xff, 0x80])])).samples]).toEqual([
      0, 32124,
    ]);
    expect(() => readWav(Buffer.from('RIFF0000WAVE'))).toThrow(/fmt/);
    expect(() => readWav(Buffer.from('nope'))).toThrow(/RIFF/);
  });

  it('records stereo on one clock: customer left, Outbound right, gaps silent, length = time', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'wav-')), 'r.wav');
    let ms = 0;
    const r = new StereoRecorder(path, () => ms);
    ms = 100; // the customer's first packet 100 ms in: 800 samples of silence before it
    r.write(CUSTOMER, 5000, Int16Array.from([1, 2]));
    r.write(CUSTOMER, 5004, Int16Array.from([5])); // a lost packet: 2 samples of silence
    r.write(CUSTOMER, 5001, Int16Array.from([9])); // a late one still lands (overwrites)
    ms = 200;
    r.write(OUTBOUND, 77, Int16Array.from([7, 8]));
    ms = 3500; // past the 2 s window: the first seconds go to disk while the call goes on
    r.write(OUTBOUND, 77 + 8 * 3300, Int16Array.from([3]));
    ms = 4000;
    await r.close();
    expect(r.durationSec).toBe(4);
    const buf = readFileSync(path);
    expect(readWav(buf)).toMatchObject({ channels: 2, sampleRate: 8000 });
    const left = readWav(buf, CUSTOMER).samples;
    const right = readWav(buf, OUTBOUND).samples;
    expect(left.length).toBe(32000);
    expect([...left.subarray(799, 806)]).toEqual([0, 1, 9, 0, 0, 5, 0]);
    expect([...right.subarray(1599, 1602)]).toEqual([0, 7, 8]);
    expect(right[1600 + 8 * 3300]).toBe(3);
    expect(buf.readUInt32LE(40)).toBe(32000 * 4);
    expect(buf.length).toBe(44 + 32000 * 4);
  });
});
