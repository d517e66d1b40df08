import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWav } from '../../src/telephony/sip/media/wav.ts';

/**
 * Recorded speech for answering machine tests: espeak-ng speaks, sox converts to 8 kHz mono,
 * pads with silence (a phone keeps the call while its audio source lasts) and adds a beep.
 */
export const hasSpeechTools = ['espeak-ng', 'sox'].every(
  (t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).error === undefined,
);
export const SPEECH_SKIP =
  'espeak-ng or sox is not installed (apt-get install -y espeak-ng sox): AMD tests with recorded speech skipped';
if (!hasSpeechTools) console.warn(SPEECH_SKIP);

export interface Speech {
  file: string;
  /** Where the speech (and the beep, if any) ends in the file. */
  endSec: number;
}

export function speech(
  dir: string,
  name: string,
  text: string,
  o: { beforeSec?: number; afterSec?: number; beep?: boolean; voice?: string } = {},
): Speech {
  const raw = join(dir, `${name}.raw.wav`);
  const said = join(dir, `${name}.said.wav`);
  const out = join(dir, `${name}.wav`);
  execFileSync('espeak-ng', ['-v', o.voice ?? 'en-us', '-w', raw, '--', text]);
  const to8k = ['-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer'];
  execFileSync('sox', [raw, ...to8k, said, 'pad', String(o.beforeSec ?? 0.3), '0']);
  let body = said;
  if (o.beep) {
    const beep = join(dir, `${name}.beep.wav`);
    execFileSync('sox', [
      '-n',
      ...to8k,
      beep,
      'synth',
      '0.6',
      'sine',
      '1000',
      'vol',
      '0.5',
      'pad',
      '0.4',
      '0',
    ]);
    body = join(dir, `${name}.body.wav`);
    execFileSync('sox', [said, beep, body]);
  }
  const endSec = readWav(readFileSync(body)).samples.length / 8000;
  execFileSync('sox', [body, out, 'pad', '0', String(o.afterSec ?? 30)]);
  return { file: out, endSec };
}
