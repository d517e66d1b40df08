/**
 * Answering machine detection accuracy, offline: `npx tsx bench/speech/amd.ts [--per-class 200]`.
 *
 * Generates a corpus (cached in $TMPDIR/outbound-amd-corpus; kept out of the tests) of voicemail
 * greetings (a beep after them) and of people answering the phone, spoken by espeak-ng in several
 * voices and speeds, with pink noise made by sox mixed in at several signal-to-noise ratios and
 * everything passed through µ-law as on the line. Each recording is fed to the detector in 20 ms
 * frames exactly as the sip adapter feeds it. Prints accuracy per class against the goal (≥ 90 %
 * on both) and the decision times.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AmdDetector,
  type AmdResult,
  type AmdThresholds,
} from '../../src/telephony/sip/media/amd.ts';
import { decode, encode } from '../../src/telephony/sip/media/mulaw.ts';
import { readWav } from '../../src/telephony/sip/media/wav.ts';

const { values: a } = parseArgs({
  options: {
    'per-class': { type: 'string', default: '200' },
    /** Thresholds to try instead of the defaults, as JSON: '{"maxWords": 4}'. */
    thresholds: { type: 'string', default: '{}' },
  },
});
const perClass = Number(a['per-class']);
const thresholds = JSON.parse(a.thresholds!) as Partial<AmdThresholds>;
const GOAL = 0.9;

const GREETINGS = [
  "Hi, you've reached John. I can't take your call right now, please leave a message after the tone.",
  'Hello, this is Mary Johnson. Sorry I missed your call. Leave your name and number and I will get back to you.',
  'The person you are calling is not available. Please record your message after the tone.',
  "Hey, it's Mike. Leave a message.",
  'You have reached the voicemail box of 5 5 5, 1 2 3 4. Please leave a message.',
  'Thank you for calling Acme Plumbing. Our office is closed. Please leave a detailed message and we will return your call.',
  "Hi, you have reached Sarah and Tom. We're not home right now. Leave us a message!",
  'Welcome to the voice mail of David Lee. Please leave your message after the beep.',
  'Hello. I am away from my desk. Please leave a message, and I will call you back as soon as possible.',
  "This is Anna. I'm busy at the moment, leave a message and I'll call you back.",
];
const HUMANS = [
  'Hello?',
  'Hello.',
  'Yes?',
  'Hi.',
  'Yeah?',
  'Hello, yes?',
  'Speaking.',
  'Hello?  Hello?',
  'Who is it?',
  'Yes, hello.',
  'Hi there.',
  'Mm, hello?',
  // Longer answers: what an energy-based AMD gets wrong most (they sound like a greeting's start).
  'Hello, this is Peter speaking.',
  'Good morning, Smith residence.',
];
const VOICES = ['en-us', 'en-us+f3', 'en-gb', 'en-gb-scotland+m3', 'en-029+f2'];
const SPEEDS = [130, 155, 175, 200, 230];
/** Signal-to-noise ratios in dB (Infinity: no noise). */
const SNRS = [Infinity, 30, 20, 15, 10];

const dir = join(tmpdir(), 'outbound-amd-corpus');
mkdirSync(dir, { recursive: true });
const to8k = ['-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer'];

function load(file: string): Int16Array {
  return readWav(readFileSync(file)).samples;
}

function spoken(text: string, voice: string, speed: number): Int16Array {
  const name = `${Buffer.from(`${voice}|${speed}|${text}`).toString('base64url').slice(0, 80)}.wav`;
  const file = join(dir, name);
  if (!existsSync(file)) {
    const raw = `${file}.raw.wav`;
    execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', raw, '--', text]);
    execFileSync('sox', ['-V1', raw, ...to8k, file]);
    execFileSync('rm', ['-f', raw]);
  }
  return load(file);
}

const noiseFile = join(dir, 'pinknoise.wav');
if (!existsSync(noiseFile))
  execFileSync('sox', ['-n', ...to8k, noiseFile, 'synth', '60', 'pinknoise', 'vol', '0.5']);
const NOISE = load(noiseFile);
const beep = Int16Array.from({ length: 4000 }, (_, i) =>
  Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)),
);

function rms(s: Int16Array): number {
  let sum = 0;
  for (const v of s) sum += v * v;
  return Math.sqrt(sum / Math.max(1, s.length));
}

/** Silence, the speech, what follows; noise at `snr` over all of it; through µ-law. */
function call(speech: Int16Array, leadSec: number, tail: Int16Array, snr: number, seed: number) {
  const lead = Math.round(leadSec * 8000);
  const out = new Float64Array(lead + speech.length + tail.length);
  out.set(speech, lead);
  out.set(tail, lead + speech.length);
  if (Number.isFinite(snr)) {
    const gain = rms(speech) / 10 ** (snr / 20) / Math.max(1, rms(NOISE));
    const offset = (seed * 7919) % (NOISE.length - out.length);
    for (let i = 0; i < out.length; i++) out[i]! += NOISE[offset + i]! * gain;
  }
  const pcm = Int16Array.from(out, (v) => Math.max(-32768, Math.min(32767, Math.round(v))));
  return decode(encode(pcm));
}

function detect(pcm: Int16Array): AmdResult {
  const d = new AmdDetector(thresholds);
  for (let i = 0; i < pcm.length; i += 160) {
    const r = d.push(pcm.subarray(i, i + 160));
    if (r) return r;
  }
  return d.stop('too_long');
}

interface Sample {
  cls: 'machine' | 'human';
  text: string;
  voice: string;
  speed: number;
  snr: number;
  pcm: Int16Array;
}

const t0 = Date.now();
const samples: Sample[] = [];
for (let i = 0; samples.length < perClass; i++) {
  const voice = VOICES[i % VOICES.length]!;
  const speed = SPEEDS[Math.floor(i / VOICES.length) % SPEEDS.length]!;
  const snr = SNRS[i % SNRS.length]!;
  const text = GREETINGS[i % GREETINGS.length]!;
  const tail = Int16Array.from([...new Int16Array(2400), ...beep, ...new Int16Array(16000)]);
  const pcm = call(spoken(text, voice, speed), 0.2 + (i % 7) * 0.12, tail, snr, i);
  samples.push({ cls: 'machine', text, voice, speed, snr, pcm });
}
for (let i = 0; samples.length < 2 * perClass; i++) {
  const voice = VOICES[i % VOICES.length]!;
  const speed = SPEEDS[Math.floor(i / VOICES.length) % SPEEDS.length]!;
  const snr = SNRS[(i + 1) % SNRS.length]!;
  const text = HUMANS[i % HUMANS.length]!;
  const pcm = call(spoken(text, voice, speed), 0.15 + (i % 9) * 0.1, new Int16Array(32000), snr, i);
  samples.push({ cls: 'human', text, voice, speed, snr, pcm });
}
const genMs = Date.now() - t0;

const t1 = Date.now();
const rows = samples.map((s) => ({ ...s, r: detect(s.pcm) }));
const detectMs = Date.now() - t1;
const audioSec = samples.reduce((n, s) => n + s.pcm.length / 8000, 0);

const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)} %`;
const quantile = (xs: number[], q: number) =>
  [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
let pass = true;
console.log(
  `AMD on ${samples.length} generated calls (${perClass} per class), thresholds ${a.thresholds === '{}' ? 'default' : a.thresholds}`,
);
for (const cls of ['machine', 'human'] as const) {
  const mine = rows.filter((x) => x.cls === cls);
  const right = mine.filter((x) => x.r.decision === cls).length;
  const notsure = mine.filter((x) => x.r.decision === 'notsure').length;
  const ok = right / mine.length >= GOAL;
  pass &&= ok;
  const times = mine.map((x) => x.r.analysisMs);
  console.log(
    `  ${cls.padEnd(8)} accuracy ${pct(right, mine.length).padStart(7)} (goal ≥ ${GOAL * 100} %: ${ok ? 'met' : 'NOT met'})` +
      `  wrong ${mine.length - right - notsure}, notsure ${notsure}` +
      `  decided after p50 ${quantile(times, 0.5)} ms, p95 ${quantile(times, 0.95)} ms`,
  );
  for (const snr of SNRS) {
    const at = mine.filter((x) => x.snr === snr);
    if (at.length)
      console.log(
        `      SNR ${Number.isFinite(snr) ? `${snr} dB` : 'clean'}: ${pct(at.filter((x) => x.r.decision === cls).length, at.length)} of ${at.length}`,
      );
  }
  const wrongTexts = new Map<string, number>();
  for (const x of mine.filter((y) => y.r.decision !== cls))
    wrongTexts.set(x.text, (wrongTexts.get(x.text) ?? 0) + 1);
  if (wrongTexts.size)
    console.log(
      `      missed: ${[...wrongTexts].map(([k, n]) => `${JSON.stringify(k.slice(0, 40))} ×${n}`).join(', ')}`,
    );
  const reasons = new Map<string, number>();
  for (const x of mine) reasons.set(x.r.reason, (reasons.get(x.r.reason) ?? 0) + 1);
  console.log(`      reasons: ${[...reasons].map(([k, n]) => `${k} ${n}`).join(', ')}`);
}
console.log(
  `  corpus ${(genMs / 1000).toFixed(1)} s to build (cached after), detection ${detectMs} ms for ${audioSec.toFixed(0)} s of audio (${(audioSec / (detectMs / 1000)).toFixed(0)}× real time on one core)`,
);
process.exitCode = pass ? 0 : 1;
