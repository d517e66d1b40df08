import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** sipp processes for the SIP benchmark: its built-in UAS on 127.0.0.2, and its UAC as reference. */
export type Transport = 'udp' | 'tcp';
export const PEER = '127.0.0.2';

let nextPort = 26000 + Math.floor(Math.random() * 400) * 10;
/** Ports for sipp, 10 apart (sipp also uses the next ones for media). */
export function ports(): number {
  const p = nextPort;
  nextPort += 10;
  return p;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True while something (sipp) holds the port: binding it ourselves fails. */
function held(host: string, port: number, transport: Transport): Promise<boolean> {
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

/**
 * TCP mode with one socket, and socket buffers as large as ours: sipp's default (64 KiB) drops a
 * burst of a few dozen INVITEs, and the engine starts each tick's calls in one burst.
 */
const tArgs = (t: Transport) => [...(t === 'tcp' ? ['-t', 't1'] : []), '-buff_size', '4194304'];

/** sipp's built-in UAS for `calls` calls (180, 200, then waits for our BYE); resolves once bound. */
export async function sippUas(
  calls: number,
  transport: Transport,
): Promise<{ port: number; done: Promise<number> }> {
  const port = ports();
  const p = spawn(
    'sipp',
    [
      '-sn',
      'uas',
      '-i',
      PEER,
      '-p',
      String(port),
      '-m',
      String(calls),
      '-nostdin',
      '-timeout',
      '120s',
      '-mp',
      String(port + 10000),
      ...tArgs(transport),
    ],
    { stdio: 'ignore' },
  );
  const done = new Promise<number>((r) => p.on('exit', (c) => r(c ?? -1)));
  const deadline = Date.now() + 5000;
  while (!(await held(PEER, port, transport))) {
    if (Date.now() > deadline || p.exitCode !== null) throw new Error('sipp UAS did not start');
    await wait(10);
  }
  return { port, done };
}

/** sipp's UAC against sipp's UAS: `rate` calls/s, rate × seconds calls; the calls that succeeded. */
export async function sippRate(
  rate: number,
  seconds: number,
  transport: Transport,
): Promise<{ ok: number; total: number; achieved: number }> {
  const total = rate * seconds;
  const uas = await sippUas(total, transport);
  const uacPort = ports();
  const t0 = performance.now();
  const uac = spawn(
    'sipp',
    [
      '-sn',
      'uac',
      `${PEER}:${uas.port}`,
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
      '120s',
      '-mp',
      String(uacPort + 20000),
      ...tArgs(transport),
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let out = '';
  uac.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20000)));
  await new Promise<number>((r) => uac.on('exit', (c) => r(c ?? -1)));
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.race([uas.done, wait(2000)]);
  // sipp's final statistics screen: the cumulative column of "Successful call".
  const m = [...out.matchAll(/Successful call\s*\|\s*\d+\s*\|\s*(\d+)/g)].at(-1);
  const ok = m ? Number(m[1]) : 0;
  return { ok, total, achieved: Math.round(total / Math.max(elapsed, seconds)) };
}
