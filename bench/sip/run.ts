/**
 * SIP benchmark: `npx tsx bench/sip/run.ts [--rates 100,200,500,1000] [--seconds 5] [--pg]
 * [--transport udp|tcp] [--cps-factor 0] [--adapter-rates 1000,2000,3000]
 * [--concurrent 100,200,300,400] [--skip engine,adapter,media]`.
 *
 * (a) Call rate end to end: the real engine (Dialer, database, pacing) placing short answered calls
 *     through the sip adapter to sipp's UAS on 127.0.0.2, in real time, at rising target rates
 *     (./engine-rate.ts). Database: PGlite in memory, or with --pg PostgreSQL
 *     (DATABASE_URL or postgres://postgres@127.0.0.1:5432/test) in a fresh schema. Beside each
 *     rate, sipp's UAC against the same UAS at the same rate. Target: ≥ 1,000 calls/s end to end.
 *     Then the sip adapter alone (no engine, no database) at its own rates: the SIP side's ceiling.
 * (b) Media: N concurrent answered calls each playing a 4 s prompt twice; the pacer's lateness
 *     p99 (actual send − due time) once all calls are up, and the process CPU over the whole run.
 *     Target: p99 < 10 ms at 300 calls.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { newPGlite } from '../../src/store/db.ts';
import { adapterRate, media } from './adapter-rate.ts';
import { engineRate } from './engine-rate.ts';
import { sippRate, type Transport } from './sipp.ts';

const { values: a } = parseArgs({
  options: {
    rates: { type: 'string', default: '100,200,500,1000' },
    'adapter-rates': { type: 'string', default: '1000,2000,3000' },
    concurrent: { type: 'string', default: '100,200,300,400' },
    seconds: { type: 'string', default: '5' },
    transport: { type: 'string', default: 'udp' },
    pg: { type: 'boolean', default: false },
    skip: { type: 'string', default: '' },
    'cps-factor': { type: 'string', default: '0' },
  },
});
if (spawnSync('sipp', ['-v']).error) {
  console.log('sipp is not installed (apt-get install -y sip-tester): skipped');
  process.exit(0);
}
const SECONDS = Number(a.seconds);
const T = a.transport as Transport;
if (T !== 'udp' && T !== 'tcp') throw new Error('--transport is udp or tcp');
const skip = new Set(a.skip!.split(',').filter(Boolean));
const list = (s: string) => s.split(',').filter(Boolean).map(Number);
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const databaseUrl = a.pg
  ? process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
  : undefined;

console.log(
  `SIP benchmark over ${T.toUpperCase()} on loopback; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)} at start`,
);

if (!skip.has('engine')) {
  console.log(
    `(a) engine → sip adapter${Number(a['cps-factor']) ? ` (maxCallsPerSec ${a['cps-factor']} × target)` : ''} → sipp UAS, ${SECONDS} s per rate, database ${databaseUrl ? `PostgreSQL (${new URL(databaseUrl).host})` : 'PGlite in memory'}; target ≥ 1000 calls/s end to end`,
  );
  const lite = databaseUrl ? undefined : newPGlite();
  for (const rate of list(a.rates!)) {
    const e = await engineRate({
      rate,
      seconds: SECONDS,
      transport: T,
      cps: Number(a['cps-factor']) * rate,
      ...(databaseUrl ? { databaseUrl } : {}),
      ...(lite ? { lite } : {}),
    });
    const ref = await sippRate(rate, SECONDS, T);
    const other = Object.entries(e.results)
      .filter(([r]) => r !== 'success')
      .map(([r, n]) => `${r} ${n}`)
      .join(', ');
    console.log(
      `  target ${String(rate).padStart(5)}/s: placed ${e.placed}, answered ${e.answered}, failed ${e.failed}${other ? ` (${other})` : ''}; ` +
        `placed at ${e.achieved.toFixed(0)}/s; all settled ${e.wallSec.toFixed(1)} s after the first call (${e.endToEnd.toFixed(0)}/s end to end)   ` +
        `sipp→sipp ${ref.ok}/${ref.total} ok`,
    );
    const per = (n: number) => (n / Math.max(1, e.placed)).toFixed(2);
    console.log(
      `        engine SQL: ${per(e.db.n)} statements per call, ${(e.db.ms / 1000).toFixed(1)} s in all; heaviest: ` +
        e.db.top.map(([l, x]) => `${l} ×${per(x.n)}/call ${(x.ms / x.n).toFixed(2)} ms`).join('; '),
    );
    console.log(
      `        where the time goes: ${e.ticks.dialing} dialing ticks, median ${e.ticks.p50.toFixed(0)} ms, max ${e.ticks.max.toFixed(0)} ms ` +
        `(1000 ms available per tick); this process CPU ${pct(e.cpu)} of a core, event loop busy ${pct(e.elu)}; ` +
        `machine CPU ${pct(e.machine)}${e.errors ? `; ${e.errors} engine errors logged` : ''}`,
    );
  }
  await lite?.close();
}

if (!skip.has('adapter')) {
  console.log(`    the sip adapter alone (no engine, no database), ${SECONDS} s per rate:`);
  for (const rate of list(a['adapter-rates']!)) {
    const ours = await adapterRate(rate, SECONDS, T);
    const ref = await sippRate(rate, SECONDS, T);
    console.log(
      `  ${String(rate).padStart(5)}/s: ${ours.ok} ok, ${ours.failed} failed (achieved ${ours.achieved}/s)   sipp→sipp ${ref.ok}/${ref.total} ok`,
    );
  }
}

if (!skip.has('media')) {
  console.log('(b) concurrent answered calls playing a prompt (target p99 < 10 ms at 300)');
  for (const n of list(a.concurrent!)) {
    const r = await media(n, T);
    console.log(
      `  ${String(n).padStart(4)} calls: lateness p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms, CPU ${(r.cpu * 100).toFixed(0)}% of one core, ${r.ok}/${n} ok`,
    );
  }
}
