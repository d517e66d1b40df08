import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '../../..');

export interface Served {
  url: string;
  /** The system administrator key printed on first start. */
  key: string;
  stop: () => Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * `outbound serve` on a fresh embedded database in a temp dir, as a user starts it; resolves with
 * the first-start system administrator key. `speed`/`from` run its clock accelerated.
 */
export async function startServe(opts: { speed?: number; from?: string } = {}): Promise<Served> {
  const dir = mkdtempSync(path.join(tmpdir(), 'outbound-e2e-'));
  const port = await freePort();
  const args = ['bin/outbound.js', 'serve', '--port', String(port)];
  if (opts.speed) args.push('--speed', String(opts.speed));
  if (opts.from) args.push('--from', opts.from);
  const env: NodeJS.ProcessEnv = { ...process.env, OUTBOUND_DATA_DIR: dir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // If the test process goes away first, the server goes with it.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  child.once('exit', () => process.off('exit', orphan));
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const key = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /obk_[A-Za-z0-9_-]+/.exec(out);
      if (m) resolve(m[0]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    key,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        // A graceful stop finishes calls in progress; never let it outlive the test run.
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(force);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
