import { describe, expect, it } from 'vitest';
import { AmdDetector, EndOfGreeting, type AmdResult } from '../../src/telephony/sip/media/amd.ts';

/**
 * The detector on synthetic 8 kHz audio: tone bursts are words, zeros (or quiet noise) are
 * silence, fed in 20 ms frames as RTP delivers them.
 */
type Part = { word: number } | { silence: number } | { noise: number; level: number };

function pcm(parts: Part[], noiseLevel = 0): Int16Array {
  const chunks: number[] = [];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
  for (const p of parts) {
    const ms = 'word' in p ? p.word : 'silence' in p ? p.silence : p.noise;
    for (let i = 0; i < ms * 8; i++) {
      const bg = noiseLevel * rand();
      if ('word' in p)
        chunks.push(Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000) + bg));
      else if ('noise' in p) chunks.push(Math.round(p.level * rand() + bg));
      else chunks.push(Math.round(bg));
    }
  }
  return Int16Array.from(chunks);
}

function run(audio: Int16Array, d = new AmdDetector()): AmdResult | undefined {
  for (let i = 0; i < audio.length; i += 160) {
    const r = d.push(audio.subarray(i, i + 160));
    if (r) return r;
  }
  return d.result;
}

describe('AmdDetector', () => {
  it('a short "Hello?" then silence is a human, decided 800 ms after the word', () => {
    const r = run(pcm([{ silence: 400 }, { word: 500 }, { silence: 3000 }]));
    expect(r).toEqual({
      decision: 'human',
      reason: 'after_greeting_silence',
      initialSilenceMs: 400,
      greetingMs: 500,
      words: 1,
      analysisMs: 1700,
    });
  });

  it('two short words with a pause are still a human', () => {
    const r = run(
      pcm([{ silence: 300 }, { word: 300 }, { silence: 200 }, { word: 300 }, { silence: 2000 }]),
    );
    expect(r).toMatchObject({ decision: 'human', words: 2, greetingMs: 600 });
  });

  it('a greeting of many words is a machine as soon as the fourth word starts', () => {
    const words: Part[] = [{ silence: 300 }];
    for (let i = 0; i < 10; i++) words.push({ word: 250 }, { silence: 150 });
    const r = run(pcm(words));
    expect(r).toMatchObject({ decision: 'machine', reason: 'max_words', words: 4 });
    expect(r!.analysisMs).toBe(300 + 3 * 400 + 100);
  });

  it('one long stretch of speech is a machine once the greeting passes 1.5 s', () => {
    const r = run(pcm([{ silence: 200 }, { word: 4000 }]));
    expect(r).toMatchObject({ decision: 'machine', reason: 'long_greeting', greetingMs: 1500 });
    expect(r!.analysisMs).toBe(1700);
  });

  it('silence from the start is a machine after the initial silence', () => {
    const r = run(pcm([{ silence: 6000 }]));
    expect(r).toMatchObject({ decision: 'machine', reason: 'initial_silence', words: 0 });
    expect(r!.initialSilenceMs).toBe(2500);
  });

  it('clicks shorter than a word do not count as words', () => {
    const parts: Part[] = [];
    for (let i = 0; i < 20; i++) parts.push({ word: 40 }, { silence: 200 });
    const r = run(pcm(parts));
    expect(r).toMatchObject({ decision: 'machine', reason: 'initial_silence', words: 0 });
  });

  it('undecided when the analysis time runs out: notsure', () => {
    const d = new AmdDetector({ totalAnalysisMs: 1000, afterGreetingSilenceMs: 2000 });
    const r = run(pcm([{ silence: 200 }, { word: 300 }, { silence: 1500 }]), d);
    expect(r).toMatchObject({ decision: 'notsure', reason: 'too_long', analysisMs: 1000 });
  });

  it('thresholds are configurable: three words are a human by default, a machine with maxWords 3', () => {
    const parts: Part[] = [{ silence: 200 }];
    for (let i = 0; i < 3; i++) parts.push({ word: 200 }, { silence: 100 });
    parts.push({ silence: 1000 });
    expect(run(pcm(parts))).toMatchObject({ decision: 'human', words: 3 });
    expect(run(pcm(parts), new AmdDetector({ maxWords: 3 }))).toMatchObject({
      decision: 'machine',
      reason: 'max_words',
    });
  });

  it('steady background noise above the threshold is not speech; words over it are', () => {
    const r = run(pcm([{ silence: 500 }, { word: 400 }, { silence: 2000 }], 600));
    expect(r).toMatchObject({ decision: 'human', words: 1, initialSilenceMs: 500 });
  });

  it('speech from the very first frame is heard as speech', () => {
    const r = run(pcm([{ word: 2000 }]));
    expect(r).toMatchObject({ decision: 'machine', reason: 'long_greeting', initialSilenceMs: 0 });
  });

  it('stop() ends an undecided analysis as notsure with its reason', () => {
    const d = new AmdDetector();
    d.push(pcm([{ silence: 500 }]));
    expect(d.stop('hangup')).toMatchObject({
      decision: 'notsure',
      reason: 'hangup',
      analysisMs: 500,
    });
  });
});

describe('EndOfGreeting', () => {
  it('waits for the silence after the last word and the beep', () => {
    const e = new EndOfGreeting(1000);
    const audio = pcm([
      { word: 300 },
      { silence: 500 },
      { word: 300 },
      { silence: 400 },
      { word: 200 },
      { silence: 1500 },
    ]);
    let doneAt: number | undefined;
    for (let i = 0; i < audio.length && doneAt === undefined; i += 160)
      if (e.push(audio.subarray(i, i + 160))) doneAt = (i + 160) / 8;
    expect(doneAt).toBe(300 + 500 + 300 + 400 + 200 + 1000);
  });
});
