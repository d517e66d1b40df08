/**
 * Where the embedded recogniser's `PHONE_CMN_INIT` comes from: `npx tsx bench/speech/cmn.ts`.
 *
 * pocketsphinx normalises each cepstral coefficient by its mean over the audio (CMN). A process
 * that decodes one short utterance never gets to learn that mean — its live CMN updates after
 * 5 s of speech — so every utterance is normalised by the model's initial means (feat.params),
 * which describe 16 kHz microphone speech. A call's audio is 8 kHz telephone speech upsampled:
 * nothing above 4 kHz and another spectral tilt, so several coefficients sit far from the model's
 * (c8 by 13), and short words were heard as whichever phrase fitted the offset ("agent" as "no").
 *
 * This measures the means on the telephone channel instead: a standard phonetic passage (not the
 * dialogue's phrases), spoken by espeak-ng voices the intent benchmark does not use, through 8 kHz
 * µ-law and the recogniser's upsampler, as pocketsphinx computes them (the log's "Update to").
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PHONE_CMN_INIT,
  POCKETSPHINX_MODEL,
  upsample,
} from '../../src/telephony/sip/media/pocketsphinx.ts';
import { hasPocketsphinx, POCKETSPHINX_SKIP, utterancePcm } from '../../test/sip/speech-audio.ts';

if (!hasPocketsphinx) {
  console.log(POCKETSPHINX_SKIP);
  process.exit(0);
}
const PASSAGE = [
  'The North Wind and the Sun were disputing which was the stronger,',
  'when a traveller came along wrapped in a warm cloak.',
  'They agreed that the one who first succeeded in making the traveller take his cloak off',
  'should be considered stronger than the other.',
].join(' ');
/** None of them is a voice of bench/speech/intents.ts. */
const VOICES = ['en-gb-x-rp', 'en-us+f2', 'en-029', 'en-us-nyc', 'en-gb-x-gbclan+m2', 'en-us+m3'];

const dir = join(tmpdir(), 'outbound-speech-cmn');
mkdirSync(dir, { recursive: true });
const raw = join(dir, 'passage.raw');
const log = join(dir, 'pocketsphinx.log');
const means: number[][] = [];
for (const voice of VOICES) {
  const pcm = utterancePcm(dir, PASSAGE, { voice, speed: 160, beforeSec: 0.3, afterSec: 0.5 });
  writeFileSync(raw, upsample(pcm, 0));
  writeFileSync(log, '');
  execFileSync('pocketsphinx_continuous', [
    ...['-infile', raw, '-hmm', join(POCKETSPHINX_MODEL, 'en-us')],
    ...['-dict', join(POCKETSPHINX_MODEL, 'cmudict-en-us.dict')],
    ...['-lm', join(POCKETSPHINX_MODEL, 'en-us.lm.bin'), '-dither', 'yes', '-logfn', log],
  ]);
  const updates = [...readFileSync(log, 'utf8').matchAll(/Update to\s+<([^>]+)>/g)];
  const mean = updates.at(-1)![1]!.trim().split(/\s+/).map(Number);
  console.log(`  ${voice.padEnd(18)} ${mean.map((x) => x.toFixed(1).padStart(6)).join('')}`);
  means.push(mean);
}
const avg = means[0]!.map((_, j) => means.reduce((s, m) => s + m[j]!, 0) / means.length);
const fmt = (v: readonly number[]) => v.map((x) => x.toFixed(2)).join(',');
console.log(
  `Cepstral means of telephone speech (${VOICES.length} voices):\n  measured ${fmt(avg)}`,
);
console.log(`  in use   ${fmt(PHONE_CMN_INIT)}`);
