import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeWavBuffer } from '../../src/telephony/sip/media/wav.ts';

/** Root mean square of 16-bit samples: about 0.7 × amplitude for a tone, 0 for silence. */
export function rms(samples: Int16Array): number {
  if (!samples.length) return 0;
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / samples.length);
}

/** An 8 kHz WAV prompt `dir`/`name`.wav: `sec` seconds of a `hz` tone (no TTS needed); its path. */
export function tone(dir: string, name: string, sec: number, hz = 600): string {
  const pcm = Int16Array.from({ length: 8000 * sec }, (_, i) =>
    Math.round(6000 * Math.sin((2 * Math.PI * hz * i) / 8000)),
  );
  const path = join(dir, `${name}.wav`);
  writeFileSync(path, writeWavBuffer(pcm));
  return path;
}
