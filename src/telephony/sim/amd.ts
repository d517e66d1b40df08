import type { Amd } from '../../domain/task-config.ts';
import { AmdDetector, type AmdResult } from '../sip/media/amd.ts';

/**
 * Answering machine detection on the sim: the callee's greeting is synthesised as audio — a
 * person's one word ("Hello?") then silence, or a machine's `greetingSec` of words and short
 * pauses — and fed frame by frame to the sip adapter's own detector with the task's thresholds,
 * so a simulation decides (and misjudges) as the sip adapter would. Deterministic: the same
 * greeting length always sounds the same.
 */
const FRAME = 160;
const LEVEL = 3000;

function words(totalMs: number, leadMs: number): (ms: number) => boolean {
  // Words of 350 ms and pauses of 150 ms from leadMs on, for totalMs.
  return (ms) => ms >= leadMs && ms < leadMs + totalMs && (ms - leadMs) % 500 < 350;
}

/** The detector's decision on the greeting: a machine's when `machineSec` is set, else a person's. */
export function simAmd(amd: Amd, machineSec: number | undefined): AmdResult {
  const t = amd.thresholds ?? {};
  const detector = new AmdDetector(
    Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)),
  );
  const voiced = machineSec !== undefined ? words(machineSec * 1000, 300) : words(350, 400);
  const limit = (t.totalAnalysisMs ?? 5000) + 1000;
  for (let ms = 0; ms < limit; ms += FRAME / 8) {
    const frame = new Int16Array(FRAME);
    if (voiced(ms)) for (let i = 0; i < FRAME; i++) frame[i] = i % 2 ? LEVEL : -LEVEL;
    const r = detector.push(frame);
    if (r) return r;
  }
  return detector.stop('too_long');
}
