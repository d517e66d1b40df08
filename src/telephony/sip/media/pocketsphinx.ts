import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Recogniser, Recognition, RecognitionStream } from '../../../ivr/recogniser.ts';

/**
 * The embedded recogniser: Debian's pocketsphinx (`apt-get install pocketsphinx
 * pocketsphinx-en-us`), offline, constrained to the dialogue's phrases by a JSGF grammar, so it
 * can only hear one of them (or nothing). One `pocketsphinx_continuous` process per utterance,
 * started when the robot starts listening — its model loads (~0.15 s of CPU) while the prompt
 * plays — fed the call's audio as it arrives (8 kHz, upsampled to the model's 16 kHz by linear
 * interpolation: a steep resampler leaves the model's bands above 4 kHz empty, which it hears
 * much worse), and ended when the customer stops speaking: its transcript is ready as it exits.
 *
 * The cepstral means it normalises with start at the telephone channel's (`PHONE_CMN_INIT`), not
 * the model's microphone ones: a process hearing one short utterance never updates them.
 *
 * `-dither yes` matters: digital silence (all zeros) throws its noise estimate off. Its own
 * voice-activity settings stay at their defaults: shorter or longer `-vad_postspeech`, or
 * `-remove_silence no`, lost whole phrases in our trials. Confidence is
 * the smallest word posterior pocketsphinx prints (`-time yes`); with a grammar it is coarse.
 */
export interface PocketsphinxOptions {
  /** Where grammars are written (one file per set of phrases). */
  grammarDir: string;
  binary?: string;
  /** Acoustic model and dictionary (default: the pocketsphinx-en-us package's). */
  hmm?: string;
  dict?: string;
  /** Longest wait for the transcript once the audio ended (default 5 s). */
  timeoutMs?: number;
  /** Search arguments instead of SEARCH_ARGS (tuning: `-beam`, `-topn`…). */
  args?: string[];
  /** Initial cepstral means (13 numbers); null: the model's own (default PHONE_CMN_INIT). */
  cmnInit?: readonly number[] | null;
}

/**
 * Wider beams and more Gaussians than pocketsphinx's defaults: with a grammar of a few phrases
 * the search is small anyway, and they lifted intents at 20 dB SNR from 69 % to 94 % on the
 * bench's hardest phrases (bench/speech/intents.ts) for a little more CPU.
 */
export const SEARCH_ARGS = [
  ...['-beam', '1e-80', '-wbeam', '1e-60', '-pbeam', '1e-80', '-topn', '8'],
  // No second (flat) pass: it runs after the customer stops, adding to the reply delay, and
  // changed no result on the bench.
  ...['-fwdflat', 'no'],
];

/**
 * The cepstral means of 8 kHz telephone speech as this recogniser feeds it to the 16 kHz model
 * (µ-law, upsampled), measured by bench/speech/cmn.ts on a phonetic passage read by six espeak-ng
 * voices. The model's feat.params start at microphone speech's means (41.00,-5.29,-0.12,5.09,…),
 * which are far off on a phone line and are all a short utterance is ever normalised with.
 * On the intent benchmark (other voices, other words) it took 20 dB SNR from 95 % to 100 % and
 * 10 dB from 82 % to 98 %. c0 is loudness: measured at espeak-ng's level, about −21 dBFS RMS,
 * a usual speech level on a line; a line 12 dB quieter loses a few points (docs/robots.md).
 */
export const PHONE_CMN_INIT: readonly number[] = [
  57.2, -0.12, 2.4, 15.06, -2.18, -3.63, -7.76, -9.65, -18.28, 4.49, -3.39, 0.92, -6.14,
];

export const POCKETSPHINX_MODEL = '/usr/share/pocketsphinx/model/en-us';
export const POCKETSPHINX_INSTALL = 'apt-get install pocketsphinx pocketsphinx-en-us';

export class PocketsphinxRecogniser implements Recogniser {
  readonly #o: Required<PocketsphinxOptions>;
  readonly #grammars = new Map<string, string>();
  #words: Set<string> | undefined;
  #featParams: string[] | undefined;

  constructor(o: PocketsphinxOptions) {
    this.#o = {
      binary: 'pocketsphinx_continuous',
      hmm: join(POCKETSPHINX_MODEL, 'en-us'),
      dict: join(POCKETSPHINX_MODEL, 'cmudict-en-us.dict'),
      timeoutMs: 5000,
      args: SEARCH_ARGS,
      cmnInit: PHONE_CMN_INIT,
      ...o,
    };
  }

  /** True when the binary and the model are installed. */
  static available(): boolean {
    return (
      existsSync(join(POCKETSPHINX_MODEL, 'en-us', 'mdef')) &&
      existsSync('/usr/bin/pocketsphinx_continuous')
    );
  }

  /** Words of the phrases the dictionary does not know (pocketsphinx could never hear them). */
  unknownWords(phrases: readonly string[]): string[] {
    this.#words ??= new Set(
      readFileSync(this.#o.dict, 'utf8')
        .split('\n')
        .map((l) => l.slice(0, l.indexOf(' ')).replace(/\(\d+\)$/, '')),
    );
    const words = new Set(phrases.flatMap((p) => p.split(' ')).filter(Boolean));
    return [...words].filter((w) => !this.#words!.has(w));
  }

  open(phrases: readonly string[]): RecognitionStream {
    if (phrases.length === 0) return new NothingToHear();
    // Node's stdin pipe is a socket, which pocketsphinx cannot open as /dev/stdin: `cat` hands the
    // audio over through a real pipe. The group (detached) is killed as one on abort.
    const child = spawn(
      'sh',
      [
        '-c',
        'cat | "$@"',
        'sh',
        this.#o.binary,
        '-infile',
        '/dev/stdin',
        '-hmm',
        this.#o.hmm,
        '-dict',
        this.#o.dict,
        ...this.#features(),
        '-jsgf',
        this.#grammar(phrases),
        '-dither',
        'yes',
        '-time',
        'yes',
        '-logfn',
        '/dev/null',
        ...this.#o.args,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'], detached: true },
    );
    return new SphinxStream(child, this.#o.timeoutMs);
  }

  /**
   * `-featparams`: the model's feature parameters with `cmnInit` for the initial means (given on
   * the command line, `-cmninit` loses to the model's feat.params), written once next to the
   * grammars.
   */
  #features(): string[] {
    if (this.#featParams) return this.#featParams;
    const init = this.#o.cmnInit;
    if (!init) return (this.#featParams = []);
    if (init.length !== 13) throw new Error('cmnInit needs 13 numbers (c0..c12)');
    const model = readFileSync(join(this.#o.hmm, 'feat.params'), 'utf8');
    const params = [
      ...model.split('\n').filter((l) => l.trim() && !l.startsWith('-cmninit')),
      `-cmninit ${init.map((x) => x.toFixed(2)).join(',')}`,
      '',
    ].join('\n');
    const key = createHash('sha256').update(params).digest('hex').slice(0, 24);
    const path = join(this.#o.grammarDir, `feat-${key}.params`);
    writeOnce(this.#o.grammarDir, path, params);
    return (this.#featParams = ['-featparams', path]);
  }

  #grammar(phrases: readonly string[]): string {
    const body = [...phrases].sort().join(' | ');
    const key = createHash('sha256').update(body).digest('hex').slice(0, 24);
    const hit = this.#grammars.get(key);
    if (hit) return hit;
    const path = join(this.#o.grammarDir, `speech-${key}.gram`);
    writeOnce(
      this.#o.grammarDir,
      path,
      `#JSGF V1.0;\ngrammar outbound;\npublic <utterance> = ${body};\n`,
    );
    this.#grammars.set(key, path);
    return path;
  }
}

/** Writes a file named by its content unless it exists; atomic: nobody reads half of it. */
function writeOnce(dir: string, path: string, text: string): void {
  if (existsSync(path)) return;
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

class NothingToHear implements RecognitionStream {
  write(): void {}
  end(): Promise<Recognition> {
    return Promise.resolve({ transcript: '', confidence: null });
  }
  abort(): void {}
}

const WORD_TIME = /^(\S+) \d+\.\d+ \d+\.\d+ (\d+(?:\.\d+)?)$/;

class SphinxStream implements RecognitionStream {
  readonly #child: ChildProcess;
  readonly #timeoutMs: number;
  readonly #exited: Promise<{ out: string; err: string; code: number | null }>;
  #last = 0;
  #open = true;

  constructor(child: ChildProcess, timeoutMs: number) {
    this.#child = child;
    this.#timeoutMs = timeoutMs;
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
    child.stdin!.on('error', () => undefined); // a process that died is reported by `end`
    this.#exited = new Promise((resolve) => {
      child.on('error', (e) => resolve({ out, err: e.message, code: -1 }));
      child.on('close', (code) => resolve({ out, err, code }));
    });
  }

  write(pcm: Int16Array): void {
    if (!this.#open || pcm.length === 0) return;
    this.#child.stdin!.write(upsample(pcm, this.#last));
    this.#last = pcm[pcm.length - 1]!;
  }

  async end(): Promise<Recognition> {
    if (this.#open) {
      this.#open = false;
      this.#child.stdin!.end();
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#kill();
        reject(new Error(`pocketsphinx gave no transcript within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
    });
    try {
      const r = await Promise.race([this.#exited, timeout]);
      if (r.code !== 0)
        throw new Error(
          `pocketsphinx failed (${r.code}): ${r.err
            .trim()
            .split('\n')
            .filter((l) => /error|fatal/i.test(l))
            .slice(-2)
            .join(' ')}`,
        );
      return parseOutput(r.out);
    } finally {
      clearTimeout(timer);
    }
  }

  abort(): void {
    this.#open = false;
    this.#child.stdin!.destroy();
    this.#kill();
  }

  #kill(): void {
    try {
      if (this.#child.pid) process.kill(-this.#child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * `-time yes` output: each segment's hypothesis on a line, then one line per word with its
 * start, end and posterior. Segments join into one transcript.
 */
export function parseOutput(out: string): Recognition {
  const said: string[] = [];
  let confidence: number | null = null;
  for (const line of out.split('\n').map((l) => l.trim())) {
    if (!line) continue;
    const w = WORD_TIME.exec(line);
    if (w) {
      if (!w[1]!.startsWith('<') && !w[1]!.startsWith('[')) {
        const p = Math.min(1, Number(w[2]));
        confidence = confidence === null ? p : Math.min(confidence, p);
      }
    } else said.push(line);
  }
  return { transcript: said.join(' '), confidence: said.length ? confidence : null };
}

/** 8 kHz → 16 kHz by linear interpolation, as little-endian 16-bit bytes; `prev` joins frames. */
export function upsample(pcm: Int16Array, prev: number): Buffer {
  const out = Buffer.allocUnsafe(pcm.length * 4);
  let a = prev;
  for (let i = 0; i < pcm.length; i++) {
    const b = pcm[i]!;
    out.writeInt16LE((a + b) >> 1, i * 4);
    out.writeInt16LE(b, i * 4 + 2);
    a = b;
  }
  return out;
}
