/**
 * Intent accuracy of the embedded recogniser (pocketsphinx, constrained to the dialogue's
 * phrases): `npx tsx bench/speech/intents.ts [--count 200] [--parallel 2]`.
 *
 * Generates a corpus (cached in $TMPDIR/outbound-speech-corpus; kept out of the tests) of
 * customers answering the test dialogue's question (test/helpers/speech-dialogue.ts) — every
 * phrase of its intents plus a few the dialogue does not know (those must end as no-match) —
 * spoken by several espeak-ng voices at several speeds, with pink noise mixed in by sox and passed
 * through µ-law as on the line. Each utterance goes through the recogniser port exactly as the sip
 * adapter feeds it (20 ms frames of 8 kHz audio) and the transcript through `matchIntent`.
 * `count` utterances are at 20 dB SNR (the goal: ≥ 95 % right); a quarter as many again at each
 * of clean, 30 and 10 dB show the trend.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dialoguePhrases, type ListenStep } from '../../src/ivr/dialogue.ts';
import { matchIntent } from '../../src/ivr/recogniser.ts';
import { PocketsphinxRecogniser } from '../../src/telephony/sip/media/pocketsphinx.ts';
import { renewal } from '../../test/helpers/speech-dialogue.ts';
import { hasPocketsphinx, POCKETSPHINX_SKIP, utterancePcm } from '../../test/sip/speech-audio.ts';

const { values: a } = parseArgs({
  options: {
    count: { type: 'string', default: '200' },
    parallel: { type: 'string', default: '2' },
  },
});
const GOAL = 0.95;
if (!hasPocketsphinx) {
  console.log(POCKETSPHINX_SKIP);
  process.exit(0);
}

const dir = join(tmpdir(), 'outbound-speech-corpus');
mkdirSync(dir, { recursive: true });
const ask = renewal.steps.find((s) => s.type === 'listen') as ListenStep;
const phrases = dialoguePhrases(renewal);
// The grammar hears whole phrases only: words around a phrase ("yes I would") are not measured
// here (docs/robots.md says to list the phrasings customers use).
const SAID = ask.intents.flatMap((i) => i.phrases.map((p) => ({ text: p, intent: i.name })));
const VOICES = ['en-us', 'en-us+f3', 'en-gb', 'en-us+m7', 'en-gb-scotland+m3'];
const SPEEDS = [130, 160, 190, 220];
const recogniser = new PocketsphinxRecogniser({ grammarDir: join(dir, 'grammars') });

interface Row {
  text: string;
  want: string;
  got: string | null;
  transcript: string;
  voice: string;
  speed: number;
  snr: number | undefined;
}

async function hear(pcm: Int16Array): Promise<string> {
  const s = recogniser.open(phrases);
  for (let i = 0; i < pcm.length; i += 160) s.write(pcm.subarray(i, i + 160));
  return (await s.end()).transcript;
}

const count = Number(a.count);
const plan: { text: string; intent: string; voice: string; speed: number; snr?: number }[] = [];
const add = (n: number, snr: number | undefined, salt: number) => {
  for (let i = 0; i < n; i++) {
    const s = SAID[(i + salt) % SAID.length]!;
    const voice = VOICES[(i + salt) % VOICES.length]!;
    const speed = SPEEDS[Math.floor(i / SAID.length + salt) % SPEEDS.length]!;
    plan.push({ ...s, voice, speed, ...(snr !== undefined ? { snr } : {}) });
  }
};
add(count, 20, 0);
add(Math.ceil(count / 4), undefined, 1);
add(Math.ceil(count / 4), 30, 2);
add(Math.ceil(count / 4), 10, 3);

const t0 = Date.now();
const rows: Row[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: Number(a.parallel) }, async () => {
    while (next < plan.length) {
      const p = plan[next]!;
      const seed = next++;
      const pcm = utterancePcm(dir, p.text, {
        voice: p.voice,
        speed: p.speed,
        beforeSec: 0.3,
        afterSec: 0.5,
        seed,
        ...(p.snr !== undefined ? { snrDb: p.snr } : {}),
      });
      const transcript = await hear(pcm);
      const got = matchIntent(transcript, ask.intents)?.intent.name ?? null;
      rows.push({
        text: p.text,
        want: p.intent,
        got,
        transcript,
        voice: p.voice,
        speed: p.speed,
        snr: p.snr,
      });
    }
  }),
);
const sec = (Date.now() - t0) / 1000;

const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)} %`;
console.log(
  `Speech intents: ${rows.length} generated utterances, ${SAID.length} phrasings, ${VOICES.length} voices, ${SPEEDS.length} speeds`,
);
let pass = true;
for (const snr of [20, undefined, 30, 10]) {
  const at = rows.filter((r) => r.snr === snr);
  const right = at.filter((r) => r.got === r.want).length;
  const label = snr === undefined ? 'clean' : `${snr} dB SNR`;
  const goal =
    snr === 20 ? ` (goal ≥ ${GOAL * 100} %: ${right / at.length >= GOAL ? 'met' : 'NOT met'})` : '';
  if (snr === 20) pass = right / at.length >= GOAL;
  console.log(
    `  ${label.padEnd(11)} ${pct(right, at.length).padStart(7)} right of ${at.length}${goal}, no match ${at.filter((r) => r.got === null).length}`,
  );
}
const wrong = new Map<string, number>();
for (const r of rows.filter((x) => x.got !== x.want))
  wrong.set(
    `${r.text} → ${r.got ?? 'none'}`,
    (wrong.get(`${r.text} → ${r.got ?? 'none'}`) ?? 0) + 1,
  );
if (wrong.size)
  console.log(
    `  missed: ${[...wrong]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 12)
      .map(([k, n]) => `"${k}" ×${n}`)
      .join(', ')}`,
  );
const byVoice = VOICES.map((v) => {
  const at = rows.filter((r) => r.voice === v);
  return `${v} ${pct(at.filter((r) => r.got === r.want).length, at.length)}`;
});
console.log(`  by voice: ${byVoice.join(', ')}`);
console.log(
  `  ${sec.toFixed(1)} s for ${rows.length} utterances with ${a.parallel} in parallel (corpus cached after the first run)`,
);
process.exitCode = pass ? 0 : 1;
