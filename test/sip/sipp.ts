import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import type { SipConfig } from '../../src/telephony/sip/config.ts';
import { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import type { CallEnd, CallRequest } from '../../src/telephony/port.ts';

/** Helpers for tests against a real sipp on loopback: our agent on 127.0.0.1, sipp on 127.0.0.2. */
export const PEER = '127.0.0.2';
export const hasSipp = spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error === undefined;
export const SKIP_REASON =
  'sipp is not installed (apt-get install -y sip-tester): SIP tests skipped';
if (!hasSipp) console.warn(SKIP_REASON);

const tmp = mkdtempSync(join(tmpdir(), 'outbound-sipp-'));

/** A scenario file; `{{name}}` placeholders filled from `fill` into a temporary copy. */
export function scenario(name: string, fill: Record<string, string | number> = {}): string {
  const path = fileURLToPath(new URL(`./scenarios/${name}.xml`, import.meta.url));
  if (Object.keys(fill).length === 0) return path;
  const text = readFileSync(path, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, k: string) =>
    String(fill[k] ?? ''),
  );
  const out = join(tmp, `${name}-${Object.values(fill).join('-').replace(/\W+/g, '_')}.xml`);
  writeFileSync(out, text);
  return out;
}

export type Transport = 'udp' | 'tcp';

/** A UDP (or TCP) port free on `host` right now (bound, read, released). */
export async function freePort(host = PEER, transport: Transport = 'udp'): Promise<number> {
  if (transport === 'tcp') {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, host, r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    return port;
  }
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, host, r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** True once something (sipp) holds the port: binding it ourselves fails. */
async function bound(host: string, port: number, transport: Transport): Promise<boolean> {
  if (transport === 'tcp') {
    const srv = createServer();
    return new Promise((resolve) => {
      srv.once('error', () => resolve(true));
      srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(false)));
    });
  }
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(true));
    s.bind(port, host, () => s.close(() => resolve(false)));
  });
}

export interface Sipp {
  port: number;
  proc: ChildProcess;
  /** sipp's exit code: 0 when its scenario ran to the end. */
  exit: Promise<number>;
  output: () => string;
  kill(): void;
}

/**
 * Starts sipp as a UAS for one call and resolves once its SIP port is bound. `transport: 'tcp'`
 * runs sipp in its TCP mode with one socket (`-t t1`): it listens and answers on our connection.
 */
export async function startSipp(
  name: string,
  keys: Record<string, string | number> = {},
  opts: { fill?: Record<string, string | number>; extra?: string[]; transport?: Transport } = {},
): Promise<Sipp> {
  // A port found free may be taken by another process before sipp binds it (the suites run in
  // parallel, and so may other runs on the machine): sipp then exits at once, and a new pair of
  // ports is tried.
  for (let tries = 1; ; tries++) {
    try {
      return await startSippOnce(name, keys, opts);
    } catch (e) {
      if (tries >= 5 || !/Address already in use/.test(String(e))) throw e;
    }
  }
}

async function startSippOnce(
  name: string,
  keys: Record<string, string | number>,
  opts: { fill?: Record<string, string | number>; extra?: string[]; transport?: Transport },
): Promise<Sipp> {
  const transport = opts.transport ?? 'udp';
  const port = await freePort(PEER, transport);
  const mediaPort = await freePort();
  const args = [
    '-sf',
    scenario(name, opts.fill),
    '-i',
    PEER,
    '-p',
    String(port),
    '-mi',
    PEER,
    '-mp',
    String(mediaPort),
    '-m',
    '1',
    '-timeout',
    '20s',
    '-timeout_error',
    '-nostdin',
    ...(transport === 'tcp' ? ['-t', 't1'] : []),
  ];
  for (const [k, v] of Object.entries(keys)) args.push('-key', k, String(v));
  const proc = spawn('sipp', [...args, ...(opts.extra ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20000)));
  proc.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20000)));
  const exit = new Promise<number>((r) => proc.on('exit', (code) => r(code ?? -1)));
  const deadline = Date.now() + 5000;
  while (!(await bound(PEER, port, transport))) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`sipp did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return { port, proc, exit, output: () => out, kill: () => void proc.kill('SIGKILL') };
}

export async function adapter(
  trunkPort: number,
  config: Partial<SipConfig> = {},
  transport: Transport = 'udp',
  fetch?: typeof globalThis.fetch,
): Promise<SipTelephony> {
  const tel = new SipTelephony({
    scheduler: new RealScheduler((e) => console.error(e)),
    ...(fetch ? { fetch } : {}),
    config: {
      trunk: { host: PEER, port: trunkPort, transport },
      bind: { address: '127.0.0.1' },
      media: { address: '127.0.0.1' },
      timers: { t1Ms: 50 },
      ...config,
    },
  });
  await tel.start();
  return tel;
}

/** One call; resolves with its end and when (ms after originate) it was answered. */
export function dial(
  tel: SipTelephony,
  req: Partial<CallRequest> = {},
): Promise<{ end: CallEnd; answeredMs?: number; endedMs: number }> {
  const t0 = Date.now();
  let answeredMs: number | undefined;
  return new Promise((resolve) =>
    tel.originate(
      {
        callId: `t${Math.random().toString(36).slice(2, 8)}`,
        from: '+862188880001',
        to: '+8613800000001',
        maxRingSec: 10,
        ...req,
      },
      {
        answered: () => void (answeredMs = Date.now() - t0),
        ended: (end) =>
          resolve({
            end,
            endedMs: Date.now() - t0,
            ...(answeredMs !== undefined ? { answeredMs } : {}),
          }),
      },
    ),
  );
}
