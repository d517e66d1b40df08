/**
 * SIP benchmark: `npx tsx bench/sip/run.ts [--rates 250,500,1000,2000] [--concurrent 100,200,400]`.
 *
 * (a) Call rate: short answered calls through the sip adapter (INVITE, 200, ACK, our BYE at once)
 *     to sipp's built-in UAS on 127.0.0.2, at rising rates for 3 s each; a rate passes when every
 *     call ends in `success`. Beside it, sipp's UAC against the same UAS at the same rates.
 *     Target: ≥ 1,000 calls/s end to end. (This drives the adapter directly, not the engine's
 *     dialer and database: those have their own benchmark.)
 * (b) Media: N concurrent answered calls each playing a 4 s prompt twice; the pacer's lateness
 *     p99 (actual send − due time) once all calls are up, and the process CPU over the whole run.
 *     Target: p99 < 10 ms at 300 calls.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import { writeWavBuffer } from '../../src/telephony/sip/media/wav.ts';
import type { CallEnd } from '../../src/telephony/port.ts';

const { values: a } = parseArgs({
  options: {
    rates: { type: 'string', default: '250,500,1000,1500,2000,3000' },
    concurrent: { type: 'string', default: '100,200,300,400' },
    seconds: { type: 'string', default: '3' },
  },
});
if (spawnSync('sipp', ['-v']).error) {
  console.log('sipp is not installed (apt-get install -y sip-tester): skipped');
  process.exit(0);
}
const SECONDS = Number(a.seconds);
let nextPort = 26000 + Math.floor(Math.random() * 400) * 10;

function sippUas(calls: number): { port: number; done: Promise<number> } {
  const port = nextPort;
  nextPort += 10;
  const p = spawn(
    'sipp',
    [
      '-sn',
      'uas',
      '-i',
      '127.0.0.2',
      '-p',
      String(port),
      '-m',
      String(calls),
      '-nostdin',
      '-timeout',
      '60s',
      '-mp',
      String(port + 10000),
    ],
    { stdio: 'ignore' },
  );
  return { port, done: new Promise((r) => p.on('exit', (c) => r(c ?? -1))) };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function adapterRate(
  rate: number,
): Promise<{ ok: number; failed: number; achieved: number }> {
  const total = rate * SECONDS;
  const uas = sippUas(total);
  await wait(300);
  const tel = new SipTelephony({
    scheduler: new RealScheduler(() => undefined),
    config: {
      trunk: { host: '127.0.0.2', port: uas.port },
      bind: { address: '127.0.0.1' },
      media: { address: '127.0.0.1' },
      holdSec: 0,
    },
  });
  await tel.start();
  const ends: CallEnd[] = [];
  let placed = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (placed < due) {
        const id = `b${placed++}`;
        tel.originate(
          { callId: id, from: '862188880001', to: '1000', maxRingSec: 20 },
          { answered: () => undefined, ended: (e) => void ends.push(e) },
        );
      }
      if (placed < total) setTimeout(tick, 5);
      else resolve();
    };
    tick();
  });
  const deadline = Date.now() + 30_000;
  while (ends.length < total && Date.now() < deadline) await wait(20);
  const elapsed = (performance.now() - t0) / 1000;
  await tel.close();
  const ok = ends.filter((e) => e.result === 'success').length;
  await Promise.race([uas.done, wait(2000)]);
  return { ok, failed: total - ok, achieved: Math.round(total / elapsed) };
}

async function sippRate(rate: number): Promise<{ ok: number; total: number }> {
  const total = rate * SECONDS;
  const uas = sippUas(total);
  await wait(300);
  const uacPort = nextPort;
  nextPort += 10;
  const uac = spawn(
    'sipp',
    [
      '-sn',
      'uac',
      `127.0.0.2:${uas.port}`,
      '-i',
      '127.0.0.1',
      '-p',
      String(uacPort),
      '-r',
      String(rate),
      '-m',
      String(total),
      '-nostdin',
      '-timeout',
      '60s',
      '-mp',
      String(uacPort + 20000),
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let out = '';
  uac.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20000)));
  await new Promise<number>((r) => uac.on('exit', (c) => r(c ?? -1)));
  await Promise.race([uas.done, wait(2000)]);
  // sipp's final statistics screen: the cumulative column of "Successful call".
  const m = [...out.matchAll(/Successful call\s*\|\s*\d+\s*\|\s*(\d+)/g)].at(-1);
  return { ok: m ? Number(m[1]) : 0, total };
}

async function media(
  n: number,
): Promise<{ p50: number; p99: number; max: number; cpu: number; ok: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sip-'));
  const prompt = join(dir, 'prompt.wav');
  writeFileSync(
    prompt,
    writeWavBuffer(
      Int16Array.from({ length: 32000 }, (_, i) => Math.round(6000 * Math.sin(i / 5))),
    ),
  );
  const uas = sippUas(n);
  await wait(300);
  const tel = new SipTelephony({
    scheduler: new RealScheduler(() => undefined),
    config: {
      trunk: { host: '127.0.0.2', port: uas.port },
      bind: { address: '127.0.0.1' },
      media: { address: '127.0.0.1' },
      promptCacheDir: join(dir, 'cache'),
    },
  });
  await tel.start();
  const flow = {
    nodes: [
      { id: 'p', type: 'play', prompt: { file: prompt }, bargeIn: false, next: 'q' },
      { id: 'q', type: 'play', prompt: { file: prompt }, bargeIn: false },
    ],
  };
  const ends: CallEnd[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let answered = 0;
  // Lateness is measured once every call is up: the steady state, not the burst of N INVITEs.
  const up = () => void (++answered === n && (tel.pacer.measure = true));
  for (let i = 0; i < n; i++)
    tel.originate(
      { callId: `m${i}`, from: '1', to: '2', maxRingSec: 20, flow },
      { answered: up, ended: (e) => void ends.push(e) },
    );
  while (ends.length < n && performance.now() - t0 < 30_000) await wait(20);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  await tel.close();
  await Promise.race([uas.done, wait(2000)]);
  const l = [...tel.pacer.lateness].sort((x, y) => x - y);
  const q = (p: number) => l[Math.min(l.length - 1, Math.floor(p * l.length))] ?? NaN;
  return {
    p50: q(0.5),
    p99: q(0.99),
    max: l.at(-1) ?? NaN,
    cpu: (cpu.user + cpu.system) / 1000 / wall,
    ok: ends.filter((e) => e.result === 'success').length,
  };
}

console.log(
  `(a) short answered calls, ${SECONDS} s per rate, adapter → sipp UAS on loopback (target ≥ 1000 calls/s)`,
);
let best = 0;
for (const rate of a.rates!.split(',').map(Number)) {
  const ours = await adapterRate(rate);
  const ref = await sippRate(rate);
  console.log(
    `  ${String(rate).padStart(5)}/s: outbound ${ours.ok} ok, ${ours.failed} failed (achieved ${ours.achieved}/s)   sipp→sipp ${ref.ok}/${ref.total} ok`,
  );
  if (ours.failed === 0) best = rate;
  else break;
}
console.log(`  highest rate with zero failed calls: ${best}/s (target 1000)`);
console.log('(b) concurrent answered calls playing a prompt (target p99 < 10 ms at 300)');
for (const n of a.concurrent!.split(',').map(Number)) {
  const r = await media(n);
  console.log(
    `  ${String(n).padStart(4)} calls: lateness p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms, CPU ${(r.cpu * 100).toFixed(0)}% of one core, ${r.ok}/${n} ok`,
  );
}
