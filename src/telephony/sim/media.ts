import type { Prompt } from '../../ivr/flow.ts';
import type {
  CollectOptions,
  CollectResult,
  Heard,
  ListenOptions,
  MediaSession,
  PlayResult,
  ResolvedTarget,
  TransferResult,
} from '../../ivr/media.ts';
import type { Scheduler, Timer } from '../../platform/scheduler.ts';

/**
 * The sim's media session, on the scheduler's clock. The simulated callee:
 * - presses the keys of its `digits` string in order, one every KEY_MS while it is listened to
 *   (a collect is waiting, or a prompt with barge-in plays), starting KEY_MS after listening starts;
 * - presses its timed `keys` at their given instants whether listened to or not (a key nobody
 *   listens to is buffered, as a real phone's RFC 4733 digits are, and counts for the next collect);
 * - says its `says` utterances in order, one each time a speech robot listens, SPEECH_START_MS
 *   after the prompt ends and lasting SPEECH_MS_PER_CHAR a character (an empty one is silence:
 *   the robot waits its whole no-input time); the text is what the robot "recognises";
 * - hangs up at `hangupAt` (answer time + talk time) unless the flow ended first.
 * Prompts last `promptMs(prompt)`: text at TEXT_MS_PER_CHAR, files FILE_MS unless told otherwise.
 *
 * On a VirtualScheduler a timer's task must not return before the flow has reacted, or virtual time
 * would move past the flow's next timer: every timer task here resolves the waiting operation and
 * then returns `idle()`, which settles once the flow waits again (or ends).
 */
export const KEY_MS = 500;
export const TEXT_MS_PER_CHAR = 70;
export const FILE_MS = 3000;
/** How long the callee takes to start speaking after a prompt, and per character it says. */
export const SPEECH_START_MS = 600;
export const SPEECH_MS_PER_CHAR = 60;

export function simPromptMs(p: Prompt): number {
  return 'text' in p ? Math.max(1000, p.text.length * TEXT_MS_PER_CHAR) : FILE_MS;
}

export interface SimMediaOptions {
  keys: string;
  /** Keys pressed at absolute instants (epoch ms). */
  timedKeys?: { at: number; digits: string }[];
  hangupAt: number;
  promptMs?: (p: Prompt) => number;
  /** What the callee says, one utterance per listen. */
  says?: string[];
  /** Hands a transferred call over (the sim's contact centre, ./agents.ts). */
  onTransfer?: (target: ResolvedTarget) => void;
}

interface Op {
  done: (why: 'timer' | 'key' | 'hangup') => void;
}

export class SimMediaSession implements MediaSession {
  readonly #sched: Scheduler;
  readonly #promptMs: (p: Prompt) => number;
  readonly #onTransfer: ((target: ResolvedTarget) => void) | undefined;
  #keys: string;
  readonly #says: string[];
  #buffer = '';
  #op: Op | undefined;
  #timers: Timer[] = [];
  #hangupTimer: Timer;
  #scriptTimers: Timer[] = [];
  /** What the waiting operation does with a key that arrives now (none: the key is buffered). */
  #keyListener: (() => void) | undefined;
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;
  #hungUp = false;
  /** Who ended the call: the simulated callee, or us (flow, engine). */
  endedBy: 'callee' | 'us' | undefined;
  readonly transfers: ResolvedTarget[] = [];

  constructor(sched: Scheduler, o: SimMediaOptions) {
    this.#sched = sched;
    this.#keys = o.keys;
    this.#says = [...(o.says ?? [])];
    this.#promptMs = o.promptMs ?? simPromptMs;
    this.#onTransfer = o.onTransfer;
    this.#hangupTimer = sched.at(o.hangupAt, () => {
      const idle = this.idle();
      this.#end('callee');
      return idle;
    });
    for (const k of o.timedKeys ?? []) {
      this.#scriptTimers.push(
        sched.at(k.at, () => {
          if (this.#hungUp) return;
          this.#buffer += k.digits;
          const listener = this.#keyListener;
          if (!listener) return;
          const idle = this.idle();
          listener();
          return idle;
        }),
      );
    }
  }

  get hungUp(): boolean {
    return this.#hungUp;
  }

  /** Settles when the flow is waiting on the clock again, or has ended. */
  idle(): Promise<void> {
    if (!this.#idle) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
  }

  /** The flow is done: nothing waits any more. */
  close(): void {
    this.#hangupTimer.cancel();
    for (const t of this.#scriptTimers) t.cancel();
    this.#clear();
    this.#settleIdle();
  }

  /** Ends the call from our side (the engine's hangup). */
  abort(): void {
    this.#end('us');
  }

  play(prompt: Prompt, opts: { bargeIn: boolean }): Promise<PlayResult> {
    if (this.#hungUp) return Promise.resolve({ interrupted: false });
    if (opts.bargeIn && this.#buffer) return Promise.resolve({ interrupted: true });
    return this.#wait((done) => {
      this.#after(this.#promptMs(prompt), () => done('timer'));
      if (opts.bargeIn) this.#listen(() => done('key'));
    }).then((why) => ({ interrupted: why === 'key' }));
  }

  collect(o: CollectOptions): Promise<CollectResult> {
    let got = '';
    // Keys typed ahead (or that barged in) count first.
    const take = (): CollectResult['reason'] | undefined => {
      while (this.#buffer) {
        const k = this.#buffer[0]!;
        this.#buffer = this.#buffer.slice(1);
        if (o.terminator && k === o.terminator) return 'terminator';
        got += k;
        if (got.length >= o.max) return 'max';
      }
      return undefined;
    };
    const early = take();
    if (early) return Promise.resolve({ digits: got, reason: early });
    if (this.#hungUp) return Promise.resolve({ digits: got, reason: 'hangup' });
    return new Promise<CollectResult>((resolve) => {
      const arm = () => {
        this.#clear();
        this.#after(got ? (o.interDigitMs ?? o.timeoutMs) : o.timeoutMs, () => finish('timeout'));
        this.#listen(onKey);
      };
      const finish = (reason: CollectResult['reason']) => {
        this.#op = undefined;
        this.#clear();
        resolve({ digits: got, reason });
      };
      const onKey = () => {
        const r = take();
        if (r) finish(r);
        else {
          arm();
          this.#settleIdle();
        }
      };
      this.#op = { done: (why) => (why === 'hangup' ? finish('hangup') : undefined) };
      arm();
      this.#settleIdle();
    });
  }

  async hear(o: ListenOptions): Promise<Heard> {
    const nothing = { transcript: '', confidence: null, bargedIn: false };
    if (o.prompt) await this.play(o.prompt, { bargeIn: false });
    if (this.#hungUp) return { kind: 'hangup', ...nothing };
    const said = this.#says.shift()?.trim() ?? '';
    const ms = said ? SPEECH_START_MS + said.length * SPEECH_MS_PER_CHAR : o.timeoutMs;
    const why = await this.#wait((done) => this.#after(ms, () => done('timer')));
    if (why === 'hangup') return { kind: 'hangup', ...nothing };
    if (!said) return { kind: 'silence', ...nothing };
    return { kind: 'speech', transcript: said.toLowerCase(), confidence: 1, bargedIn: false };
  }

  wait(ms: number): Promise<void> {
    if (this.#hungUp) return Promise.resolve();
    return this.#wait((done) => this.#after(ms, () => done('timer'))).then(() => undefined);
  }

  transfer(target: ResolvedTarget): Promise<TransferResult> {
    if (this.#hungUp) return Promise.resolve({ ok: false, detail: 'call ended' });
    this.transfers.push(target);
    this.#onTransfer?.(target);
    return Promise.resolve({ ok: true, detail: 'sim' });
  }

  hangup(): Promise<void> {
    this.#end('us');
    return Promise.resolve();
  }

  /** Runs `arm` (which sets timers and calls `done`), resolving with the first reason. */
  #wait(
    arm: (done: (why: 'timer' | 'key' | 'hangup') => void) => void,
  ): Promise<'timer' | 'key' | 'hangup'> {
    return new Promise((resolve) => {
      const done = (why: 'timer' | 'key' | 'hangup') => {
        if (this.#op !== op) return;
        this.#op = undefined;
        this.#clear();
        resolve(why);
      };
      const op: Op = { done };
      this.#op = op;
      arm(done);
      this.#settleIdle();
    });
  }

  /** The callee presses its next key KEY_MS from now, if it has one left. */
  #listen(onKey: () => void): void {
    this.#keyListener = onKey;
    if (!this.#keys) return;
    this.#after(KEY_MS, () => {
      this.#buffer += this.#keys[0]!;
      this.#keys = this.#keys.slice(1);
      onKey();
    });
  }

  #after(ms: number, fn: () => void): void {
    const t = this.#sched.at(this.#sched.now().getTime() + ms, () => {
      // Taken before fn runs: fn may re-arm (a collect between keys), which settles it at once.
      const idle = this.idle();
      fn();
      return idle;
    });
    this.#timers.push(t);
  }

  #clear(): void {
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
    this.#keyListener = undefined;
  }

  #settleIdle(): void {
    const i = this.#idle;
    this.#idle = undefined;
    i?.resolve();
  }

  #end(by: 'callee' | 'us'): void {
    if (this.#hungUp) return;
    this.#hungUp = true;
    this.endedBy = by;
    this.#hangupTimer.cancel();
    for (const t of this.#scriptTimers) t.cancel();
    this.#op?.done('hangup');
    this.#clear();
  }
}
