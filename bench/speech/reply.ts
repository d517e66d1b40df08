/**
 * The speech robot's reply delay and the calls one core holds:
 * `npx tsx bench/speech/reply.ts [--calls 1,2,4,8,12,16] [--turns 4] [--cores 0]`.
 *
 * Each call is a real RTP session (src/telephony/sip/media/session.ts) over UDP on localhost with
 * the embedded recogniser (pocketsphinx), running a dialogue that listens for the test dialogue's
 * intents and answers "Okay." each time. Its peer, in the same process and paced like it, says
 * an utterance (espeak-ng voices and speeds, pink noise at 20 dB SNR, µ-law; the corpus of
 * bench/speech/intents.ts) and measures the delay from the end of its speech (its last loud
 * frame sent) to the first loud frame of the robot's reply received: what the customer hears.
 * Then it waits for the reply to end and speaks again, `turns` times.
 *
 * With `--cores 0` (the default) the process and its pocketsphinx children are pinned to CPU 0
 * (taskset): the largest number of calls whose p95 stays within the goal is what one core holds.
 */
import { spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Dialogue, ListenStep } from '../../src/ivr/dialogue.ts';
import { runDialogue } from '../../src/ivr/speech-robot.ts';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import { decode, encode } from '../../src/telephony/sip/media/mulaw.ts';
import { monotonicMs, Pacer } from '../../src/telephony/sip/media/pacer.ts';
import { PocketsphinxRecogniser } from '../../src/telephony/sip/media/pocketsphinx.ts';
import { PromptStore } from '../../src/telephony/sip/media/prompts.ts';
import { parseRtp, serializeRtp } from '../../src/telephony/sip/media/rtp.ts';
import { RtpSession } from '../../src/telephony/sip/media/session.ts';
import { renewal } from '../../test/helpers/speech-dialogue.ts';
import {
  hasPocketsphinx,
  POCKETSPHINX_SKIP,
  rmsOf,
  utterancePcm,
} from '../../test/sip/speech-audio.ts';

const { values: a } = parseArgs({
  options: {
    calls: { type: 'string', default: '1,2,4,8,12,16' },
    turns: { type: 'string', default: '4' },
    cores: { type: 'string', default: '0' },
    pinned: { type: 'boolean', default: false },
  },
});
const GOAL_P95 = 800;
if (!hasPocketsphinx) {
  console.log(POCKETSPHINX_SKIP);
  process.exit(0);
}
if (a.cores && !a.pinned) {
  // Re-run pinned: the children (pocketsphinx) inherit the affinity.
  const r = spawnSync(
    'taskset',
    [
      '-c',
      a.cores,
      process.execPath,
      ...process.execArgv,
      process.argv[1]!,
      ...process.argv.slice(2),
      '--pinned',
    ],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}

const dir = join(tmpdir(), 'outbound-speech-corpus');
mkdirSync(dir, { recursive: true });
const ask = renewal.steps.find((s) => s.type === 'listen') as ListenStep;
const dialogue: Dialogue = {
  steps: [
    {
      id: 'ask',
      type: 'listen',
      timeoutSec: 20,
      retries: 0,
      intents: ask.intents.map((i) => ({ ...i, next: 'reply' })),
      noInput: 'ask',
      noMatch: 'reply',
    },
    { id: 'reply', type: 'say', prompt: { text: 'Okay.' }, bargeIn: false, next: 'ask' },
  ],
};
const SAID = ask.intents.flatMap((i) => i.phrases.map((p) => ({ text: p, intent: i.name })));
const VOICES = ['en-us', 'en-us+f3', 'en-gb', 'en-us+m7'];
const SPEEDS = [140, 175, 210];

const sched = new RealScheduler((e) => console.error(e));
const pacer = new Pacer();
const prompts = new PromptStore({ cacheDir: join(dir, 'prompts') });
const recogniser = new PocketsphinxRecogniser({ grammarDir: join(dir, 'grammars') });
await prompts.load({ text: 'Okay.' });

function bind(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((r) => s.bind(0, '127.0.0.1', () => r(s)));
}

interface Turn {
  delayMs: number;
  right: boolean;
  /** The robot's own view: its decision that speech ended → transcript. */
  recogniseMs?: number;
}

/** One call: the robot's session and a peer that talks to it `turns` times. */
async function call(n: number, turns: number): Promise<Turn[]> {
  const robotSock = await bind();
  const peerSock = await bind();
  const session = new RtpSession({
    socket: robotSock,
    remote: { host: '127.0.0.1', port: peerSock.address().port },
    dtmfPt: 101,
    pacer,
    prompts,
    sched,
    recogniser,
    signal: {
      hangup: () => undefined,
      transfer: () => Promise.resolve({ ok: false, detail: 'bench' }),
    },
  });
  const out: Turn[] = [];
  const said: { text: string; intent: string; pcm: Int16Array; endFrame: number }[] = [];
  for (let t = 0; t < turns; t++) {
    const k = n * turns + t;
    const s = SAID[k % SAID.length]!;
    const pcm = utterancePcm(dir, s.text, {
      voice: VOICES[k % VOICES.length],
      speed: SPEEDS[Math.floor(k / VOICES.length) % SPEEDS.length],
      beforeSec: 0.3,
      afterSec: 0,
      snrDb: 20,
      seed: k,
    });
    let endFrame = 0;
    for (let f = 0; f * 160 < pcm.length; f++)
      if (rmsOf(pcm.subarray(f * 160, f * 160 + 160)) > 800) endFrame = f;
    said.push({ ...s, pcm, endFrame });
  }
  const robot = runDialogue(dialogue, { session, variables: {} });
  let turn = 0;
  let frame = 0;
  let state: 'gap' | 'talking' | 'awaiting' | 'reply' = 'gap';
  let gapUntil = monotonicMs() + 400 + Math.random() * 1500;
  let spokeAt = 0;
  let quietFrames = 0;
  let seq = 0;
  const silence = encode(new Int16Array(160));
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  peerSock.on('message', (buf) => {
    const p = parseRtp(buf);
    if (!p || p.payloadType !== 0) return;
    const loud = rmsOf(decode(p.payload)) > 500;
    if (state === 'awaiting' && loud) {
      out.push({ delayMs: monotonicMs() - spokeAt, right: true });
      state = 'reply';
      quietFrames = 0;
    } else if (state === 'reply') {
      quietFrames = loud ? 0 : quietFrames + 1;
      if (quietFrames >= 15) {
        turn++;
        state = 'gap';
        gapUntil = monotonicMs() + 400;
        if (turn >= turns) done();
      }
    }
  });
  const robotPort = robotSock.address().port;
  const peer = {
    frame: (): boolean => {
      if (turn >= turns) return false;
      let payload = silence;
      if (state === 'gap' && monotonicMs() >= gapUntil) {
        state = 'talking';
        frame = 0;
      }
      if (state === 'talking') {
        const u = said[turn]!;
        payload = encode(u.pcm.subarray(frame * 160, frame * 160 + 160));
        if (frame === u.endFrame) spokeAt = monotonicMs();
        frame++;
        if (frame * 160 >= u.pcm.length) state = 'awaiting';
      }
      peerSock.send(
        serializeRtp({
          marker: false,
          payloadType: 0,
          seq: seq++ & 0xffff,
          timestamp: (seq * 160) >>> 0,
          ssrc: 1234 + n,
          payload,
        }),
        robotPort,
        '127.0.0.1',
      );
      return true;
    },
  };
  pacer.add(peer);
  await Promise.race([finished, new Promise((r) => setTimeout(r, turns * 15_000))]);
  session.remoteHangup();
  const outcome = await robot;
  await session.close();
  robotSock.close();
  peerSock.close();
  // Right: the intent the robot matched at each turn is the one said.
  const heard = outcome.turns.filter((t) => t.outcome !== 'no_input');
  out.forEach((t, i) => {
    t.right = heard[i]?.intent === said[i]?.intent;
    t.recogniseMs = heard[i]?.recogniseMs;
  });
  return out;
}

const q = (xs: number[], p: number) =>
  [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
const turns = Number(a.turns);
console.log(
  `Speech robot reply delay (end of the customer's speech → first sound of the reply), ${turns} turns a call, pinned to CPU ${a.cores || 'any'}; goal p95 ≤ ${GOAL_P95} ms`,
);
let holds = 0;
for (const n of a.calls!.split(',').map(Number)) {
  const t0 = process.cpuUsage();
  const w0 = monotonicMs();
  const all = (await Promise.all(Array.from({ length: n }, (_, i) => call(i, turns)))).flat();
  const wall = monotonicMs() - w0;
  const cpu = process.cpuUsage(t0);
  const delays = all.map((t) => t.delayMs);
  const p95 = q(delays, 0.95);
  const ok = p95 <= GOAL_P95 && all.length >= n * turns * 0.9;
  if (ok) holds = n;
  console.log(
    `  ${String(n).padStart(3)} calls: p50 ${q(delays, 0.5).toFixed(0).padStart(4)} ms, p95 ${p95.toFixed(0).padStart(5)} ms, ` +
      `${all.length}/${n * turns} replies, intents right ${all.filter((t) => t.right).length}, ` +
      `recogniser p50 ${q(
        all.map((t) => t.recogniseMs ?? NaN),
        0.5,
      )} ms p95 ${q(
        all.map((t) => t.recogniseMs ?? NaN),
        0.95,
      )} ms, ` +
      `node CPU ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(0)} % ${ok ? '' : ' (goal NOT met)'}`,
  );
}
console.log(`  one core holds ${holds} concurrent talking calls within the goal`);
process.exit(0);
