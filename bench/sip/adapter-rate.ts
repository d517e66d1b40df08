import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import type { CallEnd } from '../../src/telephony/port.ts';
import { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import { writeWavBuffer } from '../../src/telephony/sip/media/wav.ts';
import { PEER, sippUas, type Transport } from './sipp.ts';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sipAdapter(port: number, transport: Transport, extra: object = {}): SipTelephony {
  return new SipTelephony({
    scheduler: new RealScheduler(() => undefined),
    config: {
      trunk: { host: PEER, port, transport },
      bind: { address: '127.0.0.1' },
      media: { address: '127.0.0.1' },
      ...extra,
    },
  });
}

/**
 * The sip adapter alone, without engine or database: `rate` originates a second (spread every
 * 5 ms) for `seconds`, short answered calls (our BYE at once). The SIP side's own ceiling;
 * achieved = calls / (first INVITE to last call ended).
 */
export async function adapterRate(
  rate: number,
  seconds: number,
  transport: Transport,
): Promise<{ ok: number; failed: number; achieved: number }> {
  const total = rate * seconds;
  const uas = await sippUas(total, transport);
  const tel = sipAdapter(uas.port, transport, { holdSec: 0 });
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

/**
 * Part (b): N concurrent answered calls each playing a 4 s prompt twice; the pacer's lateness p99
 * (actual send − due time) once all calls are up, and the process CPU over the whole run.
 */
export async function media(
  n: number,
  transport: Transport,
): Promise<{ p50: number; p99: number; max: number; cpu: number; ok: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sip-'));
  const prompt = join(dir, 'prompt.wav');
  writeFileSync(
    prompt,
    writeWavBuffer(
      Int16Array.from({ length: 32000 }, (_, i) => Math.round(6000 * Math.sin(i / 5))),
    ),
  );
  const uas = await sippUas(n, transport);
  const tel = sipAdapter(uas.port, transport, { promptCacheDir: join(dir, 'cache') });
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
