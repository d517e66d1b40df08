import fs from 'node:fs';
import path from 'node:path';
import type { SimTelephony } from '../../src/telephony/sim/adapter.ts';

/** A stereo 8 kHz 16-bit WAV: a 440 Hz tone on the left (customer), 880 Hz on the right. */
export function stereoWav(seconds: number): Buffer {
  const rate = 8000;
  const frames = Math.round(rate * seconds);
  const data = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 4);
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 880 * i) / rate)), i * 4 + 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(2, 22); // stereo
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/**
 * Stands in for an adapter that records (the sip adapter does it for real): every answered call
 * of the sim network ends with a WAV in `dir` and `detail.recording = {file, durationSec}`, the
 * shape src/ivr/call-end.ts defines.
 */
export function recordAnsweredCalls(sim: SimTelephony, dir: string, seconds = 0.5): void {
  const originate = sim.originate.bind(sim);
  sim.originate = (req, events) => {
    let answered = false;
    originate(req, {
      answered: (at) => ((answered = true), events.answered(at)),
      ended: (end) => {
        if (!answered) return events.ended(end);
        const file = path.join(dir, '2026-11-23', `${req.callId}.wav`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, stereoWav(seconds));
        return events.ended({
          ...end,
          detail: { ...end.detail, recording: { file, durationSec: seconds } },
        });
      },
    });
  };
}
