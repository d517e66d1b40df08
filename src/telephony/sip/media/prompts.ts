import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Dialogue } from '../../../ivr/dialogue.ts';
import { promptsOf, type FlowDocument, type Prompt } from '../../../ivr/flow.ts';
import type { FieldError } from '../../../platform/errors.ts';
import { readWav } from './wav.ts';

const run = promisify(execFile);

/**
 * Prompts as 8 kHz mono samples. A WAV file already at 8 kHz mono is used as is; any other file
 * is converted by sox once, and text is spoken by espeak-ng then converted by sox, into
 * `cacheDir` named after a hash of the source, so publishing a flow (`prepare`) does the work and
 * calls only read the cache. Loaded prompts stay in memory (a few seconds of audio each).
 */
export interface PromptStoreOptions {
  cacheDir: string;
  /** Relative prompt files are resolved against this (default: the working directory). */
  baseDir?: string;
  espeak?: string;
  sox?: string;
  defaultVoice?: string;
}

export class PromptStore {
  readonly #o: Required<PromptStoreOptions>;
  readonly #loaded = new Map<string, Promise<Int16Array>>();

  constructor(o: PromptStoreOptions) {
    this.#o = {
      baseDir: process.cwd(),
      espeak: 'espeak-ng',
      sox: 'sox',
      defaultVoice: 'en-us',
      ...o,
    };
  }

  /** The prompt's samples; rejects when the file is missing or the tools fail. */
  load(p: Prompt): Promise<Int16Array> {
    const key = 'text' in p ? `t:${p.voice ?? this.#o.defaultVoice}:${p.text}` : `f:${p.file}`;
    let hit = this.#loaded.get(key);
    if (!hit) {
      hit = 'text' in p ? this.#speak(p.text, p.voice ?? this.#o.defaultVoice) : this.#file(p.file);
      this.#loaded.set(key, hit);
      hit.catch(() => this.#loaded.delete(key)); // a failure is retried next time
    }
    return hit;
  }

  /** Publish time: converts every prompt of the document; errors name the prompt's path. */
  async prepare(doc: FlowDocument | Dialogue): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    for (const { path, prompt } of promptsOf(doc)) {
      if ('text' in prompt && prompt.text.includes('${')) continue; // spoken at call time
      try {
        await this.load(prompt);
      } catch (err) {
        errors.push({ path, message: err instanceof Error ? err.message : String(err) });
      }
    }
    return errors;
  }

  async #file(file: string): Promise<Int16Array> {
    const path = isAbsolute(file) ? file : resolve(this.#o.baseDir, file);
    const buf = await readFile(path);
    try {
      const w = readWav(buf);
      if (w.sampleRate === 8000) return w.samples;
    } catch {
      // not a WAV we read directly: sox converts it
    }
    const out = await this.#cached(
      `file-${hash(path, String((await stat(path)).mtimeMs))}.wav`,
      (tmp) => this.#sox(path, tmp),
    );
    return readWav(out).samples;
  }

  async #speak(text: string, voice: string): Promise<Int16Array> {
    const out = await this.#cached(`tts-${hash(voice, text)}.wav`, async (tmp) => {
      const raw = `${tmp}.espeak.wav`;
      try {
        await run(this.#o.espeak, ['-v', voice, '-w', raw, '--', text], { timeout: 30_000 });
        await this.#sox(raw, tmp);
      } finally {
        await rm(raw, { force: true });
      }
    });
    return readWav(out).samples;
  }

  #sox(from: string, to: string): Promise<unknown> {
    return run(
      this.#o.sox,
      [from, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'wav', to],
      { timeout: 30_000 },
    );
  }

  async #cached(name: string, make: (tmp: string) => Promise<unknown>): Promise<Buffer> {
    const path = join(this.#o.cacheDir, name);
    try {
      return await readFile(path);
    } catch {
      await mkdir(this.#o.cacheDir, { recursive: true });
      const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        await make(tmp);
        await rename(tmp, path); // atomic: a reader never sees half a file
      } finally {
        await rm(tmp, { force: true });
      }
      return readFile(path);
    }
  }
}

function hash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}
