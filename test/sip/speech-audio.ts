import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode } from '../../src/telephony/sip/media/mulaw.ts';
import { PocketsphinxRecogniser } from '../../src/telephony/sip/media/pocketsphinx.ts';
import { readWav, writeWavBuffer } from '../../src/telephony/sip/media/wav.ts';

/**
 * A customer's utterance as a phone would send it: espeak-ng says the text (a voice, a speed),
 * sox makes it 8 kHz mono, silence goes before and after, pink noise (sox) is mixed in at a
 * signal-to-noise ratio measured on the speech, and it passes through µ-law as on the line.
 */
export const hasPocketsphinx = PocketsphinxRecogniser.available();
export const POCKETSPHINX_SKIP =
  'pocketsphinx is not installed (apt-get install -y pocketsphinx pocketsphinx-en-us): speech robot tests with real audio skipped';
if (!hasPocketsphinx) console.warn(POCKETSPHINX_SKIP);

const to8k = ['-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer'];

export interface UtteranceOptions {
  voice?: string;
  speed?: number;
  beforeSec?: number;
  afterSec?: number;
  /** Signal-to-noise ratio in dB; absent: no noise. */
  snrDb?: number;
  seed?: number;
}

/** The speech alone, 8 kHz (cached in `dir` by voice, speed and text). */
export function spoken(dir: string, text: string, voice = 'en-us', speed = 175): Int16Array {
  const key = Buffer.from(`${voice}|${speed}|${text}`).toString('base64url').slice(0, 90);
  const file = join(dir, `said-${key}.wav`);
  if (!existsSync(file)) {
    const raw = `${file}.raw.wav`;
    execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', raw, '--', text]);
    execFileSync('sox', ['-V1', raw, ...to8k, file]);
    rmSync(raw, { force: true });
  }
  return readWav(readFileSync(file)).samples;
}

let noise: Int16Array | undefined;
function pinkNoise(dir: string): Int16Array {
  const file = join(dir, 'pinknoise-60s.wav');
  if (!existsSync(file))
    execFileSync('sox', ['-n', ...to8k, file, 'synth', '60', 'pinknoise', 'vol', '0.5']);
  return (noise ??= readWav(readFileSync(file)).samples);
}

export function rmsOf(s: Int16Array): number {
  let sum = 0;
  for (const v of s) sum += v * v;
  return Math.sqrt(sum / Math.max(1, s.length));
}

/** Silence, the speech, silence; noise at `snrDb`; through µ-law. Samples at 8 kHz. */
export function utterancePcm(dir: string, text: string, o: UtteranceOptions = {}): Int16Array {
  const speech = text ? spoken(dir, text, o.voice, o.speed) : new Int16Array(0);
  const before = Math.round((o.beforeSec ?? 0.5) * 8000);
  const after = Math.round((o.afterSec ?? 1) * 8000);
  const out = new Float64Array(before + speech.length + after);
  out.set(speech, before);
  if (o.snrDb !== undefined) {
    const n = pinkNoise(dir);
    const level = speech.length ? rmsOf(speech) : 2000;
    const gain = level / 10 ** (o.snrDb / 20) / Math.max(1, rmsOf(n));
    const offset = ((o.seed ?? 0) * 7919) % Math.max(1, n.length - out.length);
    for (let i = 0; i < out.length; i++) out[i]! += n[(offset + i) % n.length]! * gain;
  }
  const pcm = Int16Array.from(out, (v) => Math.max(-32768, Math.min(32767, Math.round(v))));
  return decode(encode(pcm));
}

/** The utterance as an 8 kHz WAV file (what baresip plays as the customer's voice). */
export function utterance(dir: string, name: string, text: string, o: UtteranceOptions = {}) {
  const pcm = utterancePcm(dir, text, o);
  const file = join(dir, `${name}.wav`);
  writeFileSync(file, writeWavBuffer(pcm));
  const speechEndSec = (pcm.length - Math.round((o.afterSec ?? 1) * 8000)) / 8000;
  return { file, speechEndSec };
}
