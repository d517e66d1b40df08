import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';

const BIN = path.resolve(import.meta.dirname, '../../bin/outbound.js');

/**
 * An `outbound serve` process (engine, api or all) on a PostgreSQL database, for the chaos test
 * and bench/engines. Its log goes to `logFile`; `started` resolves once it says it is serving.
 */
export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  started: Promise<void>;
  /** The engine id it leases calls under (from its start message), once started. */
  engineId?: string;
  /** Resolves with the exit code (null after a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnServe(o: {
  role: 'engine' | 'dialer' | 'dispatcher' | 'api' | 'all';
  databaseUrl: string;
  secretKey: string;
  network?: string;
  logFile: string;
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** More `serve` options (e.g. `--speed 60`). */
  args?: string[];
}): ServeProcess {
  const args = [BIN, 'serve', '--role', o.role, '--port', '0', ...(o.args ?? [])];
  if (o.network) args.push('--network', o.network);
  const log = fs.openSync(o.logFile, 'a');
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      DATABASE_URL: o.databaseUrl,
      OUTBOUND_SECRET_KEY: o.secretKey,
      LOG_LEVEL: 'info',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', log],
  });
  fs.closeSync(log);
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const ready =
    o.role === 'engine' || o.role === 'dialer'
      ? '"engine started"'
      : o.role === 'dispatcher'
        ? '"dispatcher started"'
        : 'Server listening';
  const proc: ServeProcess = { child, pid: child.pid!, started: undefined!, exited };
  proc.started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${o.role} process ${child.pid} did not start (see ${o.logFile})`)),
      o.startTimeoutMs ?? 30_000,
    );
    let seen = '';
    child.stdout!.on('data', (d: Buffer) => {
      fs.appendFileSync(o.logFile, d);
      if (seen !== 'done') {
        seen = (seen + d.toString()).slice(-4096);
        if (seen.includes(ready)) {
          // The start message names the engine id its leases carry (attempts.engine_id).
          const id = /"engineId":"([^"]+)"/.exec(seen);
          if (id) proc.engineId = id[1];
          seen = 'done';
          clearTimeout(timer);
          resolve();
        }
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (seen !== 'done')
        reject(
          new Error(
            `${o.role} process exited (${code ?? signal}) before it started; see ${o.logFile}`,
          ),
        );
    });
  });
  proc.started.catch(() => {}); // observed by whoever awaits it
  return proc;
}
